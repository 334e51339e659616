import { api, el, formatTime, setupLanguage, stream, t, takeToken } from './common.js';

const token = takeToken('pa-console');
const $ = (selector) => document.querySelector(selector);

/** Open tasks by id; the inbox shows them most urgent (earliest due) first. */
const tasks = new Map();
/** The API lists the inbox by due time: the first page is the most urgent, later ones are read on request. */
const PAGE = '/tasks?limit=100';
let nextCursor = null;
/** Whether a whole read of the inbox has succeeded yet: until then an empty list says nothing. */
let loaded = false;
/**
 * One read at a time: each page read shows form fields, so it is one disclosure per task in the ledger and counts
 * against the department's hourly quota; a double click or a reload racing "More tasks" must not read twice.
 */
let reads = Promise.resolve();
let reading = false;
let wholeQueued = false;
/** Changes that arrive while a page is being read wait for it and apply after it: its answer may be older. */
let arrived = null;
/**
 * Tasks whose change the stream announced without their view (`withheld`: the department is past its hourly quota of
 * task views), and when the inbox is read again to show them.
 */
const withheld = new Set();
let withheldUntil = null;
let refreshTimer = null;
let selected = null;
let notice = null;

setupLanguage(render);

if (!token) {
  showMessage(t('console.noToken'));
} else {
  // The inbox is read on each `ready`, which the server sends once it is listening: nothing that changes between the
  // read and the stream can be missed, and each read (one disclosure per task shown) happens once per connection.
  let asked = false;
  stream(token, '/tasks/events', {
    onEvent: (event, data) => {
      if (event === 'ready' || event === 'resync') {
        asked = true;
        loadInbox();
      } else if (event === 'task') afterRead(() => upsert(data));
      else if (event === 'withheld') afterRead(() => holdBack(data.retryAfterSeconds, data.id));
    },
    onState: (state) => {
      const live = $('#live');
      live.hidden = false;
      live.dataset.state = state;
      live.textContent = t(
        state === 'live'
          ? 'status.live'
          : state === 'expired' || state === 'forbidden'
            ? 'status.expiredShort'
            : 'status.offline',
      );
      // Without a stream the inbox still shows what is open, once.
      if (state === 'offline' && !asked) {
        asked = true;
        loadInbox();
      }
      if (state === 'expired') showMessage(t('console.expired'));
      if (state === 'forbidden') showMessage(t('status.forbidden'));
    },
  });
}

function showMessage(text) {
  const message = $('#message');
  message.textContent = text;
  message.hidden = !text;
}

/** Reads the inbox from its first page, once whatever read is under way is done (and only once, however asked). */
function loadInbox() {
  if (wholeQueued) return;
  wholeQueued = true;
  queueRead(() => {
    wholeQueued = false;
    return PAGE;
  }, true);
}

/** Reads the page after the last one read. */
function loadMore() {
  queueRead(() => (nextCursor ? `${PAGE}&cursor=${encodeURIComponent(nextCursor)}` : null), false);
}

function queueRead(pathNow, whole) {
  reads = reads.then(() => read(pathNow(), whole)).catch((error) => showMessage(error.message));
}

/** Reads one page of the inbox; past the quota, reads the whole inbox again when the quota frees up. */
async function read(path, whole) {
  if (path === null) return;
  reading = true;
  arrived = [];
  if (whole) {
    clearTimeout(refreshTimer);
    refreshTimer = null;
  }
  render();
  try {
    const page = await api(token, path);
    if (whole) {
      tasks.clear();
      withheld.clear();
      withheldUntil = null;
      loaded = true;
    }
    for (const task of page.items) {
      tasks.set(task.id, task);
      withheld.delete(task.id);
    }
    nextCursor = page.nextCursor;
    if (selected && !tasks.has(selected.id)) selected = null;
  } catch (error) {
    if (error.status === 429 && error.retryAfterSeconds) holdBack(error.retryAfterSeconds);
    else showMessage(error.message);
  } finally {
    reading = false;
    const waiting = arrived;
    arrived = null;
    for (const change of waiting) change();
    render();
  }
}

/** A change now, or after the read under way (whose answer may be older than the change). */
function afterRead(change) {
  if (arrived) arrived.push(change);
  else change();
}

/** Marks what changed unseen, and reads the inbox again once the department may see it. */
function holdBack(seconds, id) {
  if (id !== undefined) withheld.add(id);
  const until = Date.now() + seconds * 1000;
  if (refreshTimer === null || until > withheldUntil) {
    withheldUntil = until;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(loadInbox, seconds * 1000);
  }
  render();
}

function upsert(task) {
  if (task.status === 'open') tasks.set(task.id, task);
  else tasks.delete(task.id);
  withheld.delete(task.id);
  if (selected?.id === task.id) selected = task;
  render();
}

function render() {
  renderInbox();
  renderTask();
}

function renderInbox() {
  // Due times carry their calendar's offset, so they are compared as instants, not as text.
  const items = [...tasks.values()].sort(
    (a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.id.localeCompare(b.id),
  );
  const departments = [...new Set(items.map((task) => task.department))];
  $('#department').textContent = departments.join(', ');
  const held =
    withheldUntil === null
      ? null
      : el(
          'li',
          { class: 'inbox__held', id: 'withheld', role: 'status' },
          t(withheld.size > 0 ? 'console.withheld' : 'console.quota', {
            when: formatTime(new Date(withheldUntil).toISOString()),
          }),
        );
  const more = nextCursor
    ? el(
        'li',
        {},
        el('button', { type: 'button', id: 'more', disabled: reading, onclick: loadMore }, t('console.more')),
      )
    : null;
  const rows =
    items.length === 0
      ? loaded
        ? [el('li', { class: 'muted' }, t('console.empty'))]
        : []
      : items.map((task) =>
          el(
            'li',
            {
              class: `inbox__item${task.overdue ? ' inbox__item--overdue' : ''}${selected?.id === task.id ? ' inbox__item--selected' : ''}${withheld.has(task.id) ? ' inbox__item--withheld' : ''}`,
              'data-task': task.id,
              'data-overdue': String(task.overdue),
              'data-withheld': String(withheld.has(task.id)),
            },
            el(
              'button',
              { type: 'button', onclick: () => select(task.id) },
              el('span', { class: 'inbox__name' }, withheld.has(task.id) ? `↻ ${task.name}` : task.name),
              task.overdue ? el('span', { class: 'badge badge--overdue' }, t('status.overdue')) : null,
              el(
                'span',
                { class: 'muted inbox__meta' },
                `${task.workflow.key} · ${t('console.due', { when: formatTime(task.dueAt) })}`,
              ),
            ),
          ),
        );
  $('#inbox').replaceChildren(...[held, ...rows, more].filter(Boolean));
}

async function select(id) {
  notice = null;
  try {
    selected = await api(token, `/tasks/${encodeURIComponent(id)}`);
  } catch (error) {
    showMessage(error.message);
  }
  render();
}

function renderTask() {
  const panel = $('#task');
  if (!selected) {
    panel.replaceChildren(
      notice ? el('p', { class: 'notice', id: 'notice' }, notice) : '',
      el('p', { class: 'muted' }, t('console.pick')),
    );
    return;
  }
  const task = selected;
  const open = task.status === 'open';
  const required = task.signoffRequired ?? 1;
  const approveLabel =
    required > 1
      ? t('console.countersign', { n: task.signoffs.length + 1, of: required })
      : t('console.approve');
  const comment = el('textarea', { id: 'comment', rows: 3, maxlength: 2000 });
  const fields = el('input', { id: 'return-fields', type: 'text', autocomplete: 'off' });
  panel.replaceChildren(
    el('h2', {}, task.name),
    el('dl', { class: 'facts' }, [
      el('dt', {}, t('console.application')),
      el('dd', {}, el('code', {}, task.applicationId)),
      el('dt', {}, t('status.state')),
      el('dd', {}, el('span', { class: `badge badge--${task.status}` }, t(`step.${task.status}`))),
      el('dt', {}, t('status.opened')),
      el('dd', {}, formatTime(task.openedAt)),
      el('dt', {}, t('status.due')),
      el(
        'dd',
        {},
        formatTime(task.dueAt),
        task.overdue ? el('span', { class: 'badge badge--overdue' }, t('status.overdue')) : '',
      ),
      required > 1
        ? [
            el('dt', {}, t('console.signoffs')),
            el(
              'dd',
              {},
              `${task.signoffs.length} / ${required}`,
              ...task.signoffs.map((s) =>
                el('div', { class: 'muted' }, `${s.officer} · ${formatTime(s.at)}`),
              ),
            ),
          ]
        : [],
    ]),
    el('h3', {}, t('console.data')),
    el(
      'dl',
      { class: 'facts', id: 'task-data' },
      Object.entries(task.data).map(([name, value]) => [
        el('dt', {}, name),
        el('dd', {}, typeof value === 'object' ? JSON.stringify(value) : String(value)),
      ]),
    ),
    open
      ? el(
          'form',
          { class: 'decision', onsubmit: (event) => event.preventDefault() },
          el('label', { for: 'comment' }, t('console.comment')),
          comment,
          el('label', { for: 'return-fields' }, t('console.returnFields')),
          fields,
          el(
            'div',
            { class: 'decision__buttons' },
            el(
              'button',
              { type: 'button', class: 'primary', id: 'approve', onclick: () => decide('approve') },
              approveLabel,
            ),
            el(
              'button',
              { type: 'button', id: 'reject', onclick: () => decide('reject') },
              t('console.reject'),
            ),
            el(
              'button',
              { type: 'button', id: 'return', onclick: () => decide('return') },
              t('console.return'),
            ),
          ),
        )
      : null,
    notice ? el('p', { class: 'notice', id: 'notice' }, notice) : null,
  );

  async function decide(outcome) {
    const body = { outcome };
    if (comment.value.trim()) body.comment = comment.value.trim();
    if (outcome === 'return') {
      const names = fields.value
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean);
      if (names.length) body.fields = names;
    }
    if (outcome === 'approve' && task.produces?.length) {
      body.produces = Object.fromEntries(task.produces.map((name) => [name, window.prompt(name) ?? '']));
    }
    try {
      const decided = await api(token, `/tasks/${encodeURIComponent(task.id)}/decision`, {
        method: 'POST',
        body,
      });
      notice = t('console.done');
      showMessage('');
      afterRead(() => upsert(decided));
      if (decided.status !== 'open') selected = null;
      render();
    } catch (error) {
      showMessage(error.message);
    }
  }
}
