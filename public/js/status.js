import { api, el, formatDuration, formatTime, setupLanguage, stream, t, takeToken } from './common.js';

const id = decodeURIComponent(location.pathname.split('/').filter(Boolean).pop() ?? '');
const token = takeToken(`pa-status-${id}`);
const $ = (selector) => document.querySelector(selector);

let view = null;
let workflow = null;
let history = [];
let liveState = null;
let reloadTimer = null;

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
  );
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
