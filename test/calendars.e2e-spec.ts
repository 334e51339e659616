import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { freePort } from '../scripts/service-process.js';
import { inboxTask, registerWorkflow, simpleWorkflow, stepOf, submitApplication } from './support/helpers.js';
import type { Step } from './support/helpers.js';
import { ADMIN, applicant, FIXTURES, officer, TestApp } from './support/test-app.js';
import type { Caller, Reply } from './support/test-app.js';
import { startMain } from './support/main-process.js';
import { eventually } from './support/eventually.js';
import { samples } from './support/prometheus.js';
import { testServiceEnv } from './support/spawned-service.js';

const ann = applicant('ann');
const HOUR = 3_600_000;
const OPERATOR_CALENDARS = join(FIXTURES, 'calendars', 'operator');

/** Each step in a department of its own, `${key}-${step id}`. */
const workflow = (key: string, steps: Step[], extra: Record<string, unknown> = {}) =>
  simpleWorkflow(key, steps, (id) => `${key}-${id}`, extra);

const view = async (t: TestApp, id: string) => {
  const response = await t.request('GET', `/api/v1/applications/${id}`, { as: ann });
  expect(response.status).toBe(200);
  return response.body;
};

async function approve(t: TestApp, key: string, step: string, applicationId: string) {
  const department = `${key}-${step}`;
  const task = await inboxTask(t, department, applicationId);
  expect(task).toBeDefined();
  const decided = await t.request('POST', `/api/v1/tasks/${task.id}/decision`, {
    as: officer(department),
    body: { outcome: 'approve' },
  });
  expect(decided.status).toBe(200);
}

function due(t: TestApp, calendar: string, query: string, as: Caller = ann): Promise<Reply> {
  return t.request('GET', `/api/v1/calendars/${calendar}/due?${query}`, { as });
}

/** The `dueAt` the endpoint answers, asserting a 200. */
async function dueAt(t: TestApp, calendar: string, query: string): Promise<string> {
  const response = await due(t, calendar, query);
  expect(response.status).toBe(200);
  return response.body.dueAt as string;
}

const q = (from: string, limit: string) => `from=${encodeURIComponent(from)}&${limit}`;

function expectProblem(reply: Reply, status: number, path?: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  if (path !== undefined) {
    expect((reply.body.errors as { path: string }[]).map((e) => e.path)).toContain(path);
  }
}

/** The wall-clock time of an instant in a zone, e.g. `23:59:59.999`. */
function localTime(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    fractionalSecondDigits: 3,
  }).formatToParts(new Date(iso));
  const part = (type: string) => parts.find((p) => p.type === type)?.value;
  return `${part('hour')}:${part('minute')}:${part('second')}.${part('fractionalSecond')}`;
}

describe('business calendars', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('GET /api/v1/calendars', () => {
    it('lists cn-mainland in Asia/Shanghai with the reach of its holiday data', async () => {
      const response = await t.request('GET', '/api/v1/calendars', { as: ann });
      expect(response.status).toBe(200);
      expect(Array.isArray(response.body)).toBe(true);
      const cn = response.body.find((c: { name: string }) => c.name === 'cn-mainland');
      expect(cn).toMatchObject({ name: 'cn-mainland', timeZone: 'Asia/Shanghai' });
      expect(cn.coversUntil).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      // The shipped data reaches at least through the end of 2026 (the schedule published so far).
      expect(cn.coversUntil >= '2026-12-31').toBe(true);
    });

    it('answers every authenticated role', async () => {
      for (const as of [ADMIN, officer('anyone'), ann]) {
        const response = await t.request('GET', '/api/v1/calendars', { as });
        expect(response.status).toBe(200);
        expect(response.body.map((c: { name: string }) => c.name)).toContain('cn-mainland');
      }
    });

    it('refuses a caller without a token with 401', async () => {
      expectProblem(await t.request('GET', '/api/v1/calendars'), 401);
      expectProblem(
        await t.request(
          'GET',
          `/api/v1/calendars/cn-mainland/due?${q('2025-09-30T10:00:00+08:00', 'workingDays=3')}`,
        ),
        401,
      );
    });

    it('does not list an operator calendar that was not configured', async () => {
      const response = await t.request('GET', '/api/v1/calendars', { as: ann });
      expect(response.body.map((c: { name: string }) => c.name)).not.toContain('harbour-city');
    });
  });

  describe('GET /api/v1/calendars/{name}/due', () => {
    it('counts working days past the National Day holidays to the adjusted working Saturday', async () => {
      // 1–8 October 2025 are off; the 9th, the 10th and Saturday the 11th (调休) are working days.
      const response = await due(t, 'cn-mainland', q('2025-09-30T10:00:00+08:00', 'workingDays=3'));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ dueAt: '2025-10-11T23:59:59.999+08:00', beyondData: false });
    });

    it('counts an adjusted working Saturday, but not an ordinary one', async () => {
      // Saturday 9 May 2026 is a working day; Saturday 16 May 2026 is not.
      expect(await dueAt(t, 'cn-mainland', q('2026-05-08T09:00:00+08:00', 'workingDays=1'))).toBe(
        '2026-05-09T23:59:59.999+08:00',
      );
      expect(await dueAt(t, 'cn-mainland', q('2026-05-15T09:00:00+08:00', 'workingDays=1'))).toBe(
        '2026-05-18T23:59:59.999+08:00',
      );
    });

    it('does not count the opening day, even when the step opens on a holiday', async () => {
      // Opened on 3 October 2025 (a holiday): the first working day after it is the 9th.
      expect(await dueAt(t, 'cn-mainland', q('2025-10-03T12:00:00+08:00', 'workingDays=1'))).toBe(
        '2025-10-09T23:59:59.999+08:00',
      );
      // Opened on a working Thursday morning: that Thursday does not count, Friday does.
      expect(await dueAt(t, 'cn-mainland', q('2025-10-09T08:00:00+08:00', 'workingDays=1'))).toBe(
        '2025-10-10T23:59:59.999+08:00',
      );
    });

    it('counts from the local day when a step opens late in the evening', async () => {
      // 23:59:59 on Friday 26 September 2025 in Shanghai; Sunday the 28th is an adjusted working day.
      expect(await dueAt(t, 'cn-mainland', q('2025-09-26T15:59:59Z', 'workingDays=1'))).toBe(
        '2025-09-28T23:59:59.999+08:00',
      );
      // 00:30 on Sunday 28 September in Shanghai is still Saturday the 27th in UTC: the local day is not counted.
      expect(await dueAt(t, 'cn-mainland', q('2025-09-28T00:30:00+08:00', 'workingDays=1'))).toBe(
        '2025-09-29T23:59:59.999+08:00',
      );
    });

    it('counts across the year boundary and its New Year holidays', async () => {
      // 1–3 January 2026 are off, Sunday the 4th is an adjusted working day, Monday the 5th the second.
      expect(await dueAt(t, 'cn-mainland', q('2025-12-31T18:00:00+08:00', 'workingDays=2'))).toBe(
        '2026-01-05T23:59:59.999+08:00',
      );
    });

    it('adds hours, minutes and seconds as wall-clock time, holidays included', async () => {
      const from = '2025-09-30T10:00:00+08:00';
      expect(await due(t, 'cn-mainland', q(from, 'hours=48'))).toMatchObject({
        status: 200,
        body: { dueAt: '2025-10-02T10:00:00.000+08:00', beyondData: false },
      });
      expect(await dueAt(t, 'cn-mainland', q(from, 'minutes=90'))).toBe('2025-09-30T11:30:00.000+08:00');
      expect(await dueAt(t, 'cn-mainland', q(from, 'seconds=30'))).toBe('2025-09-30T10:00:30.000+08:00');
    });

    it('says so when the count runs past the calendar data', async () => {
      // The data ends on 31 December 2026; beyond it only weekends are known, so 1 January 2027 counts.
      const response = await due(t, 'cn-mainland', q('2026-12-20T10:00:00+08:00', 'workingDays=30'));
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ dueAt: '2027-01-29T23:59:59.999+08:00', beyondData: true });
      expect(await due(t, 'cn-mainland', q('2026-12-31T10:00:00+08:00', 'workingDays=1'))).toMatchObject({
        body: { dueAt: '2027-01-01T23:59:59.999+08:00', beyondData: true },
      });
    });

    it('does not flag a count that ends on the last day of the data', async () => {
      const response = await due(t, 'cn-mainland', q('2026-12-30T10:00:00+08:00', 'workingDays=1'));
      expect(response.body).toEqual({ dueAt: '2026-12-31T23:59:59.999+08:00', beyondData: false });
    });

    it('accepts the largest working-day count', async () => {
      const response = await due(t, 'cn-mainland', q('2025-09-30T10:00:00+08:00', 'workingDays=10000'));
      expect(response.status).toBe(200);
      expect(response.body.beyondData).toBe(true);
      expect(response.body.dueAt).toMatch(/T23:59:59\.999\+08:00$/);
    });

    it('reads from as the rest of the API reads instants: a space for T, an offset without its colon', async () => {
      for (const from of ['2025-09-30T10:00:00+0800', '2025-09-30 10:00:00+08:00', '2025-09-30t02:00:00z']) {
        expect(await dueAt(t, 'cn-mainland', q(from, 'workingDays=3'))).toBe('2025-10-11T23:59:59.999+08:00');
      }
    });

    it('answers any authenticated role', async () => {
      for (const as of [ADMIN, officer('anyone'), ann]) {
        const response = await due(t, 'cn-mainland', q('2025-09-30T10:00:00+08:00', 'workingDays=3'), as);
        expect(response.status).toBe(200);
        expect(response.body.dueAt).toBe('2025-10-11T23:59:59.999+08:00');
      }
    });

    describe('refuses a bad query with 400 problem+json', () => {
      const from = '2025-09-30T10:00:00+08:00';
      it.each([
        ['no duration', `from=${encodeURIComponent(from)}`, '$.workingDays'],
        ['two durations', q(from, 'workingDays=3&hours=2'), '$.workingDays'],
        ['workingDays=0', q(from, 'workingDays=0'), '$.workingDays'],
        ['workingDays=abc', q(from, 'workingDays=abc'), '$.workingDays'],
        ['workingDays=10001', q(from, 'workingDays=10001'), '$.workingDays'],
        ['workingDays=-1', q(from, 'workingDays=-1'), '$.workingDays'],
        ['workingDays=1.5', q(from, 'workingDays=1.5'), '$.workingDays'],
        ['hours=0', q(from, 'hours=0'), '$.hours'],
        ['from missing', 'workingDays=3', '$.from'],
        ['from not ISO-8601', q('30/09/2025 10:00', 'workingDays=3'), '$.from'],
        ['from an impossible date', q('2025-02-30T10:00:00+08:00', 'workingDays=3'), '$.from'],
        // ISO-8601 forms that are not a date-time with an offset: the instant they name is not known.
        ['from as an ISO week date', q('2025-W40-2', 'workingDays=3'), '$.from'],
        ['from as an ISO ordinal date', q('2025-273', 'workingDays=3'), '$.from'],
        ['from without an offset', q('2025-09-30T10:00:00', 'workingDays=3'), '$.from'],
        ['from as a bare date', q('2025-09-30', 'workingDays=3'), '$.from'],
      ])('%s', async (_name, query, path) => {
        expectProblem(await due(t, 'cn-mainland', query), 400, path);
      });
    });

    it('names every problem of a bad query in one answer', async () => {
      const reply = await due(t, 'cn-mainland', `from=${encodeURIComponent('2025-02-30T10:00:00+08:00')}`);
      expectProblem(reply, 400);
      expect((reply.body.errors as { path: string }[]).map((e) => e.path)).toEqual([
        '$.workingDays',
        '$.from',
      ]);
    });

    it('never answers a due time before the opening, even at the end of year 9999', async () => {
      const cases: [string, string][] = [
        ['9999-12-31T00:00:00Z', 'workingDays=1'],
        ['9990-01-01T00:00:00Z', 'workingDays=10000'],
      ];
      for (const [from, limit] of cases) {
        const response = await due(t, 'cn-mainland', q(from, limit));
        if (response.status === 200) {
          expect(Date.parse(response.body.dueAt)).toBeGreaterThan(Date.parse(from));
        } else {
          expectProblem(response, 400);
        }
      }
    });

    it('answers 404 for an unknown calendar', async () => {
      expectProblem(await due(t, 'atlantis', q('2025-09-30T10:00:00+08:00', 'workingDays=3')), 404);
    });
  });

  describe('workflows on a calendar', () => {
    it('refuses a workflow that names an unknown calendar, at $.calendar', async () => {
      const response = await t.request('POST', '/api/v1/workflows', {
        as: ADMIN,
        body: workflow('unknown-calendar', [{ id: 'only', timeLimit: { workingDays: 2 } }], {
          calendar: 'harbour-city',
        }),
      });
      expectProblem(response, 400, '$.calendar');
    });

    it.each([
      ['workingDays', { workingDays: 10001 }],
      ['hours', { hours: 1_000_000_000_000 }],
    ])(
      'refuses at registration a %s limit too large to compute, rather than failing every submission',
      async (unit, timeLimit) => {
        const key = `too-long-${unit.toLowerCase()}`;
        const registered = await t.request('POST', '/api/v1/workflows', {
          as: ADMIN,
          body: workflow(key, [{ id: 'only', timeLimit }], { calendar: 'cn-mainland' }),
        });
        if (registered.status === 400) {
          expectProblem(registered, 400, `$.steps[0].timeLimit.${unit}`);
        } else {
          // Accepted: then an application must be able to open the step.
          expect(registered.status).toBe(201);
          const submitted = await t.request('POST', '/api/v1/applications', {
            as: ann,
            body: { workflow: key, data: {} },
          });
          expect(submitted.status).toBe(201);
        }
      },
    );

    it('gives a step the end of a working day in Shanghai, as the due endpoint computes it', async () => {
      await registerWorkflow(
        t,
        workflow(
          'cn-two-days',
          [{ id: 'review', timeLimit: { workingDays: 2 }, remindBefore: { hours: 1 } }],
          {
            calendar: 'cn-mainland',
          },
        ),
      );
      const id = await submitApplication(t, 'cn-two-days');
      const step = stepOf(await view(t, id), 'review');
      expect(step.status).toBe('open');
      expect(step.dueAt).toMatch(/T23:59:59\.999\+08:00$/);
      expect(localTime(step.dueAt, 'Asia/Shanghai')).toBe('23:59:59.999');
      const expected = await due(t, 'cn-mainland', q(step.openedAt, 'workingDays=2'));
      expect(step.dueAt).toBe(expected.body.dueAt);
      expect(step.dueBeyondCalendar).toBe(expected.body.beyondData);
      // Two working days always end after the opening day.
      expect(Date.parse(step.dueAt)).toBeGreaterThan(Date.parse(step.openedAt) + 24 * HOUR);
      // The officer's task shows its due time and its reminder on the same calendar, as due times.
      const task = await inboxTask(t, 'cn-two-days-review', id);
      expect(task).toMatchObject({
        dueAt: step.dueAt,
        remindAt: expect.stringMatching(/T22:59:59\.999\+08:00$/),
      });
    });

    it('gives a correction window the end of a working day in Shanghai, as the due endpoint computes it', async () => {
      const key = 'cn-correction';
      await registerWorkflow(
        t,
        workflow(key, [{ id: 'review', timeLimit: { workingDays: 2 } }], {
          calendar: 'cn-mainland',
          correctionWindow: { workingDays: 3 },
        }),
      );
      const id = await submitApplication(t, key);
      const task = await inboxTask(t, `${key}-review`, id);
      const returned = await t.request('POST', `/api/v1/tasks/${task.id}/decision`, {
        as: officer(`${key}-review`),
        body: { outcome: 'return', comment: 'Say more', fields: ['note'] },
      });
      expect(returned.status).toBe(200);
      const { status, waitingForApplicant } = await view(t, id);
      expect(status).toBe('correction_requested');
      expect(waitingForApplicant.lapsesAt).toMatch(/T23:59:59\.999\+08:00$/);
      expect(waitingForApplicant.lapsesAt).toBe(
        await dueAt(t, 'cn-mainland', q(waitingForApplicant.since, 'workingDays=3')),
      );
    });

    it('marks a step whose count runs past the calendar data, in the application and the inbox', async () => {
      await registerWorkflow(
        t,
        workflow('cn-far', [{ id: 'survey', timeLimit: { workingDays: 400 } }], { calendar: 'cn-mainland' }),
      );
      const id = await submitApplication(t, 'cn-far');
      const step = stepOf(await view(t, id), 'survey');
      const expected = await due(t, 'cn-mainland', q(step.openedAt, 'workingDays=400'));
      expect(expected.status).toBe(200);
      // 400 working days is well over a year: past any schedule published for the year it opened in.
      expect(expected.body.beyondData).toBe(true);
      expect(step.dueBeyondCalendar).toBe(expected.body.beyondData);
      expect(step.dueAt).toBe(expected.body.dueAt);
      const task = await inboxTask(t, 'cn-far-survey', id);
      expect(task).toMatchObject({ dueAt: step.dueAt, dueBeyondCalendar: true });
    });
  });

  describe('expectedBy', () => {
    it('projects blocked steps from their prerequisites, follows decisions, and clears once decided', async () => {
      const key = 'projected';
      await registerWorkflow(
        t,
        workflow(key, [
          { id: 'step-a', timeLimit: { hours: 2 } },
          { id: 'step-b', after: ['step-a'], timeLimit: { hours: 3 } },
          { id: 'step-c', timeLimit: { hours: 1 } },
        ]),
      );
      const id = await submitApplication(t, key);

      const submitted = await view(t, id);
      const a = stepOf(submitted, 'step-a');
      expect(a.status).toBe('open');
      expect(stepOf(submitted, 'step-b').status).toBe('blocked');
      expect(stepOf(submitted, 'step-c').status).toBe('open');
      expect(Date.parse(a.dueAt) - Date.parse(a.openedAt)).toBe(2 * HOUR);
      // b is projected to open when a is due, and to take its 3 hours from there; c (1 hour) ends earlier.
      expect(submitted.expectedBy).toBe(new Date(Date.parse(a.dueAt) + 3 * HOUR).toISOString());

      await approve(t, key, 'step-a', id);
      const afterA = await view(t, id);
      const b = stepOf(afterA, 'step-b');
      expect(b.status).toBe('open');
      expect(Date.parse(b.dueAt) - Date.parse(b.openedAt)).toBe(3 * HOUR);
      expect(afterA.expectedBy).toBe(b.dueAt);
      // Approving a early brings the expected completion forward.
      expect(Date.parse(afterA.expectedBy)).toBeLessThan(Date.parse(submitted.expectedBy));

      await approve(t, key, 'step-c', id);
      expect((await view(t, id)).expectedBy).toBe(b.dueAt);

      await approve(t, key, 'step-b', id);
      const decided = await view(t, id);
      expect(decided.status).toBe('approved');
      expect(decided.expectedBy).toBeNull();
    });

    it('projects a blocked step through the workflow calendar', async () => {
      const key = 'projected-working-days';
      await registerWorkflow(
        t,
        workflow(
          key,
          [
            { id: 'step-a', timeLimit: { workingDays: 2 } },
            { id: 'step-b', after: ['step-a'], timeLimit: { workingDays: 3 } },
          ],
          { calendar: 'cn-mainland' },
        ),
      );
      const id = await submitApplication(t, key);
      const submitted = await view(t, id);
      const a = stepOf(submitted, 'step-a');
      expect(submitted.expectedBy).toBe(await dueAt(t, 'cn-mainland', q(a.dueAt, 'workingDays=3')));
      expect(submitted.expectedBy).toMatch(/T23:59:59\.999\+08:00$/);
    });
  });
});

describe("an operator's calendars (CALENDARS_DIR)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ config: { calendarsDir: OPERATOR_CALENDARS } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists the operator calendar beside the shipped ones, once each', async () => {
    const response = await t.request('GET', '/api/v1/calendars', { as: ann });
    expect(response.status).toBe(200);
    const names: string[] = response.body.map((c: { name: string }) => c.name);
    expect(names).toContain('harbour-city');
    expect(names.filter((n) => n === 'cn-mainland')).toHaveLength(1);
    expect(response.body.find((c: { name: string }) => c.name === 'harbour-city')).toMatchObject({
      name: 'harbour-city',
      timeZone: 'America/New_York',
      coversUntil: '2027-12-31',
    });
  });

  it('counts the operator calendar holidays and working Saturday, in its own zone across daylight saving', async () => {
    // Friday 6 March 2026 in New York (EST, UTC-5); clocks go forward on Sunday the 8th; Monday the 9th is a
    // holiday of this calendar, so the first working day is Tuesday the 10th, ending at 23:59:59.999 EDT (UTC-4).
    expect(await due(t, 'harbour-city', q('2026-03-06T12:00:00-05:00', 'workingDays=1'))).toMatchObject({
      status: 200,
      body: { dueAt: '2026-03-10T23:59:59.999-04:00', beyondData: false },
    });
    // 10, 11, 12, 13 and the working Saturday 14 March.
    expect(await dueAt(t, 'harbour-city', q('2026-03-06T12:00:00-05:00', 'workingDays=5'))).toBe(
      '2026-03-14T23:59:59.999-04:00',
    );
    // Thanksgiving and the day after are off; back in EST.
    expect(await dueAt(t, 'harbour-city', q('2026-11-25T12:00:00-05:00', 'workingDays=1'))).toBe(
      '2026-11-30T23:59:59.999-05:00',
    );
  });

  it('tells how many days of holiday data each calendar has left, in its own zone, and warns at start of one running out', async () => {
    const left = (coversUntil: string, timeZone: string) => {
      const today = new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
      return Math.round((Date.parse(coversUntil) - Date.parse(today)) / 86_400_000);
    };
    const expected = () => [left('2025-12-31', 'Asia/Shanghai'), left('2027-12-31', 'America/New_York')];
    const before = expected();
    const series = samples(await (await fetch(`${t.baseUrl}/metrics`)).text());
    const scraped = [
      series.get('pa_calendar_data_days_left{calendar="cn-mainland"}'),
      series.get('pa_calendar_data_days_left{calendar="harbour-city"}'),
    ];
    // A day may have turned in a zone between the two readings.
    expect([before, expected()]).toContainEqual(scraped);
    expect(scraped[0]).toBeLessThan(0);

    // The real entry point on the same database: the replaced cn-mainland ran out in 2025; harbour-city is named
    // only if its data ends within 90 days of the day the test runs.
    const name = new URL(t.databaseUrl).pathname.slice(1);
    const main = startMain(
      testServiceEnv(
        { url: t.databaseUrl, name },
        { QUEUE_PREFIX: `${name}-w`, PORT: String(await freePort()), CALENDARS_DIR: OPERATOR_CALENDARS },
      ),
    );
    try {
      // The start's warnings come before it listens.
      const stdout = await eventually(
        () => Promise.resolve(main.output().stdout),
        (out) => out.includes('listening on'),
        { timeoutMs: 60_000 },
      );
      const ended =
        /calendar cn-mainland: its holiday data ended (\d+) days ago \(2025-12-31\); due times counted past it take its holidays for working days/.exec(
          stdout,
        );
      // A day may have turned in Shanghai since the scrape.
      expect([-scraped[0]!, 1 - scraped[0]!]).toContain(Number(ended?.[1]));
      expect(stdout.includes('calendar harbour-city:')).toBe(scraped[1]! < 90);
    } finally {
      main.child.kill('SIGKILL');
      await main.exited;
    }
  }, 90_000);

  it('replaces a shipped calendar with an operator file of the same name', async () => {
    const listed = await t.request('GET', '/api/v1/calendars', { as: ann });
    expect(listed.body.find((c: { name: string }) => c.name === 'cn-mainland')).toMatchObject({
      timeZone: 'Asia/Shanghai',
      coversUntil: '2025-12-31',
    });
    // The operator's National Day is 1–3 October only, with no working Saturday.
    expect(await due(t, 'cn-mainland', q('2025-09-30T10:00:00+08:00', 'workingDays=3'))).toMatchObject({
      status: 200,
      body: { dueAt: '2025-10-08T23:59:59.999+08:00', beyondData: false },
    });
  });

  it('gives the step of a workflow naming the operator calendar its due time', async () => {
    await registerWorkflow(
      t,
      workflow('harbour-permit', [{ id: 'check', timeLimit: { workingDays: 2 } }], {
        calendar: 'harbour-city',
      }),
    );
    const id = await submitApplication(t, 'harbour-permit');
    const step = stepOf(await view(t, id), 'check');
    expect(localTime(step.dueAt, 'America/New_York')).toBe('23:59:59.999');
    const expected = await due(t, 'harbour-city', q(step.openedAt, 'workingDays=2'));
    expect(step.dueAt).toBe(expected.body.dueAt);
    expect(step.dueBeyondCalendar).toBe(expected.body.beyondData);
  });

  it('will not start on a database whose stored versions name a calendar it has not loaded', async () => {
    await registerWorkflow(
      t,
      workflow('harbour-kept', [{ id: 'check', timeLimit: { workingDays: 2 } }], {
        calendar: 'harbour-city',
      }),
    );
    // The same database, the real entry point started without CALENDARS_DIR: harbour-city is gone.
    const name = new URL(t.databaseUrl).pathname.slice(1);
    const main = startMain(
      testServiceEnv(
        { url: t.databaseUrl, name },
        { QUEUE_PREFIX: `${name}-b`, PORT: String(await freePort()) },
      ),
    );
    try {
      expect(await main.exited).toBe(1);
      const { stderr } = main.output();
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(
        /^parallel-approvals: cannot start: .*not loaded: harbour-city \(named by harbour-[a-z]+ v1\); put their files back in CALENDARS_DIR\n$/,
      );
    } finally {
      main.child.kill('SIGKILL');
    }
  }, 60_000);

  it('flags a step on the replaced calendar once its shorter data has run out', async () => {
    await registerWorkflow(
      t,
      workflow('replaced-cn', [{ id: 'check', timeLimit: { workingDays: 2 } }], { calendar: 'cn-mainland' }),
    );
    const id = await submitApplication(t, 'replaced-cn');
    const step = stepOf(await view(t, id), 'check');
    const expected = await due(t, 'cn-mainland', q(step.openedAt, 'workingDays=2'));
    // The replacement's data ends with 2025, so a step opened today is counted beyond it.
    expect(expected.body.beyondData).toBe(true);
    expect(step.dueBeyondCalendar).toBe(expected.body.beyondData);
    expect(step.dueAt).toBe(expected.body.dueAt);
  });
});
