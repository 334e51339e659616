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
import { draftValue, fieldOfComplaint, fieldsToCorrect, NOT_A_NUMBER, patchOf } from './form.js';

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
 * language, and what the applicant typed must survive that.
 * - `drafts`: what the applicant typed, by field path. Only these fields are sent: an approved step that reads a
 *   value the patch changes is reopened, so nothing the applicant did not touch may travel.
 * - `errors`: complaints by field path (`''`: no field is to blame), `{ key }` to translate or `{ text }` as the API
 *   wrote it.
 * - `key`, `body`: the Idempotency-Key of the body last sent, kept while the body stays the same, so that sending it
 *   again (its answer lost on the way back) is applied once.
 */
const resubmission = {
  drafts: new Map(),
  errors: new Map(),
  key: null,
  body: null,
  sending: false,
  done: false,
};
/** Each load is numbered: an answer older than what the page shows (a resubmission's) is dropped. */
let loads = 0;

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
          if (state === 'expired') showMessage(t('status.expired'));
          if (state === 'forbidden') showMessage(t('status.forbidden'));
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
  const mine = ++loads;
  const path = `/applications/${encodeURIComponent(id)}`;
  const [nextView, nextHistory] = await Promise.all([api(token, path), api(token, `${path}/history`)]);
  if (!workflow || workflow.version !== nextView.workflow.version) {
    workflow = await api(
      token,
      `/workflows/${encodeURIComponent(nextView.workflow.key)}?version=${nextView.workflow.version}`,
    );
  }
  if (mine !== loads) return;
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
    liveState === 'live'
      ? 'status.live'
      : liveState === 'ended'
        ? 'status.ended'
        : liveState === 'expired' || liveState === 'forbidden'
          ? 'status.expiredShort'
          : 'status.offline',
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
  // A new round of corrections: the last round's notice is history.
  if (view.status === 'correction_requested' && !resubmission.sending) resubmission.done = false;
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
  // The section is rebuilt on every event: whoever is typing keeps the field and the cursor.
  const active = section.contains(document.activeElement) ? document.activeElement : null;
  const focus = active?.id ? { id: active.id, start: active.selectionStart, end: active.selectionEnd } : null;
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
      ? resubmitForm(
          fieldsToCorrect(
            corrections.flatMap((c) => c.fields ?? []),
            workflow.definition.form,
            view.data,
          ),
        )
      : null,
  );
  const again = focus ? document.getElementById(focus.id) : null;
  if (again) {
    again.focus();
    if (typeof focus.start === 'number') again.setSelectionRange(focus.start, focus.end);
  }
}

/**
 * One input per field, with the type its schema in the workflow's form asks for, showing the applicant's draft or
 * else the value on file; one button sends the fields the applicant edited as one resubmission.
 */
function resubmitForm(fields) {
  const message = (error) => (error.key ? t(error.key) : error.text);
  const general = resubmission.errors.get('');
  return el(
    'form',
    {
      class: 'form',
      id: 'resubmit',
      // The API's complaints, in the applicant's language and beside the field, rather than the browser's.
      novalidate: true,
      onsubmit: (event) => void resubmit(event, fields),
    },
    el('p', {}, t(fields.length ? 'status.resubmitIntro' : 'status.resubmitNoFields')),
    fields.map((field) => {
      const input = inputFor(field);
      const problem = resubmission.errors.get(field.path);
      if (problem) input.setAttribute('aria-invalid', 'true');
      return el(
        'div',
        { class: 'field', 'data-field': field.path },
        el(
          'label',
          { for: input.id },
          field.schema?.title ? `${field.schema.title} (${field.path})` : field.path,
        ),
        input,
        problem ? el('span', { class: 'field__error', role: 'alert' }, message(problem)) : null,
      );
    }),
    general ? el('p', { class: 'message', id: 'resubmit-message', role: 'alert' }, message(general)) : null,
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

/** The input for one field. Typing only records a draft; nothing is read back from the DOM. */
function inputFor({ path, schema, current, kind }) {
  const id = `field-${path}`;
  const draft = resubmission.drafts.get(path);
  const remember = (event) => {
    const input = event.target;
    resubmission.drafts.set(
      path,
      input.type === 'checkbox'
        ? input.checked
        : input.type === 'number' && input.validity.badInput
          ? NOT_A_NUMBER
          : input.value,
    );
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
    const options = schema.enum.map((option) => JSON.stringify(option));
    const shown = draft ?? JSON.stringify(current);
    return el(
      'select',
      { id, name: path, onchange: remember },
      // Without it, a value on file that is no longer an option would show (and read) as the first option.
      options.includes(JSON.stringify(current))
        ? null
        : el('option', { value: '', selected: shown === '' }, '—'),
      schema.enum.map((option, i) =>
        el('option', { value: options[i], selected: options[i] === shown }, String(option)),
      ),
    );
  }
  const onFile =
    current === undefined || current === null
      ? ''
      : kind === 'json'
        ? JSON.stringify(current, null, 2)
        : String(current);
  const text = draft === NOT_A_NUMBER ? '' : (draft ?? onFile);
  // A text input drops line breaks: a value that has them is edited where they survive.
  if (kind === 'json' || (kind === 'string' && text.includes('\n')))
    return el('textarea', { id, name: path, rows: kind === 'json' ? 4 : 3, oninput: remember }, text);
  const format = kind === 'string' && ['date', 'email'].includes(schema?.format) ? schema.format : null;
  const type = kind === 'number' || kind === 'integer' ? 'number' : (format ?? 'text');
  const input = el('input', { type, id, name: path, oninput: remember });
  if (type === 'number') input.step = kind === 'integer' ? '1' : 'any';
  input.value = text;
  return input;
}

async function resubmit(event, fields) {
  event.preventDefault();
  if (resubmission.sending) return;
  resubmission.errors.clear();
  const changes = [];
  try {
    for (const field of fields) {
      const value = draftValue(field, resubmission.drafts.get(field.path));
      if (value !== undefined) changes.push({ ...field, value });
    }
  } catch (error) {
    resubmission.errors.set(error.path, { key: error.key });
    render();
    return;
  }
  const body = { data: patchOf(changes) };
  const sent = JSON.stringify(body);
  if (resubmission.body !== sent) {
    resubmission.body = sent;
    resubmission.key = idempotencyKey();
  }
  resubmission.sending = true;
  render();
  try {
    const answer = await api(token, `/applications/${encodeURIComponent(id)}/resubmit`, {
      method: 'POST',
      headers: { 'idempotency-key': resubmission.key },
      body,
    });
    loads++; // a load begun before the resubmission would show the application as it was
    view = answer;
    resubmission.drafts.clear();
    resubmission.key = null;
    resubmission.body = null;
    resubmission.done = true;
    scheduleReload();
  } catch (error) {
    showRefusal(error, fields);
  } finally {
    resubmission.sending = false;
    render();
  }
}

/**
 * Puts each of the API's complaints beside the field it is about: `$.data.applicant.name` or `$.data.tags[0]`
 * belongs to the named field that is, or holds, that path. The rest, and the detail, go above the button.
 */
function showRefusal(error, fields) {
  const problems = error instanceof ApiError ? (error.problem?.errors ?? []) : [];
  const general = [];
  for (const problem of problems) {
    const path = fieldOfComplaint(problem.path, fields);
    if (path !== undefined) {
      const before = resubmission.errors.get(path)?.text;
      resubmission.errors.set(path, { text: before ? `${before}; ${problem.message}` : problem.message });
    } else {
      general.push(problem.path ? `${problem.path}: ${problem.message}` : problem.message);
    }
  }
  resubmission.errors.set('', { text: [error.message, ...general].join(' · ') });
}

function renderTiming() {
  // The server's account of this application's commitment: the steps it skipped take no time.
  const { unit, serial } = view.commitment;
  const committed =
    unit === 'workingDays' ? t('unit.workingDays', { n: serial }) : formatDuration(serial * 1000);
  const end = view.decidedAt ? Date.parse(view.decidedAt) : Date.now();
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
  const critical = new Set(view.commitment.criticalPath);
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
