import { SignJWT } from 'jose';
import { setTimeout as delay } from 'node:timers/promises';
import { withTimeout } from '../common/timeout-signal.util.js';

/**
 * The form of every warm-up workflow: one piece of data fits them all. `personal` marks the applicant's fields as
 * personal data (`x-pii`), so that sealing and the ledger of data flows run for the workflows that have it.
 */
function warmUpForm(personal: boolean) {
  const pii = personal ? { 'x-pii': true } : {};
  return {
    type: 'object',
    additionalProperties: false,
    required: ['applicant', 'businessName', 'address', 'seats'],
    properties: {
      applicant: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'idNumber'],
        properties: {
          name: { type: 'string', minLength: 1, ...pii },
          idNumber: { type: 'string', pattern: '^[0-9]{17}[0-9X]$', ...pii },
        },
      },
      businessName: { type: 'string', minLength: 2 },
      address: { type: 'string', minLength: 5 },
      seats: { type: 'integer', minimum: 0, maximum: 99 },
    },
  };
}

/**
 * How the warm-up's workflows differ from one another: their step names, whether the form holds personal data that
 * each step needs only some of, the time-limit unit, what a silent department's time-out does, and which steps wait.
 * V8 specialises optimised code on the shapes it has seen: with one scratch workflow, code specialised on its step
 * names and its kind of step met a deployment's workflow in the serving app's first seconds and was thrown away
 * there (docs/benchmarks.md, twenty-ninth round). Having seen several, it keeps code general enough for the next.
 */
const VARIANTS = [
  { names: ['licence', 'fire-safety', 'health', 'signage', 'tax'], pii: true, limit: { hours: 24 } },
  { names: ['trade-licence', 'fire', 'hygiene', 'sign', 'tax-id'], pii: false, limit: { workingDays: 5 } },
  {
    names: ['permit-a', 'fire-review', 'health-check', 'outdoor-sign', 'tax-filing'],
    pii: true,
    limit: { minutes: 4320 },
  },
  { names: ['market', 'rescue', 'food-safety', 'urban', 'revenue'], pii: false, limit: { hours: 48 } },
  { names: ['l1', 'f2', 'h3', 's4', 't5'], pii: true, limit: { workingDays: 3 } },
  {
    names: ['registration', 'fire-permit', 'health-cert', 'signage-permit', 'tax-number'],
    pii: false,
    limit: { seconds: 864000 },
  },
] as const;

const ON_TIMEOUT = ['approve', 'reject', undefined] as const;

/**
 * The workflows a warm-up drives, shaped like the shipped ones: each fans out to the same five departments, one step
 * waits for another, one is approved by a rule without facts, so decisions that open a step, rule approvals and
 * completions all run; where form fields are personal data, each step needs only some of them.
 */
export const WARM_UP_WORKFLOWS = VARIANTS.map(({ names, pii, limit }, v) => {
  const [licence, fire, health, signage, tax] = names;
  const needs = (fields: string[]) => (pii ? { needs: fields } : {});
  const onTimeout = ON_TIMEOUT[v % ON_TIMEOUT.length];
  const step = (id: string, department: string, rest: Record<string, unknown>) => ({
    id,
    name: id,
    department,
    timeLimit: limit,
    ...(onTimeout !== undefined ? { onTimeout } : {}),
    ...rest,
  });
  // The step that waits, and the one it waits for, move from variant to variant.
  const waits = v % 2 === 0 ? { tax: [licence] } : { health: [licence, signage] };
  return {
    key: `warm-up-${v}`,
    name: `Warm-up ${v}: five departments, one dependency, one rule`,
    form: warmUpForm(pii),
    steps: [
      step(
        licence,
        'market-regulation',
        needs(['applicant.name', 'applicant.idNumber', 'businessName', 'address']),
      ),
      step(fire, 'fire-rescue', {
        ...needs(['address', 'seats']),
        autoApprove: v % 2 === 0 ? { '<': [{ var: 'seats' }, 30] } : { '<=': [{ var: 'seats' }, 29] },
      }),
      step(health, 'health', waits.health ? { after: waits.health } : {}),
      step(signage, 'urban-management', needs(['businessName'])),
      step(tax, 'tax', {
        ...needs(['businessName', 'applicant.idNumber']),
        ...(waits.tax ? { after: waits.tax } : {}),
      }),
    ],
  };
});

/** How long past `until` an application in flight may take to be decided. */
const FINISH_MS = 5_000;

const DEPARTMENTS = [...new Set(WARM_UP_WORKFLOWS[0]!.steps.map((s) => s.department))];

export interface WarmUpLoad {
  /** `http://host:port` of the app to warm. */
  base: string;
  /** The HS256 secret that app verifies tokens with. */
  secret: string;
  /** Traffic stops being started at this time (ms since the epoch); what is in flight finishes. */
  until: number;
  /** Applications in flight at once. */
  applicants: number;
}

export interface WarmUpCounts {
  submitted: number;
  /** Applications that left review while the warm-up watched them. */
  completed: number;
  decided: number;
  polls: number;
  inboxReads: number;
  /** Answers other than the ones expected (a status the path does not give when all is well, or none at all). */
  unexpected: number;
}

/** A request the warm-up's app has not answered in this time is given up and counted as unexpected. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The traffic a warm-up sends: the engine's everyday path, as clients drive it. Applicants submit (each lane moving
 * through the workflows in turn) and poll with If-None-Match until their application is decided; one officer per
 * department reads the open inbox and approves every task in it.
 *
 * Runs the load until `until`, then lets what is in flight finish, for `FINISH_MS` at most. Never throws for an
 * answer, or for no answer: it counts them, so a warm-up that goes wrong costs its time and no more.
 */
export async function runWarmUpLoad(load: WarmUpLoad): Promise<WarmUpCounts> {
  const counts: WarmUpCounts = {
    submitted: 0,
    completed: 0,
    decided: 0,
    polls: 0,
    inboxReads: 0,
    unexpected: 0,
  };
  const hardStop = load.until + FINISH_MS;
  const key = new TextEncoder().encode(load.secret);
  const token = (claims: Record<string, string>, sub: string) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().sign(key);
  const call = async (method: string, path: string, bearer: string, init: RequestInit = {}) => {
    try {
      return await withTimeout(REQUEST_TIMEOUT_MS, async (signal) => {
        const response = await fetch(`${load.base}/api/v1${path}`, {
          ...init,
          method,
          headers: { authorization: `Bearer ${bearer}`, ...(init.headers as Record<string, string>) },
          signal,
        });
        const text = await response.text();
        return { status: response.status, etag: response.headers.get('etag'), body: text };
      });
    } catch {
      return { status: 0, etag: null, body: '' };
    }
  };
  const json = (body: unknown): RequestInit => ({
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

  let stopped = false;

  const applicant = async (lane: number) => {
    for (let n = 0; Date.now() < load.until; n++) {
      const sub = `warm-up-applicant-${lane}-${n}`;
      const bearer = await token({ role: 'applicant' }, sub);
      const data = {
        applicant: {
          name: `Applicant ${lane}.${n}`,
          idNumber: `11010119900101${String(n % 1000).padStart(3, '0')}X`,
        },
        businessName: `Warm-up ${lane}.${n}`,
        address: `${n} Warm-up Street`,
        seats: (lane * 37 + n * 11) % 100,
      };
      const submitted = await call(
        'POST',
        '/applications',
        bearer,
        json({ workflow: WARM_UP_WORKFLOWS[(lane + n) % WARM_UP_WORKFLOWS.length]!.key, data }),
      );
      if (submitted.status !== 201) {
        counts.unexpected++;
        await delay(50);
        continue;
      }
      counts.submitted++;
      const { id } = JSON.parse(submitted.body) as { id: string };
      let etag = submitted.etag;
      // An application the officers have not finished by the hard stop is left as it is: its database goes anyway.
      while (Date.now() < hardStop) {
        await delay(50);
        const poll = await call('GET', `/applications/${id}`, bearer, {
          headers: etag ? { 'if-none-match': etag } : {},
        });
        counts.polls++;
        if (poll.status === 304) continue;
        if (poll.status !== 200) {
          counts.unexpected++;
          break;
        }
        etag = poll.etag;
        if ((JSON.parse(poll.body) as { status: string }).status !== 'in_review') {
          counts.completed++;
          break;
        }
      }
    }
  };

  const officer = async (department: string) => {
    const bearer = await token({ role: 'officer', department }, `warm-up-${department}`);
    while (!stopped && Date.now() < hardStop) {
      const inbox = await call('GET', '/tasks?status=open&limit=50', bearer);
      counts.inboxReads++;
      const items = inbox.status === 200 ? (JSON.parse(inbox.body) as { items: { id: string }[] }).items : [];
      if (inbox.status !== 200) counts.unexpected++;
      if (items.length === 0) {
        await delay(20);
        continue;
      }
      await Promise.all(
        items.map(async (task) => {
          const decided = await call(
            'POST',
            `/tasks/${task.id}/decision`,
            bearer,
            json({ outcome: 'approve' }),
          );
          if (decided.status === 200) counts.decided++;
          else counts.unexpected++;
        }),
      );
    }
  };

  const officers = Promise.allSettled(DEPARTMENTS.map(officer));
  try {
    await Promise.all(Array.from({ length: load.applicants }, (_, lane) => applicant(lane)));
  } finally {
    stopped = true;
    await officers;
  }
  return counts;
}
