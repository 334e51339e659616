// Shared by the status page and the officer console: no build step, plain ES modules served from /ui/.

const STRINGS = {
  en: {
    'lang.zh': '中文',
    'lang.en': 'English',
    'status.title': 'Application status',
    'status.timeline': 'Departments',
    'status.events': 'Latest events',
    'status.corrections': 'Corrections to make',
    'status.correctionsIntro':
      'Every department that found something to correct is listed here, all at once: correct everything, then resubmit once.',
    'status.correctBy': 'Correct by',
    'status.waiting': 'Of it, waiting for your corrections',
    'status.timing': 'Time',
    'status.noToken':
      'This link carries no access token. Open the link you were given, including the part after #.',
    'status.workflow': 'Service',
    'status.state': 'Status',
    'status.submitted': 'Submitted',
    'status.decided': 'Decided',
    'status.expectedBy': 'Expected by',
    'status.serialCommitted': 'One department after another (committed limits)',
    'status.serialActual': 'Department times added up',
    'status.real': 'Real time, all departments at once',
    'status.saved': 'Saved by parallel processing',
    'status.criticalPath': 'critical path',
    'status.overdue': 'overdue',
    'status.opened': 'Opened',
    'status.due': 'Due',
    'status.decidedAt': 'Decided',
    'status.by': 'By',
    'status.by.officer': 'officer {who}',
    'status.by.rule': 'rule (instant approval)',
    'status.by.timeout': 'deemed approval (time limit passed)',
    'status.fields': 'Fields',
    'status.resubmitIntro':
      'Correct the fields below, then resubmit. What you leave unchanged stays as it is; the departments that asked see your corrections.',
    'status.resubmitNoFields': 'No field was named: resubmit once you have dealt with the comments above.',
    'status.resubmit': 'Resubmit',
    'status.resubmitting': 'Sending…',
    'status.resubmitted': 'Resubmitted: the departments are reviewing your application again.',
    'status.notJson': 'Not valid JSON',
    'status.notNumber': 'Not a number',
    'status.live': 'live',
    'status.offline': 'reconnecting…',
    'status.ended': 'final',
    'status.expiredShort': 'expired',
    'status.forbidden': 'This link does not give access to this page.',
    'status.expired': 'This link has expired: ask for a new one to follow your application.',
    'console.expired': 'Your access has expired: open the console with a new link.',
    'state.in_review': 'In review',
    'state.correction_requested': 'Corrections requested',
    'state.approved': 'Approved',
    'state.rejected': 'Rejected',
    'state.withdrawn': 'Withdrawn',
    'state.lapsed': 'Lapsed (not corrected in time)',
    'step.blocked': 'Waiting',
    'step.open': 'Open',
    'step.approved': 'Approved',
    'step.rejected': 'Rejected',
    'step.returned': 'Returned',
    'step.skipped': 'Skipped (not needed)',
    'step.cancelled': 'Cancelled',
    'unit.workingDays': '{n} working days',
    'console.title': 'Officer console',
    'console.inbox': 'Inbox',
    'console.empty': 'No open tasks.',
    'console.pick': 'Pick a task from the inbox.',
    'console.noToken': 'This link carries no access token. Open the console link with #token=… at the end.',
    'console.application': 'Application',
    'console.signoffs': 'Sign-offs',
    'console.comment': 'Comment',
    'console.returnFields': 'Fields to correct (comma-separated, for a return)',
    'console.approve': 'Approve',
    'console.countersign': 'Countersign ({n} of {of})',
    'console.reject': 'Reject',
    'console.return': 'Return for correction',
    'console.done': 'Decision recorded.',
    'console.data': 'Granted fields',
    'console.due': 'due {when}',
    'console.more': 'More tasks',
    'console.quota':
      'Your department has reached its hourly limit of task views: the inbox is read again at {when}.',
    'console.withheld':
      'Tasks changed after your department reached its hourly limit of task views: marked ↻, they show at {when}.',
  },
  zh: {
    'lang.zh': '中文',
    'lang.en': 'English',
    'status.title': '办件进度',
    'status.timeline': '各部门办理情况',
    'status.events': '最新动态',
    'status.corrections': '需要补正的材料',
    'status.correctionsIntro': '各部门需要补正的内容已一次性列出，请全部补正后一次提交。',
    'status.correctBy': '补正截止',
    'status.waiting': '其中等待申请人补正',
    'status.timing': '办理时间',
    'status.noToken': '链接中没有访问令牌，请打开完整的链接（包括 # 之后的部分）。',
    'status.workflow': '事项',
    'status.state': '状态',
    'status.submitted': '提交时间',
    'status.decided': '办结时间',
    'status.expectedBy': '预计办结',
    'status.serialCommitted': '串联办理（承诺时限之和）',
    'status.serialActual': '各部门实际用时之和',
    'status.real': '并联办理实际用时',
    'status.saved': '并联办理节省',
    'status.criticalPath': '关键路径',
    'status.overdue': '已超时',
    'status.opened': '受理',
    'status.due': '时限',
    'status.decidedAt': '办结',
    'status.by': '办理方式',
    'status.by.officer': '经办人 {who}',
    'status.by.rule': '规则秒批',
    'status.by.timeout': '超时默认同意',
    'status.fields': '字段',
    'status.resubmitIntro': '请修改下列字段后重新提交。未修改的内容保持不变；提出补正的部门会看到您的修改。',
    'status.resubmitNoFields': '未指明字段：处理完上述意见后即可重新提交。',
    'status.resubmit': '重新提交',
    'status.resubmitting': '正在提交…',
    'status.resubmitted': '已重新提交，各部门将重新审查您的申请。',
    'status.notJson': '不是有效的 JSON',
    'status.notNumber': '不是数字',
    'status.live': '实时',
    'status.offline': '正在重连…',
    'status.ended': '已办结',
    'status.expiredShort': '已过期',
    'status.forbidden': '此链接无权访问本页面。',
    'status.expired': '此链接已过期，请重新获取链接以查看申请进度。',
    'console.expired': '访问令牌已过期，请用新的链接打开工作台。',
    'state.in_review': '审批中',
    'state.correction_requested': '待补正',
    'state.approved': '已通过',
    'state.rejected': '未通过',
    'state.withdrawn': '已撤回',
    'state.lapsed': '已失效（逾期未补正）',
    'step.blocked': '等待前置环节',
    'step.open': '办理中',
    'step.approved': '已同意',
    'step.rejected': '不同意',
    'step.returned': '退回补正',
    'step.skipped': '无需办理',
    'step.cancelled': '已取消',
    'unit.workingDays': '{n} 个工作日',
    'console.title': '部门工作台',
    'console.inbox': '待办',
    'console.empty': '没有待办件。',
    'console.pick': '请从待办中选择一件。',
    'console.noToken': '链接中没有访问令牌，请在工作台链接末尾加上 #token=…',
    'console.application': '申请',
    'console.signoffs': '会签',
    'console.comment': '意见',
    'console.returnFields': '需补正的字段（逗号分隔，退回时填写）',
    'console.approve': '同意',
    'console.countersign': '会签（{n}/{of}）',
    'console.reject': '不同意',
    'console.return': '退回补正',
    'console.done': '已提交办理意见。',
    'console.data': '可见字段',
    'console.due': '时限 {when}',
    'console.more': '更多待办',
    'console.quota': '本部门本小时的查阅次数已用完，将于 {when} 重新读取待办。',
    'console.withheld': '本部门本小时的查阅次数已用完，其间有待办变化（标 ↻），将于 {when} 显示。',
  },
};

let lang = localStorage.getItem('pa-lang') ?? (document.documentElement.lang.startsWith('zh') ? 'zh' : 'en');
const langListeners = [];

export const currentLang = () => lang;

export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

/** The language switch: buttons with data-lang; static text carries data-i18n. */
export function setupLanguage(onChange) {
  langListeners.push(onChange);
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.addEventListener('click', () => setLang(button.dataset.lang));
  }
  setLang(lang);
}

function setLang(next) {
  lang = next === 'zh' ? 'zh' : 'en';
  localStorage.setItem('pa-lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
  }
  document.title = t(document.body.dataset.titleKey);
  for (const listener of langListeners) listener();
}

/**
 * The token comes in the URL fragment (#token=…), which browsers never send to a server. It is kept for this tab
 * only and removed from the address bar, so it does not linger in history or screenshots.
 */
export function takeToken(scope) {
  const match = /(?:^|&)token=([^&]+)/.exec(location.hash.slice(1));
  if (match) {
    sessionStorage.setItem(scope, decodeURIComponent(match[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(scope);
}

export class ApiError extends Error {
  constructor(status, problem, retryAfterSeconds) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    /** From `Retry-After` on a 429 or 503: when asking again can succeed. */
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export async function api(token, path, init = {}) {
  const headers = { ...init.headers, authorization: `Bearer ${token}`, accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  const body = text === '' ? null : JSON.parse(text);
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ApiError(
      response.status,
      body,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }
  return body;
}

/**
 * Server-sent events over fetch, because EventSource cannot send the Authorization header (and the token must
 * never go into a query string). Resumes with Last-Event-ID after a dropped connection; a 204 or an `end` event
 * means there is nothing more to come. A 401 is the token's end (the server closes a stream when its token
 * expires), a 403 a token that may not follow this stream: asking again every few seconds could only be refused
 * again, so the stream stops, `expired` or `forbidden`.
 */
export function stream(token, path, { onEvent, onState }) {
  const controller = new AbortController();
  let lastId;
  let retryMs = 3000;
  let stopped = false;
  const run = async () => {
    while (!stopped) {
      let ended = false;
      try {
        const headers = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
        if (lastId !== undefined) headers['last-event-id'] = lastId;
        const response = await fetch(`/api/v1${path}`, { headers, signal: controller.signal });
        if (response.status === 204) {
          onState('ended');
          return;
        }
        if (response.status === 401 || response.status === 403) {
          onState(response.status === 401 ? 'expired' : 'forbidden');
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState('live');
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const message = { event: 'message', data: '' };
            let hasData = false;
            for (const line of block.split('\n')) {
              const colon = line.indexOf(':');
              if (colon === 0) continue;
              const field = colon < 0 ? line : line.slice(0, colon);
              const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
              if (field === 'id') lastId = value;
              else if (field === 'event') message.event = value;
              else if (field === 'retry' && /^\d+$/.test(value)) retryMs = Number(value);
              else if (field === 'data') {
                message.data += (hasData ? '\n' : '') + value;
                hasData = true;
              }
            }
            if (!hasData) continue;
            if (message.event === 'end') ended = true;
            onEvent(message.event, JSON.parse(message.data));
          }
        }
      } catch (error) {
        if (stopped) return;
        if (error && error.name === 'AbortError') return;
      }
      if (ended) {
        onState('ended');
        return;
      }
      onState('offline');
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  };
  void run();
  return {
    close() {
      stopped = true;
      controller.abort();
    },
  };
}

/**
 * An `Idempotency-Key`: a retried request (a double click, a reply lost on the way back) is then applied once.
 * `crypto.randomUUID` exists only on HTTPS and localhost; random bytes exist everywhere.
 */
export function idempotencyKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

/** Builds DOM without innerHTML, so no value from the API is ever parsed as markup. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function formatTime(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function formatDuration(ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  const parts = [
    [Math.floor(total / 86400), lang === 'zh' ? '天' : 'd'],
    [Math.floor((total % 86400) / 3600), lang === 'zh' ? '小时' : 'h'],
    [Math.floor((total % 3600) / 60), lang === 'zh' ? '分' : 'm'],
    [total % 60, lang === 'zh' ? '秒' : 's'],
  ];
  const shown = parts.filter(([n]) => n > 0).slice(0, 2);
  return shown.length === 0
    ? lang === 'zh'
      ? '0 秒'
      : '0s'
    : shown.map(([n, u]) => `${n}${lang === 'zh' ? ' ' : ''}${u}`).join(' ');
}
