import { api, el, formatTime, setupLanguage, stream, t, takeToken } from './common.js';

const token = takeToken('pa-console');
const $ = (selector) => document.querySelector(selector);

/** Open tasks by id; the inbox shows them most urgent (earliest due) first. */
const tasks = new Map();
let selected = null;
let notice = null;

setupLanguage(render);

if (!token) {
  showMessage(t('console.noToken'));
} else {
  loadInbox()
    .then(() =>
      stream(token, '/tasks/events', {
        onEvent: (event, data) => {
          if (event === 'task') upsert(data);
          else if (event === 'resync') void loadInbox();
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
          if (state === 'live') void loadInbox();
          if (state === 'expired') showMessage(t('console.expired'));
          if (state === 'forbidden') showMessage(t('status.forbidden'));
        },
      }),
    )
    .catch((error) => showMessage(error.message));
}

function showMessage(text) {
  const message = $('#message');
  message.textContent = text;
  message.hidden = !text;
}

async function loadInbox() {
  const page = await api(token, '/tasks?limit=100');
  tasks.clear();
  for (const task of page.items) tasks.set(task.id, task);
  if (selected && !tasks.has(selected.id)) selected = null;
  render();
}

function upsert(task) {
  if (task.status === 'open') tasks.set(task.id, task);
  else tasks.delete(task.id);
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
  if (items.length === 0) {
    $('#inbox').replaceChildren(el('li', { class: 'muted' }, t('console.empty')));
    return;
  }
  $('#inbox').replaceChildren(
    ...items.map((task) =>
      el(
        'li',
        {
          class: `inbox__item${task.overdue ? ' inbox__item--overdue' : ''}${selected?.id === task.id ? ' inbox__item--selected' : ''}`,
          'data-task': task.id,
          'data-overdue': String(task.overdue),
        },
        el(
          'button',
          { type: 'button', onclick: () => select(task.id) },
          el('span', { class: 'inbox__name' }, task.name),
          task.overdue ? el('span', { class: 'badge badge--overdue' }, t('status.overdue')) : null,
          el(
            'span',
            { class: 'muted inbox__meta' },
            `${task.workflow.key} · ${t('console.due', { when: formatTime(task.dueAt) })}`,
          ),
        ),
      ),
    ),
  );
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
      upsert(decided);
      if (decided.status !== 'open') selected = null;
      render();
    } catch (error) {
      showMessage(error.message);
    }
  }
}
