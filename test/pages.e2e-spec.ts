import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { describeInBrowser, launchBrowser } from './support/browser.js';
import { SECURITY_DEFAULTS } from '../src/config/security-config.js';
import { secondsToNextHour } from '../src/disclosures/disclosure.util.js';
import { eventually, sleep } from './support/eventually.js';
import {
  inboxTask,
  registerNew,
  simpleWorkflow,
  submitApplication,
  taskIds,
  viewOf,
  stepOf,
} from './support/helpers.js';
import { applicant, officer, TestApp } from './support/test-app.js';

const SCREENSHOTS = join(import.meta.dirname, '..', '.data', 'screenshots');
const ann = applicant('ann');

/**
 * Seven departments: `intake` is approved by an officer, `fire` runs past its two-second limit and stays open
 * (escalated, overdue), `alcohol` is skipped (its `when` is false) though the workflow's critical path runs through
 * it, `health` stays open, `licence` waits for the others, `register` is approved by its rule at once (秒批) and `noise` is deemed approved when its second passes.
 */
const counter = simpleWorkflow(
  'status-page',
  [
    { id: 'intake', name: 'Intake check', timeLimit: { hours: 24 } },
    { id: 'fire', name: 'Fire safety', timeLimit: { seconds: 2 }, onTimeout: 'escalate' },
    {
      id: 'alcohol',
      name: 'Alcohol licence',
      timeLimit: { hours: 72 },
      when: { '==': [{ var: 'note' }, 'alcohol'] },
    },
    { id: 'health', name: 'Food hygiene', timeLimit: { hours: 48 } },
    {
      id: 'licence',
      name: 'Business licence',
      after: ['intake', 'fire', 'alcohol', 'health'],
      timeLimit: { hours: 24 },
    },
    { id: 'register', name: 'Registry entry', timeLimit: { hours: 24 }, autoApprove: true },
    { id: 'noise', name: 'Noise check', timeLimit: { seconds: 1 }, onTimeout: 'approve' },
  ],
  (id) => `st-${id}`,
);

/**
 * For the console's other decisions: `check` is returned for correction, `seal` needs two officers' signatures
 * (countersign); the applicant has two days to correct.
 */
const corrections = simpleWorkflow(
  'console-return',
  [
    { id: 'check', name: 'Document check', timeLimit: { hours: 24 } },
    { id: 'seal', name: 'Seal', timeLimit: { hours: 24 }, signoff: 2, fields: ['note'] },
  ],
  (id) => `cr-${id}`,
  {
    correctionWindow: { hours: 48 },
    form: {
      type: 'object',
      properties: {
        note: { type: 'string', title: 'Street address', maxLength: 40 },
        phone: { type: 'string' },
      },
    },
  },
);

/** One desk whose officers may see 101 task views an hour: enough for a first page of 100 and one more. */
const quotaDesk = simpleWorkflow(
  'console-quota',
  [{ id: 'desk', timeLimit: { hours: 24 } }],
  () => 'cq-desk',
);
const DESK_QUOTA = 101;

describeInBrowser(describe)('status page and officer console in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let id: string;

  beforeAll(async () => {
    t = await TestApp.start({
      config: {
        security: {
          ...SECURITY_DEFAULTS,
          piiReadQuotas: { departments: new Map([['cq-desk', DESK_QUOTA]]), others: undefined },
        },
      },
    });
    await registerNew(t, [counter, corrections, quotaDesk]);
    browser = await launchBrowser();
    id = await submitApplication(t, 'status-page', { note: 'no alcohol' });
    const intake = await inboxTask(t, 'st-intake', id);
    const decided = await t.request('POST', `/api/v1/tasks/${intake.id}/decision`, {
      as: officer('st-intake', 'alice'),
      body: { outcome: 'approve', comment: 'Papers complete' },
    });
    expect(decided.status).toBe(200);
    await eventually(
      () => viewOf(t, id),
      (view) => stepOf(view, 'fire').overdue === true && stepOf(view, 'noise').status === 'approved',
    );
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A page that records every URL it requests, so a token in a query string would be caught. */
  async function open(path: string, token: string, options: BrowserContextOptions = {}) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${t.baseUrl}${path}#token=${token}`);
    return { page, requested, errors, close: () => context.close() };
  }

  const row = (page: Page, step: string) => page.locator(`#timeline li[data-step="${step}"]`);

  it('shows every department on a timeline, marks overdue, skipped and critical steps, and updates live', async () => {
    const token = await t.token(ann);
    const { page, requested, errors, close } = await open(`/status/${id}`, token, {
      locale: 'en-US',
      viewport: { width: 390, height: 1100 },
      deviceScaleFactor: 1,
    });
    await page.locator('#timeline li').first().waitFor();
    await page.locator('#live[data-state="live"]').waitFor();

    expect(
      await page.locator('#timeline li').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-step'))),
    ).toEqual(['intake', 'fire', 'alcohol', 'health', 'licence', 'register', 'noise']);
    await expect(row(page, 'intake').getAttribute('data-status')).resolves.toBe('approved');
    expect(await row(page, 'intake').innerText()).toContain('officer alice');
    expect(await row(page, 'intake').innerText()).toContain('Papers complete');
    await expect(row(page, 'fire').getAttribute('data-status')).resolves.toBe('open');
    expect(await row(page, 'fire').getAttribute('class')).toContain('step--overdue');
    expect(await row(page, 'fire').innerText()).toMatch(/overdue/);
    await expect(row(page, 'alcohol').getAttribute('data-status')).resolves.toBe('skipped');
    await expect(row(page, 'health').getAttribute('data-status')).resolves.toBe('open');
    await expect(row(page, 'licence').getAttribute('data-status')).resolves.toBe('blocked');
    // Decided by whom: a person (above), a rule, or nobody in time (deemed approval).
    await expect(row(page, 'register').getAttribute('data-status')).resolves.toBe('approved');
    expect(await row(page, 'register').innerText()).toContain('rule (instant approval)');
    await expect(row(page, 'noise').getAttribute('data-status')).resolves.toBe('approved');
    expect(await row(page, 'noise').innerText()).toContain('deemed approval (time limit passed)');
    // The workflow's critical path runs through alcohol (72 h), but this application skipped it: its own runs through
    // the longest prerequisite it has (health, 48 h) into the licence.
    expect(
      await page.locator('.step--critical').evaluateAll((r) => r.map((e) => e.getAttribute('data-step'))),
    ).toEqual(['health', 'licence']);
    expect(await page.locator('#expected-by').innerText()).not.toBe('');
    expect(await page.locator('#serial-committed').innerText()).not.toBe('');
    expect(await page.locator('#real-time').innerText()).not.toBe('');

    // Readable on a phone: nothing wider than the screen.
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOTS, 'status-page.png'), fullPage: true });

    // The token never left the fragment: not in any request URL, and gone from the address bar.
    expect(requested.filter((url) => url.includes(token))).toEqual([]);
    expect(page.url()).not.toContain('token');

    // A decision elsewhere reaches the open page through the event stream.
    const health = await inboxTask(t, 'st-health', id);
    const decided = await t.request('POST', `/api/v1/tasks/${health.id}/decision`, {
      as: officer('st-health', 'bo'),
      body: { outcome: 'approve' },
    });
    expect(decided.status).toBe(200);
    await page.locator('#timeline li[data-step="health"][data-status="approved"]').waitFor();
    expect(await row(page, 'health').innerText()).toContain('officer bo');
    expect(errors).toEqual([]);
    await close();
  });

  it('speaks Chinese when the browser asks for it, and switches language on request', async () => {
    const { page, close } = await open(`/status/${id}`, await t.token(ann), { locale: 'zh-CN' });
    await page.locator('#timeline li').first().waitFor();
    expect(await page.locator('h1').innerText()).toBe('办件进度');
    expect(await row(page, 'alcohol').innerText()).toContain('无需办理');
    expect(await row(page, 'register').innerText()).toContain('规则秒批');
    expect(await row(page, 'noise').innerText()).toContain('超时默认同意');
    await page.locator('button[data-lang="en"]').click();
    expect(await page.locator('h1').innerText()).toBe('Application status');
    expect(await row(page, 'alcohol').innerText()).toContain('Skipped');
    await close();
  });

  it('tells a visitor without a token how to open the page, and calls no API', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(`${t.baseUrl}/status/${id}`);
    await page.locator('#message').waitFor();
    expect(await page.locator('#message').innerText()).toContain('no access token');
    expect(requested.filter((url) => url.includes('/api/'))).toEqual([]);
    await context.close();
  });

  it('says the link has expired once its token has, and stops asking the server', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    // Time flows as usual, and the test can run the page's timers ahead when it wants to.
    await context.clock.install();
    const page = await context.newPage();
    const streams: string[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith(`/applications/${id}/events`)) streams.push(request.url());
    });
    await page.goto(`${t.baseUrl}/status/${id}#token=${await t.token(ann, { expiresIn: '6s' })}`);
    // The server ends the stream at the token's exp; the page's attempt to resume is refused, and it stops.
    await page.locator('#live[data-state="expired"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#message').innerText()).toContain('This link has expired');
    const refusedAfter = streams.length;
    expect(refusedAfter).toBeLessThanOrEqual(2);
    // A minute of the page's timers run at once: a stream still retrying would ask again within three seconds.
    await page.clock.runFor(60_000);
    // A request sent after them shows every request they might have sent already went out.
    await Promise.all([
      page.waitForRequest((request) => request.url().endsWith('/health/live')),
      page.evaluate(() => fetch('/health/live').then((response) => response.status)),
    ]);
    expect(streams).toHaveLength(refusedAfter);
    await context.close();
  });

  it("lists the department's inbox most urgent first, takes decisions, and shows new tasks live", async () => {
    const fireOfficer = officer('st-fire', 'carol');
    const { page, errors, close } = await open('/console', await t.token(fireOfficer), { locale: 'en-US' });
    const items = page.locator('#inbox li[data-task]');
    await items.first().waitFor();
    await page.locator('#live[data-state="live"]').waitFor();
    expect(await items.count()).toBe(1);
    expect(await items.first().getAttribute('data-overdue')).toBe('true');

    // A new application: its fire-safety task arrives without a reload, after the overdue one.
    const second = await submitApplication(t, 'status-page', { note: 'second' });
    await eventually(
      () => items.count(),
      (n) => n === 2,
    );
    const newTask = await inboxTask(t, 'st-fire', second);
    expect(await items.nth(1).getAttribute('data-task')).toBe(newTask.id);

    // The task shows only the fields its step is granted, and the decision goes through the API.
    await items.nth(1).locator('button').click();
    await page.locator('#approve').waitFor();
    expect(await page.locator('#task-data').innerText()).toContain('second');
    await page.locator('#comment').fill('Checked on site');
    await page.locator('#approve').click();
    await page.locator('#notice').waitFor();
    await eventually(
      () => items.count(),
      (n) => n === 1,
    );
    expect(stepOf(await viewOf(t, second), 'fire')).toEqual(
      expect.objectContaining({ status: 'approved', decidedBy: 'officer', comment: 'Checked on site' }),
    );
    expect(errors).toEqual([]);
    await close();
  });

  it('reads a long inbox a page at a time, marks the changes a read quota holds back until it frees up, and says when it does', async () => {
    // 101 open tasks, due in the order they were submitted: the first page shows the 100 due first. Each shows a
    // field, so each view of it is a disclosure and counts against the quota.
    const applications: string[] = [];
    for (let i = 0; i < DESK_QUOTA; i++) {
      applications.push(await submitApplication(t, 'console-quota', { note: `shop ${i}` }));
    }
    const taskOf = async (application: string) => (await taskIds(t, application)).desk!;
    const [first, last] = [await taskOf(applications[0]!), await taskOf(applications[DESK_QUOTA - 1]!)];
    // The quota counts in the clock hour: start with 90 s of it left (else wait for the next), so that every view
    // below falls in one hour, whenever the test runs.
    const left = secondsToNextHour(new Date());
    if (left < 90) await sleep(left * 1000);
    const context = await browser.newContext({ locale: 'en-US' });
    await context.clock.install();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const inboxReads: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/v1/tasks') inboxReads.push(request.url());
    });
    await page.goto(`${t.baseUrl}/console#token=${await t.token(officer('cq-desk', 'gus'))}`);
    const items = page.locator('#inbox li[data-task]');
    await page.locator('#more').waitFor();
    expect(await items.count()).toBe(100);
    expect(await page.locator(`#inbox li[data-task="${last}"]`).count()).toBe(0);
    await page.locator('#more').click();
    await page.locator(`#inbox li[data-task="${last}"]`).waitFor();
    expect(await items.count()).toBe(DESK_QUOTA);
    expect(await page.locator('#more').count()).toBe(0);
    // Once per connection: the page read, then the one after it, no more.
    expect(inboxReads).toHaveLength(2);

    // The desk has seen its 101 views this hour. Another officer decides the first task: the stream announces the
    // change without the view, and the row says it is out of date instead of showing the task as open.
    const decided = await t.request('POST', `/api/v1/tasks/${first}/decision`, {
      as: officer('cq-desk', 'hal'),
      body: { outcome: 'approve' },
    });
    expect(decided.status).toBe(200);
    await page.locator(`#inbox li[data-task="${first}"][data-withheld="true"]`).waitFor();
    expect(await page.locator('#withheld').innerText()).toContain('hourly limit');

    // When the quota should have freed up, the page reads the inbox again; still refused, it keeps waiting quietly.
    await page.clock.runFor(3_601_000);
    await eventually(
      () => Promise.resolve(inboxReads.length),
      (n) => n === 3,
    );
    await page.locator('#withheld').waitFor();
    expect(await page.locator('#message').isHidden()).toBe(true);

    // An officer who opens the console past the quota is told when the inbox will be read, not shown it empty.
    const late = await context.newPage();
    late.on('pageerror', (error) => errors.push(error.message));
    await late.goto(`${t.baseUrl}/console#token=${await t.token(officer('cq-desk', 'ivy'))}`);
    await late.locator('#withheld').waitFor();
    expect(await late.locator('#withheld').innerText()).toContain('the inbox is read again at');
    expect(await late.locator('#inbox li:not(#withheld)').count()).toBe(0);
    expect(await late.locator('#message').isHidden()).toBe(true);
    await late.close();

    // The hour turns (its views leave the count) and the next read shows the inbox as it is.
    await t.query(
      `BEGIN; SET LOCAL pa.disclosures_purge = 'on'; DELETE FROM disclosures WHERE recipient_department = 'cq-desk'; COMMIT`,
    );
    await page.clock.runFor(3_601_000);
    await page.locator('#withheld').waitFor({ state: 'detached' });
    await page.locator(`#inbox li[data-task="${first}"]`).waitFor({ state: 'detached' });
    expect(await items.count()).toBe(DESK_QUOTA - 1);
    expect(await page.locator('#inbox li[data-withheld="true"]').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  }, 210_000);

  it('returns for correction and countersigns from the console; the status page lists what to correct, live, and resubmits', async () => {
    const returning = await submitApplication(t, 'console-return', {
      note: 'Market Street',
      phone: '13800138000',
    });
    const status = await open(`/status/${returning}`, await t.token(ann), { locale: 'en-US' });
    await status.page.locator('#live[data-state="live"]').waitFor();
    await status.page.locator('#timeline li[data-step="check"][data-status="open"]').waitFor();

    // The checking officer returns the application, naming the field to correct.
    const checker = await open('/console', await t.token(officer('cr-check', 'fay')), { locale: 'en-US' });
    const checkTask = await inboxTask(t, 'cr-check', returning);
    await checker.page.locator(`#inbox li[data-task="${checkTask.id}"] button`).click();
    await checker.page.locator('#return').waitFor();
    expect(await checker.page.locator('#task-data').innerText()).toContain('13800138000');
    await checker.page.locator('#comment').fill('Give the house number too');
    await checker.page.locator('#return-fields').fill('note, phone');
    await checker.page.locator('#return').click();
    await checker.page.locator('#notice').waitFor();
    await checker.page.locator(`#inbox li[data-task="${checkTask.id}"]`).waitFor({ state: 'detached' });
    // The seal is still being reviewed: the applicant is told nothing yet, all requests come together.
    await status.page.locator('#timeline li[data-step="check"][data-status="returned"]').waitFor();
    expect(await status.page.locator('#corrections').isHidden()).toBe(true);
    expect(await status.page.locator('#state').innerText()).toBe('In review');

    // Two officers sign the seal: the first one's approval is a countersignature, and the task stays open.
    const sealTask = await inboxTask(t, 'cr-seal', returning);
    const first = await open('/console', await t.token(officer('cr-seal', 'dan')), { locale: 'en-US' });
    await first.page.locator(`#inbox li[data-task="${sealTask.id}"] button`).click();
    expect(await first.page.locator('#approve').innerText()).toBe('Countersign (1 of 2)');
    // The seal is granted the note only: the phone number never reaches its officers' screen.
    const granted = await first.page.locator('#task-data').innerText();
    expect(granted).toContain('Market Street');
    expect(granted).not.toMatch(/phone|13800138000/);
    await first.page.locator('#approve').click();
    await first.page.locator('#notice').waitFor();
    expect(await first.page.locator(`#inbox li[data-task="${sealTask.id}"]`).count()).toBe(1);
    const second = await open('/console', await t.token(officer('cr-seal', 'eve')), { locale: 'en-US' });
    await second.page.locator(`#inbox li[data-task="${sealTask.id}"] button`).click();
    expect(await second.page.locator('#approve').innerText()).toBe('Countersign (2 of 2)');
    expect(await second.page.locator('#task').innerText()).toContain('1 / 2');
    await second.page.locator('#approve').click();
    await second.page.locator(`#inbox li[data-task="${sealTask.id}"]`).waitFor({ state: 'detached' });
    await status.page.locator('#timeline li[data-step="seal"][data-status="approved"]').waitFor();
    expect(await row(status.page, 'seal').innerText()).toContain('officer dan, eve');
    expect(stepOf(await viewOf(t, returning), 'seal')).toEqual(
      expect.objectContaining({ status: 'approved', decidedBy: 'officer' }),
    );

    // Nothing is left open: the open status page now says what to correct, by when, and whose request it is.
    await status.page.locator('#corrections li[data-step="check"]').waitFor();
    expect(await status.page.locator('#state').innerText()).toBe('Corrections requested');
    const request = await status.page.locator('#corrections li[data-step="check"]').innerText();
    expect(request).toContain('Document check');
    expect(request).toContain('Give the house number too');
    expect(request).toMatch(/Fields: note, phone/);
    expect(await status.page.locator('#correct-by').innerText()).not.toBe('');
    expect(await row(status.page, 'check').innerText()).toContain('officer fay');
    mkdirSync(SCREENSHOTS, { recursive: true });
    await status.page.screenshot({ path: join(SCREENSHOTS, 'status-page-corrections.png'), fullPage: true });

    // The page asks for the named fields, filled with the values on file.
    const note = status.page.locator('#resubmit #field-note');
    expect(await note.inputValue()).toBe('Market Street');
    expect(await status.page.locator('#resubmit #field-phone').inputValue()).toBe('13800138000');
    expect(await status.page.locator('#resubmit label[for="field-note"]').innerText()).toBe(
      'Street address (note)',
    );
    expect(await status.page.locator('#resubmit [data-field]').count()).toBe(2);
    const resubmission = () =>
      status.page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/${returning}/resubmit`));

    // A value the form refuses: the API's complaint shows beside the field, and nothing changes.
    const before = await viewOf(t, returning);
    await note.fill('x'.repeat(41));
    const refusedRequest = resubmission();
    await status.page.locator('#resubmit-button').click();
    const refusedKey = (await refusedRequest).headers()['idempotency-key'];
    const complaint = status.page.locator('#resubmit [data-field="note"] .field__error');
    await complaint.waitFor();
    expect(await complaint.innerText()).toMatch(/40/);
    expect(await status.page.locator('#resubmit-message').innerText()).not.toBe('');
    expect(await note.inputValue()).toBe('x'.repeat(41));
    expect(await note.getAttribute('aria-invalid')).toBe('true');
    expect(await viewOf(t, returning)).toEqual(before);

    // The applicant corrects it and resubmits from the page: only the field the applicant changed travels (the
    // phone, named but untouched, does not), under a key of its own; the request disappears and the check is open
    // again.
    await note.fill('12 Market Street');
    const sent = resubmission();
    await status.page.locator('#resubmit-button').click();
    const correction = await sent;
    expect(correction.postDataJSON()).toEqual({ data: { note: '12 Market Street' } });
    expect(correction.headers()['idempotency-key']).toMatch(/^[0-9a-f]{32}$/);
    expect(correction.headers()['idempotency-key']).not.toBe(refusedKey);
    await status.page.locator('#resubmitted').waitFor();
    await status.page.locator('#timeline li[data-step="check"][data-status="open"]').waitFor();
    expect(await status.page.locator('#corrections').isHidden()).toBe(true);
    const corrected = await viewOf(t, returning);
    expect(corrected.data).toEqual({ note: '12 Market Street', phone: '13800138000' });
    const history = await t.request('GET', `/api/v1/applications/${returning}/history`, { as: ann });
    const events = (history.body as { events: { type: string; detail: { changed?: string[] } }[] }).events;
    expect(events.filter((e) => e.type === 'resubmitted').map((e) => e.detail.changed)).toEqual([['note']]);
    expect(await status.page.locator('#waiting-time').innerText()).not.toBe('');
    for (const opened of [status, checker, first, second]) {
      expect(opened.errors).toEqual([]);
      await opened.close();
    }
  });

  it('builds a resubmission from the edited fields only: merge patches, nested and typed fields, where complaints go', async () => {
    const { page, errors, close } = await open(`/status/${id}`, await t.token(ann));
    // The page's own module, run by the browser: what the form sends for each kind of edit.
    const results = await page.evaluate(async () => {
      const url = '/ui/js/form.js';
      const form = await import(url);
      const data = {
        applicant: { name: 'Ann', id: 'X1' },
        seats: 12,
        kind: 'cafe',
        tags: ['a'],
        note: 'one\ntwo',
      };
      const schema = {
        type: 'object',
        properties: {
          applicant: { type: 'object', properties: { name: { type: 'string' }, id: { type: 'string' } } },
          seats: { type: 'integer' },
          kind: { enum: ['cafe', 'bar'] },
          note: { type: 'string' },
        },
      };
      const fields = form.fieldsToCorrect(
        ['applicant.name', 'applicant', 'seats', 'kind', 'tags', 'seats', 'note', 'missing'],
        schema,
        data,
      );
      const by = (path: string) => fields.find((f: { path: string }) => f.path === path);
      const attempt = (path: string, draft: unknown) => {
        try {
          const value = form.draftValue(by(path), draft);
          return value === undefined ? 'unchanged' : value;
        } catch (error) {
          return `error ${(error as { key: string }).key}`;
        }
      };
      return {
        fields: fields.map((f: { path: string; kind: string }) => `${f.path}:${f.kind}`),
        drafts: [
          attempt('seats', undefined),
          attempt('seats', '12'),
          attempt('seats', '13'),
          attempt('seats', ''),
          attempt('seats', form.NOT_A_NUMBER),
          attempt('kind', '"bar"'),
          attempt('kind', ''),
          attempt('applicant', '{ "name": "Anna" }'),
          attempt('applicant', '{ "name": '),
          attempt('note', 'one\ntwo'),
          attempt('missing', ''),
          attempt('missing', 'now there'),
        ],
        patch: form.patchOf([
          { path: 'applicant', current: data.applicant, value: { name: 'Anna' } },
          { path: 'tags', current: ['a'], value: ['b'] },
          { path: 'address.street', current: undefined, value: 'Main Street' },
        ]),
        complaints: ['$.data.applicant.name', '$.data.tags[0]', '$.data.seats', '$.data.other', '$'].map(
          (path) => form.fieldOfComplaint(path, fields) ?? null,
        ),
      };
    });
    expect(results.fields).toEqual([
      'applicant:json',
      'seats:integer',
      'kind:enum',
      'tags:json',
      'note:string',
      'missing:string', // neither the form nor the data says: text
    ]);
    expect(results.drafts).toEqual([
      'unchanged', // not edited
      'unchanged', // edited back to the value on file
      13,
      null, // emptied: removed
      'error status.notNumber',
      'bar',
      'unchanged', // the empty option: left as it is
      { name: 'Anna' },
      'error status.notJson',
      'unchanged', // line breaks kept
      'unchanged', // emptying what is not there
      'now there',
    ]);
    // A replaced object removes the members it lost; arrays are replaced whole; a new nested path is created.
    expect(results.patch).toEqual({
      applicant: { name: 'Anna', id: null },
      tags: ['b'],
      address: { street: 'Main Street' },
    });
    expect(results.complaints).toEqual(['applicant', 'tags', 'seats', null, null]);
    expect(errors).toEqual([]);
    await close();
  });

  it('serves pages whose scripts and styles are files of our own (no inline code, no other origin)', async () => {
    for (const path of [`/status/${id}`, '/console']) {
      const reply = await t.request('GET', path);
      expect(reply.status).toBe(200);
      const html = reply.body as string;
      // One frame for both pages, filled in whole.
      expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
      expect(html).not.toMatch(/\{\{|<!--/);
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/\sstyle=/);
      expect(html).not.toMatch(/\bon[a-z]+=/);
      for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(url).toMatch(/^\/ui\//);
    }
    const script = await fetch(`${t.baseUrl}/ui/js/status.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
  });
});
