import {
  api,
  ApiError,
  el,
  formatDuration,
  formatTime,
  idempotencyKey,
  setupLanguage,
  stream,
  t,
  takeToken,
} from './common.js';

const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
const token = takeToken(`pa-status-${id}`);
const $ = (selector) => document.querySelector(selector);

let view = null;
let workflow = null;
let history = [];
let liveState = null;
let reloadTimer = null;
/**
 * The resubmission form's state, kept apart from the DOM: the page redraws on every event and on a change of
 * language, and what the applicant has typed must survive that. `values` by field path; `errors` by field path,
 * and `''` for a refusal no field is to blame for.
 */
const resubmission = { values: new Map(), errors: new Map(), sending: false, done: false };

setupLanguage(render);

if (!token) {
  showMessage(t('status.noToken'));
} else {
  load()
    .then(() =>
      stream(token, `/applications/${encodeURIComponent(id)}/events`, {
        onEvent: () => scheduleReload(),
        onState: (state) => {
          liveState = state;
          renderLive();
        },
      }),
    )
    .catch((error) => showMessage(error.message));
}

/** Events can come in bursts (one decision writes several history entries): reload once per burst. */
function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => load().catch((error) => showMessage(error.message)), 150);
}

async function load() {
  const path = `/applications/${encodeURIComponent(id)}`;
  const [nextView, nextHistory] = await Promise.all([api(token, path), api(token, `${path}/history`)]);
  if (!workflow || workflow.version !== nextView.workflow.version) {
    workflow = await api(
      token,
      `/workflows/${encodeURIComponent(nextView.workflow.key)}?version=${nextView.workflow.version}`,
    );
  }
  view = nextView;
  history = nextHistory.events;
  render();
}

function showMessage(text) {
  const message = $('#message');
  message.textContent = text;
  message.hidden = false;
}

function renderLive() {
  const live = $('#live');
  if (!liveState) return;
  live.hidden = false;
  live.dataset.state = liveState;
  live.textContent = t(
    liveState === 'live' ? 'status.live' : liveState === 'ended' ? 'status.ended' : 'status.offline',
  );
}

function render() {
  renderLive();
  if (!view || !workflow) return;
  renderSummary();
  renderResubmitted();
  renderCorrections();
  renderTiming();
  renderSteps();
  renderEvents();
}

function renderSummary() {
  const summary = $('#summary');
  summary.hidden = false;
  summary.replaceChildren(
    el('dl', { class: 'facts' }, [
      el('dt', {}, t('status.workflow')),
      el('dd', {}, `${workflow.name} (${view.workflow.key} v${view.workflow.version})`),
      el('dt', {}, t('status.state')),
      el(
        'dd',
        {},
        el('span', { class: `badge badge--${view.status}`, id: 'state' }, t(`state.${view.status}`)),
      ),
      el('dt', {}, t('status.submitted')),
      el('dd', {}, formatTime(view.submittedAt)),
      view.decidedAt ? [el('dt', {}, t('status.decided')), el('dd', {}, formatTime(view.decidedAt))] : [],
      !view.decidedAt && view.expectedBy
        ? [el('dt', {}, t('status.expectedBy')), el('dd', { id: 'expected-by' }, formatTime(view.expectedBy))]
        : [],
    ]),
  );
}

function renderResubmitted() {
  const notice = $('#resubmitted');
  notice.hidden = !resubmission.done || view.status !== 'in_review';
  notice.textContent = t('status.resubmitted');
}

function renderCorrections() {
  const section = $('#corrections');
  const corrections = view.corrections ?? [];
  section.hidden = corrections.length === 0;
  if (corrections.length === 0) return;
  const stepName = (stepId) => view.steps.find((s) => s.id === stepId)?.name ?? stepId;
  const lapsesAt = view.status === 'correction_requested' ? view.waitingForApplicant?.lapsesAt : null;
  section.replaceChildren(
    el('h2', {}, t('status.corrections')),
    view.status === 'correction_requested' ? el('p', {}, t('status.correctionsIntro')) : null,
    lapsesAt
      ? el('p', {}, `${t('status.correctBy')}: `, el('strong', { id: 'correct-by' }, formatTime(lapsesAt)))
      : null,
    el(
      'ul',
      { class: 'corrections' },
      corrections.map((c) =>
        el(
          'li',
          { 'data-step': c.step },
          el('strong', {}, stepName(c.step)),
          c.comment ? `: ${c.comment}` : '',
          c.fields?.length
            ? el('div', { class: 'muted' }, `${t('status.fields')}: ${c.fields.join(', ')}`)
            : '',
        ),
      ),
    ),
    view.status === 'correction_requested'
      ? resubmitForm([...new Set(corrections.flatMap((c) => c.fields ?? []))])
      : null,
  );
}

/**
 * The fields the departments named, each with the input its type in the workflow's form asks for, filled with the
 * value on file; one button sends them all as one resubmission. Only the fields the applicant changed go into the
 * patch: an approved step that reads a value the patch changes is reopened.
 */
function resubmitForm(paths) {
  const fields = paths.map((path) => {
    const schema = schemaAt(workflow.definition.form, path);
    const input = inputFor(schema, path, valueAt(view.data, path));
    const problem = resubmission.errors.get(path);
    if (problem) input.setAttribute('aria-invalid', 'true');
    return el(
      'div',
      { class: 'field', 'data-field': path },
      el('label', { for: input.id }, schema?.title ? `${schema.title} (${path})` : path),
      input,
      problem ? el('span', { class: 'field__error', role: 'alert' }, problem) : null,
    );
  });
  const general = resubmission.errors.get('');
  return el(
    'form',
    { class: 'form', id: 'resubmit', onsubmit: (event) => void resubmit(event, paths) },
    el('p', {}, t(paths.length ? 'status.resubmitIntro' : 'status.resubmitNoFields')),
    fields,
    general ? el('p', { class: 'message', id: 'resubmit-message', role: 'alert' }, general) : null,
    el(
      'div',
      { class: 'form__buttons' },
      el(
        'button',
        { type: 'submit', class: 'primary', id: 'resubmit-button', disabled: resubmission.sending },
        t(resubmission.sending ? 'status.resubmitting' : 'status.resubmit'),
      ),
    ),
  );
}

/** The subschema of a dotted path through `properties`; undefined where the form does not say. */
function schemaAt(schema, path) {
  let node = schema;
  for (const key of path.split('.')) {
    node = node?.properties?.[key];
    if (node === undefined) return undefined;
  }
  return node;
}

function valueAt(data, path) {
  let node = data;
  for (const key of path.split('.')) node = node != null && typeof node === 'object' ? node[key] : undefined;
  return node;
}

/** How a field is edited: by its type in the form, or where the form does not say, by the value on file. */
const kindOf = (schema, current) => {
  if (Array.isArray(schema?.enum)) return 'enum';
  const declared = Array.isArray(schema?.type) ? schema.type.find((x) => x !== 'null') : schema?.type;
  const type = declared ?? (current === null ? undefined : typeof current);
  return ['string', 'number', 'integer', 'boolean'].includes(type) ? type : 'json';
};

/** The input for one field, showing the applicant's draft if there is one, else the value on file. */
function inputFor(schema, path, current) {
  const id = `field-${path}`;
  const kind = kindOf(schema, current);
  const draft = resubmission.values.get(path);
  const remember = (event) => {
    const target = event.target;
    resubmission.values.set(path, target.type === 'checkbox' ? target.checked : target.value);
  };
  if (kind === 'boolean') {
    return el('input', {
      type: 'checkbox',
      id,
      name: path,
      checked: draft ?? current === true,
      onchange: remember,
    });
  }
  if (kind === 'enum') {
    const shown = draft ?? JSON.stringify(current);
    return el(
      'select',
      { id, name: path, onchange: remember },
      current === undefined ? el('option', { value: '' }, '—') : null,
      schema.enum.map((option) => {
        const value = JSON.stringify(option);
        return el('option', { value, selected: value === shown }, String(option));
      }),
    );
  }
  const text =
    draft ??
    (current === undefined ? '' : kind === 'json' ? JSON.stringify(current, null, 2) : String(current));
  if (kind === 'json') return el('textarea', { id, name: path, rows: 4, oninput: remember }, text);
  const type =
    kind === 'number' || kind === 'integer'
      ? 'number'
      : schema?.format === 'date'
        ? 'date'
        : schema?.format === 'email'
          ? 'email'
          : 'text';
  const input = el('input', { type, id, name: path, oninput: remember });
  if (type === 'number') input.step = kind === 'integer' ? '1' : 'any';
  input.value = text;
  return input;
}

/** What the input holds, as the JSON value to send; `undefined` means the field is left as it is on file. */
function readField(form, schema, path, current) {
  const input = form.elements.namedItem(path);
  const kind = kindOf(schema, current);
  let value;
  if (kind === 'boolean') value = input.checked;
  else if (kind === 'enum') value = input.value === '' ? undefined : JSON.parse(input.value);
  else if (kind === 'number' || kind === 'integer') {
    // A number field's value is '' both when empty and when what was typed is not a number.
    if (input.validity.badInput || !Number.isFinite(Number(input.value)))
      throw new FieldError(path, t('status.notNumber'));
    if (input.value.trim() === '') value = null;
    else value = Number(input.value);
  } else if (kind === 'json') {
    if (input.value.trim() === '') value = null;
    else {
      try {
        value = JSON.parse(input.value);
      } catch {
        throw new FieldError(path, t('status.notJson'));
      }
    }
  } else value = input.value;
  if (value === null && current === undefined) return undefined;
  return JSON.stringify(value) === JSON.stringify(current) ? undefined : value;
}

class FieldError extends Error {
  constructor(path, message) {
    super(message);
    this.path = path;
  }
}

/** The merge patch (RFC 7396) that sets each dotted path; `null` removes a member. */
function patchOf(changes) {
  const patch = {};
  for (const [path, value] of changes) {
    const keys = path.split('.');
    let node = patch;
    for (const key of keys.slice(0, -1)) node = node[key] ??= {};
    node[keys.at(-1)] = value;
  }
  return patch;
}

async function resubmit(event, paths) {
  event.preventDefault();
  if (resubmission.sending) return;
  const form = event.currentTarget;
  resubmission.errors.clear();
  const changes = [];
  try {
    for (const path of paths) {
      const value = readField(form, schemaAt(workflow.definition.form, path), path, valueAt(view.data, path));
      if (value !== undefined) changes.push([path, value]);
    }
  } catch (error) {
    resubmission.errors.set(error.path ?? '', error.message);
    render();
    return;
  }
  resubmission.sending = true;
  render();
  try {
    view = await api(token, `/applications/${encodeURIComponent(id)}/resubmit`, {
      method: 'POST',
      headers: { 'idempotency-key': idempotencyKey() },
      body: { data: patchOf(changes) },
    });
    resubmission.values.clear();
    resubmission.done = true;
  } catch (error) {
    showRefusal(error);
  } finally {
    resubmission.sending = false;
    render();
  }
}

/** Puts each of the API's complaints (`$.data.…`) beside its field; the rest, and the detail, above the button. */
function showRefusal(error) {
  const problems = error instanceof ApiError ? (error.problem?.errors ?? []) : [];
  const general = [];
  for (const problem of problems) {
    const path = /^\$\.data\.(.+)$/.exec(problem.path ?? '')?.[1];
    if (path !== undefined && document.getElementById(`field-${path}`)) {
      const before = resubmission.errors.get(path);
      resubmission.errors.set(path, before ? `${before}; ${problem.message}` : problem.message);
    } else {
      general.push(problem.path ? `${problem.path}: ${problem.message}` : problem.message);
    }
  }
  resubmission.errors.set('', [error.message, ...general].join(' · '));
}

/** A step's committed limit in seconds (a working day counts as a day, as the analysis does). */
function limitSeconds(limit) {
  return (
    (limit.workingDays ?? 0) * 86400 +
    (limit.hours ?? 0) * 3600 +
    (limit.minutes ?? 0) * 60 +
    (limit.seconds ?? 0)
  );
}

function renderTiming() {
  const taken = workflow.definition.steps.filter(
    (step) => view.steps.find((s) => s.id === step.id)?.status !== 'skipped',
  );
  const end = view.decidedAt ? Date.parse(view.decidedAt) : Date.now();
  const committed =
    workflow.analysis.unit === 'workingDays'
      ? t('unit.workingDays', { n: taken.reduce((sum, step) => sum + (step.timeLimit.workingDays ?? 0), 0) })
      : formatDuration(taken.reduce((sum, step) => sum + limitSeconds(step.timeLimit), 0) * 1000);
  const actual = view.steps
    .filter((s) => s.openedAt)
    .reduce((sum, s) => sum + ((s.decidedAt ? Date.parse(s.decidedAt) : end) - Date.parse(s.openedAt)), 0);
  const real = end - Date.parse(view.submittedAt);
  // Waiting for the applicant's corrections is part of the real time but no department's.
  const waiting = view.waitingForApplicant;
  const waited = waiting?.intervals?.length > 0;
  const waitingMs = waited
    ? waiting.seconds * 1000 + (waiting.waiting && waiting.since ? end - Date.parse(waiting.since) : 0)
    : 0;
  const section = $('#timing');
  section.hidden = false;
  section.replaceChildren(
    el('h2', {}, t('status.timing')),
    el('dl', { class: 'facts' }, [
      el('dt', {}, t('status.serialCommitted')),
      el('dd', { id: 'serial-committed' }, committed),
      el('dt', {}, t('status.serialActual')),
      el('dd', { id: 'serial-actual' }, formatDuration(actual)),
      el('dt', {}, t('status.real')),
      el('dd', { id: 'real-time' }, el('strong', {}, formatDuration(real))),
      waited
        ? [el('dt', {}, t('status.waiting')), el('dd', { id: 'waiting-time' }, formatDuration(waitingMs))]
        : [],
      actual > real ? [el('dt', {}, t('status.saved')), el('dd', {}, formatDuration(actual - real))] : [],
    ]),
  );
}

function decider(step) {
  if (!step.decidedBy) return null;
  if (step.decidedBy === 'officer') {
    // Every officer who signed the current attempt (a step may need several signatures), in order.
    const opened = history.findLastIndex((h) => h.step === step.id && h.type === 'step_opened');
    const signers = history
      .slice(opened + 1)
      .filter((h) => h.step === step.id && h.type === 'decided')
      .map((h) => h.actor.id);
    return t('status.by.officer', { who: [...new Set(signers)].join(', ') });
  }
  return t(`status.by.${step.decidedBy}`);
}

function renderSteps() {
  $('#steps-card').hidden = false;
  const critical = new Set(workflow.analysis.criticalPath);
  $('#timeline').replaceChildren(
    ...view.steps.map((step) => {
      const by = decider(step);
      const classes = ['step', `step--${step.status}`];
      if (critical.has(step.id)) classes.push('step--critical');
      if (step.overdue) classes.push('step--overdue');
      return el(
        'li',
        { class: classes.join(' '), 'data-step': step.id, 'data-status': step.status },
        el(
          'div',
          { class: 'step__head' },
          el('span', { class: 'step__name' }, step.name),
          el('span', { class: `badge badge--${step.status}` }, t(`step.${step.status}`)),
          step.overdue ? el('span', { class: 'badge badge--overdue' }, t('status.overdue')) : null,
          critical.has(step.id)
            ? el('span', { class: 'badge badge--critical' }, `★ ${t('status.criticalPath')}`)
            : null,
        ),
        el('div', { class: 'step__department muted' }, step.department),
        step.openedAt
          ? el('dl', { class: 'step__times' }, [
              el('dt', {}, t('status.opened')),
              el('dd', {}, formatTime(step.openedAt)),
              el('dt', {}, t('status.due')),
              el('dd', {}, formatTime(step.dueAt)),
              step.decidedAt
                ? [el('dt', {}, t('status.decidedAt')), el('dd', {}, formatTime(step.decidedAt))]
                : [],
              by ? [el('dt', {}, t('status.by')), el('dd', { class: 'step__by' }, by)] : [],
            ])
          : null,
        step.comment ? el('p', { class: 'step__comment' }, step.comment) : null,
      );
    }),
  );
}

function renderEvents() {
  $('#events-card').hidden = false;
  $('#events').replaceChildren(
    ...history
      .slice(-12)
      .reverse()
      .map((event) =>
        el(
          'li',
          { 'data-seq': event.seq },
          el('time', { datetime: event.at }, formatTime(event.at)),
          ' ',
          el('code', {}, event.type),
          event.step ? ` · ${event.step}` : '',
        ),
      ),
  );
}
