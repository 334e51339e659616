import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { expectProblem, paths, simpleWorkflow } from './support/helpers.js';
import { ADMIN, applicant, createDatabase, FIXTURES, officer, TestApp } from './support/test-app.js';

/**
 * A definition whose analysis is worked out by hand (all limits in working days):
 *
 *   licence (3) --licenceNo--> food (6) --+
 *                                          +--> opening (1)
 *   fire (5) ------after------> sign (3) -+
 *
 * food waits for licence only through data flow (it needs the licenceNo that licence produces).
 * Earliest finishes: licence 3, fire 5, food 3+6 = 9, sign 5+3 = 8, opening max(9, 8)+1 = 10.
 * serial = 3+5+6+3+1 = 18, parallel = 10, compression = 1 - 10/18 = 0.4444, critical path licence, food, opening.
 */
const restaurant = () => ({
  key: 'hand-checked',
  name: 'Hand-checked restaurant',
  form: {
    type: 'object',
    required: ['address'],
    properties: { address: { type: 'string' }, seats: { type: 'integer' } },
  },
  steps: [
    {
      id: 'licence',
      name: 'Business licence',
      department: 'market-regulation',
      produces: ['licenceNo'],
      timeLimit: { workingDays: 3 },
    },
    { id: 'fire', name: 'Fire safety', department: 'fire-rescue', timeLimit: { workingDays: 5 } },
    {
      id: 'food',
      name: 'Food licence',
      department: 'food-safety',
      needs: ['licenceNo', 'address'],
      timeLimit: { workingDays: 6 },
    },
    {
      id: 'sign',
      name: 'Signage',
      department: 'urban-management',
      after: ['fire'],
      timeLimit: { workingDays: 3 },
    },
    {
      id: 'opening',
      name: 'Opening inspection',
      department: 'market-regulation',
      after: ['sign', 'food'],
      timeLimit: { workingDays: 1 },
    },
  ],
});

const restaurantAnalysis = {
  unit: 'workingDays',
  serial: 18,
  parallel: 10,
  compression: 0.4444,
  criticalPath: ['licence', 'food', 'opening'],
  dependencies: {
    licence: [],
    fire: [],
    food: ['licence'],
    sign: ['fire'],
    opening: ['food', 'sign'],
  },
  edges: [
    { from: 'licence', to: 'food', values: ['licenceNo'], declared: false },
    { from: 'fire', to: 'sign', values: [], declared: true },
    { from: 'food', to: 'opening', values: [], declared: true },
    { from: 'sign', to: 'opening', values: [], declared: true },
  ],
  // Listed in the old relay's order, four hand-offs: only sign -> opening is a real dependency.
  handoffs: [
    { from: 'licence', to: 'fire', kept: false, values: [], declared: false, via: [] },
    { from: 'fire', to: 'food', kept: false, values: [], declared: false, via: [] },
    { from: 'food', to: 'sign', kept: false, values: [], declared: false, via: [] },
    { from: 'sign', to: 'opening', kept: true, values: [], declared: true, via: ['sign', 'opening'] },
  ],
  redundant: [],
};

const minimal = (key: string, name = 'Minimal') => ({
  key,
  name,
  form: { type: 'object', properties: { address: { type: 'string' } } },
  steps: [{ id: 'review', name: 'Review', department: 'planning', timeLimit: { hours: 4 } }] as Record<
    string,
    unknown
  >[],
});

describe('workflow definitions over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await TestApp.start({ workflowsDir: join(FIXTURES, 'workflows') });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('registering and versioning', () => {
    it('registers a new definition as version 1 with its analysis (201)', async () => {
      const reply = await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: restaurant() });
      expect(reply.status).toBe(201);
      expect(reply.body).toEqual({ key: 'hand-checked', version: 1, analysis: restaurantAnalysis });
    });

    it('returns the existing version (200) for an identical document, whatever its key order', async () => {
      await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: minimal('same-again') });
      const again = await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: minimal('same-again') });
      expect(again.status).toBe(200);
      expect(again.body.key).toBe('same-again');
      expect(again.body.version).toBe(1);

      const { steps, form, name, key } = minimal('same-again');
      const reordered = await t.request('POST', '/api/v1/workflows', {
        as: ADMIN,
        body: { steps, form, name, key },
      });
      expect(reordered.status).toBe(200);
      expect(reordered.body.version).toBe(1);
      const rows = await t.query(`SELECT version FROM workflow_versions WHERE key = 'same-again'`);
      expect(rows).toHaveLength(1);
    });

    it('makes a changed document the next version and keeps the old one readable', async () => {
      const first = await t.request('POST', '/api/v1/workflows', {
        as: ADMIN,
        body: minimal('evolving', 'Old name'),
      });
      expect(first.status).toBe(201);
      expect(first.body.version).toBe(1);
      const second = await t.request('POST', '/api/v1/workflows', {
        as: ADMIN,
        body: minimal('evolving', 'New name'),
      });
      expect(second.status).toBe(201);
      expect(second.body.version).toBe(2);

      const latest = await t.request('GET', '/api/v1/workflows/evolving', { as: applicant('ann') });
      expect(latest.status).toBe(200);
      expect(latest.body).toMatchObject({ key: 'evolving', version: 2, name: 'New name' });
      expect(latest.body.definition.name).toBe('New name');

      const old = await t.request('GET', '/api/v1/workflows/evolving?version=1', { as: applicant('ann') });
      expect(old.status).toBe(200);
      expect(old.body).toMatchObject({ key: 'evolving', version: 1, name: 'Old name' });
      expect(old.body.analysis).toMatchObject({
        serial: 4 * 3600,
        parallel: 4 * 3600,
        criticalPath: ['review'],
      });

      // Posting the old document again is a change against the latest, so it becomes version 3.
      const back = await t.request('POST', '/api/v1/workflows', {
        as: ADMIN,
        body: minimal('evolving', 'Old name'),
      });
      expect(back.status).toBe(201);
      expect(back.body.version).toBe(3);
    });

    it('lists the latest version of every workflow, including those registered at start-up', async () => {
      await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: minimal('listed', 'Listed v1') });
      await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: minimal('listed', 'Listed v2') });
      const reply = await t.request('GET', '/api/v1/workflows', { as: officer('planning') });
      expect(reply.status).toBe(200);
      expect(Array.isArray(reply.body)).toBe(true);
      const listed = reply.body.filter((w: { key: string }) => w.key === 'listed');
      expect(listed).toEqual([{ key: 'listed', name: 'Listed v2', version: 2 }]);
      expect(reply.body).toContainEqual({ key: 'shop-permit', name: 'Open a small shop', version: 1 });
      const keys = reply.body.map((w: { key: string }) => w.key);
      expect(new Set(keys).size).toBe(keys.length);
    });
  });

  describe('reading one workflow', () => {
    it('serves a workflow registered from the start-up folder with its definition and analysis', async () => {
      const reply = await t.request('GET', '/api/v1/workflows/shop-permit', { as: applicant('ann') });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ key: 'shop-permit', version: 1, name: 'Open a small shop' });
      expect(reply.body.definition.steps.map((s: { id: string }) => s.id)).toEqual([
        'licence',
        'fire',
        'food',
        'alcohol',
        'sign',
      ]);
      // food needs the licenceNo that licence produces; alcohol waits for food explicitly.
      expect(reply.body.analysis.dependencies).toEqual({
        licence: [],
        fire: [],
        food: ['licence'],
        alcohol: ['food'],
        sign: [],
      });
      expect(reply.body.analysis).toMatchObject({
        unit: 'seconds',
        serial: (24 + 48 + 24 + 8 + 24) * 3600,
        parallel: 56 * 3600,
        criticalPath: ['licence', 'food', 'alcohol'],
      });
    });

    it('answers the definition as it was posted, its defaults not filled in, and the same again for an identical one', async () => {
      const posted = minimal('as-posted');
      expect((await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: posted })).status).toBe(201);
      const reply = await t.request('GET', '/api/v1/workflows/as-posted', { as: applicant('ann') });
      expect(reply.status).toBe(200);
      expect(reply.body.definition).toEqual(posted);
      // The engine runs the defaults all the same: a step with no `after` waits for nothing.
      expect(reply.body.analysis.dependencies).toEqual({ review: [] });
      const spelt = { ...posted, steps: posted.steps.map((step) => ({ ...step, after: [], signoff: 1 })) };
      const same = await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: spelt });
      expect([same.status, same.body.version]).toEqual([200, 1]);
      expect((await t.request('GET', '/api/v1/workflows/as-posted', { as: ADMIN })).body.definition).toEqual(
        posted,
      );
    });

    it('answers 400 naming the parameter when version is not a positive integer', async () => {
      for (const bad of ['abc', '0', '-1', '1.5']) {
        const reply = await t.request('GET', `/api/v1/workflows/shop-permit?version=${bad}`, { as: ADMIN });
        expectProblem(reply, 400);
        expect(paths(reply)).toContain('$.version');
      }
    });

    it('answers 400 naming any other parameter, or version sent as a list, on the version and its diagram', async () => {
      for (const [query, path] of [
        ['versio=1', '$.versio'],
        ['version[]=99', '$.version[]'],
        ['version=1&version=2', '$.version'],
      ]) {
        for (const target of ['shop-permit', 'shop-permit/diagram']) {
          const reply = await t.request('GET', `/api/v1/workflows/${target}?${query}`, { as: ADMIN });
          expectProblem(reply, 400);
          expect(paths(reply)).toEqual([path]);
        }
      }
    });

    it('answers 404 for an unknown key and for an unknown version of a known key', async () => {
      const unknownKey = await t.request('GET', '/api/v1/workflows/no-such-workflow', { as: ADMIN });
      expectProblem(unknownKey, 404);
      const unknownVersion = await t.request('GET', '/api/v1/workflows/shop-permit?version=99', {
        as: ADMIN,
      });
      expectProblem(unknownVersion, 404);
      const diagram = await t.request('GET', '/api/v1/workflows/no-such-workflow/diagram', { as: ADMIN });
      expectProblem(diagram, 404);
    });

    it('draws the dependency graph as Mermaid text with the critical path highlighted', async () => {
      await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: restaurant() });
      const reply = await t.request('GET', '/api/v1/workflows/hand-checked/diagram', {
        as: applicant('ann'),
      });
      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = reply.body as string;
      expect(typeof text).toBe('string');
      expect(text).toMatch(/^(flowchart|graph) (LR|TD|TB)\b/);
      const edge = (from: string, to: string) => new RegExp(`\\b${from}\\s*[-=.]+>\\s*${to}\\b`);
      for (const [from, to] of [
        ['licence', 'food'],
        ['fire', 'sign'],
        ['food', 'opening'],
        ['sign', 'opening'],
      ] as const) {
        expect(text).toMatch(edge(from, to));
      }
      expect(text).not.toMatch(edge('licence', 'fire'));
      // Critical edges are drawn differently from the others.
      const arrow = (from: string, to: string) =>
        new RegExp(`\\b${from}\\s*([-=.]+>)\\s*${to}\\b`).exec(text)?.[1];
      expect(arrow('licence', 'food')).toBe(arrow('food', 'opening'));
      expect(arrow('licence', 'food')).not.toBe(arrow('fire', 'sign'));
      expect(text).toMatch(/class\s+licence,food,opening\s+\w+|style\s+licence/);
    });

    it('shows a name with Mermaid or HTML syntax as written, coded, never as markup', async () => {
      const doc = minimal('coded-names', 'Coded names');
      doc.steps[0]!.name = 'Seats < 50 & "kitchen" <b>Form #3;</b>';
      expect((await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: doc })).status).toBe(201);
      const reply = await t.request('GET', '/api/v1/workflows/coded-names/diagram', { as: ADMIN });
      expect(reply.status).toBe(200);
      const text = reply.body as string;
      expect(text).toContain('["Seats #60; 50 #38; #34;kitchen#34; #60;b#62;Form #35;3;#60;/b#62;<br/>');
      expect(text).not.toContain('<b>');
    });

    it('writes a step id Mermaid would read as a keyword in a form it reads as an id, and a direction as a word', async () => {
      const doc = minimal('keyword-ids', 'Keyword ids');
      doc.steps[0]!.id = 'end';
      doc.steps[0]!.name = 'Traffic direction TB';
      expect((await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: doc })).status).toBe(201);
      const reply = await t.request('GET', '/api/v1/workflows/keyword-ids/diagram', { as: ADMIN });
      expect(reply.status).toBe(200);
      expect(reply.body).toContain('\n  End["Traffic direction#32;TB<br/>');
      expect(reply.body).toContain('\n  class End critical\n');
    });

    it('draws an older version when asked for it', async () => {
      await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: minimal('drawn', 'Drawn') });
      const v2 = minimal('drawn', 'Drawn');
      v2.steps.push({
        id: 'second',
        name: 'Second look',
        department: 'fire-rescue',
        timeLimit: { hours: 1 },
      });
      await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: v2 });
      const latest = await t.request('GET', '/api/v1/workflows/drawn/diagram', { as: ADMIN });
      const first = await t.request('GET', '/api/v1/workflows/drawn/diagram?version=1', { as: ADMIN });
      expect(latest.status).toBe(200);
      expect(first.status).toBe(200);
      expect(latest.body).toContain('second');
      expect(first.body).not.toContain('second');
    });
  });

  describe('analysis', () => {
    it('computes serial, parallel, compression, critical path and data-flow dependencies', async () => {
      const reply = await t.request('POST', '/api/v1/workflows/analyze', { as: ADMIN, body: restaurant() });
      expect(reply.status).toBe(200);
      expect(reply.body).toEqual({ valid: true, errors: [], analysis: restaurantAnalysis });
    });

    it('measures mixed units in seconds', async () => {
      const doc = minimal('mixed-units');
      doc.steps = [
        { id: 'slow', name: 'Slow', department: 'a-dept', timeLimit: { hours: 2 } },
        { id: 'quick', name: 'Quick', department: 'b-dept', timeLimit: { minutes: 30 } },
      ];
      const reply = await t.request('POST', '/api/v1/workflows/analyze', { as: ADMIN, body: doc });
      expect(reply.body.analysis).toEqual({
        unit: 'seconds',
        serial: 9000,
        parallel: 7200,
        compression: 0.2,
        criticalPath: ['slow'],
        dependencies: { slow: [], quick: [] },
        edges: [],
        handoffs: [{ from: 'slow', to: 'quick', kept: false, values: [], declared: false, via: [] }],
        redundant: [],
      });
    });

    it('places working days mixed with hours on the workflow calendar from the reference instant', async () => {
      const doc = { ...minimal('mixed-calendar'), calendar: 'cn-mainland' };
      doc.steps = [
        { id: 'intake', name: 'Intake', department: 'a-dept', produces: ['caseNo'], timeLimit: { hours: 4 } },
        {
          id: 'review',
          name: 'Review',
          department: 'b-dept',
          after: ['intake'],
          needs: ['caseNo'],
          timeLimit: { workingDays: 2 },
        },
        { id: 'notice', name: 'Notice', department: 'c-dept', timeLimit: { minutes: 30 } },
      ];
      const reply = await t.request('POST', '/api/v1/workflows/analyze', { as: ADMIN, body: doc });
      // From Monday 2 March 2026 09:00 Shanghai: intake due 13:00, review due Wednesday 23:59:59.999 (63 h to the
      // second); in series the notice then runs to Thursday 00:29:59.999 (63 h 30 min).
      expect(reply.body.analysis).toMatchObject({
        unit: 'seconds',
        referenceInstant: '2026-03-02T01:00:00.000Z',
        serial: 228_600,
        parallel: 226_800,
        compression: 0.0079,
        criticalPath: ['intake', 'review'],
        redundant: [
          {
            path: '$.steps[1].after[0]',
            step: 'review',
            after: 'intake',
            values: ['caseNo'],
            via: ['intake', 'review'],
          },
        ],
      });
    });

    it('stores nothing, valid or not', async () => {
      const before = await t.query<{ n: string }>('SELECT count(*) AS n FROM workflow_versions');
      const doc = { ...restaurant(), key: 'only-analysed' };
      const valid = await t.request('POST', '/api/v1/workflows/analyze', { as: ADMIN, body: doc });
      expect(valid.status).toBe(200);
      expect(valid.body.valid).toBe(true);
      const invalid = await t.request('POST', '/api/v1/workflows/analyze', {
        as: ADMIN,
        body: { ...doc, steps: [] },
      });
      expect(invalid.status).toBe(200);
      expect(invalid.body.valid).toBe(false);
      expect(invalid.body.errors.map((e: { path: string }) => e.path)).toContain('$.steps');
      expect(invalid.body.analysis).toBeNull();
      const after = await t.query<{ n: string }>('SELECT count(*) AS n FROM workflow_versions');
      expect(after[0]!.n).toBe(before[0]!.n);
      const lookup = await t.request('GET', '/api/v1/workflows/only-analysed', { as: ADMIN });
      expect(lookup.status).toBe(404);
    });
  });

  describe('invalid definitions', () => {
    /**
     * One document with five different problems:
     * steps[0] and steps[1] wait for each other (a cycle), steps[2] waits for a step that does not exist,
     * steps[3] repeats the id of steps[2], steps[4] needs a value nothing provides and has a negative time limit.
     */
    const broken = () => ({
      key: 'broken',
      name: 'Broken in five ways',
      form: { type: 'object', properties: { address: { type: 'string' } } },
      steps: [
        { id: 'alpha', name: 'Alpha', department: 'a-dept', after: ['beta'], timeLimit: { hours: 1 } },
        { id: 'beta', name: 'Beta', department: 'b-dept', after: ['alpha'], timeLimit: { hours: 1 } },
        { id: 'gamma', name: 'Gamma', department: 'c-dept', after: ['ghost'], timeLimit: { hours: 1 } },
        { id: 'gamma', name: 'Gamma again', department: 'd-dept', timeLimit: { hours: 1 } },
        { id: 'delta', name: 'Delta', department: 'e-dept', needs: ['permitNo'], timeLimit: { hours: -2 } },
      ],
    });

    it('rejects with 400 problem+json listing every error at once, each with its JSON path', async () => {
      const reply = await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: broken() });
      expectProblem(reply, 400);
      const found = paths(reply);
      expect(found).toContain('$.steps[2].after[0]'); // unknown step id
      expect(found).toContain('$.steps[3].id'); // duplicate id
      expect(found).toContain('$.steps[4].needs[0]'); // needs nothing provides
      expect(found.some((p) => p.startsWith('$.steps[4].timeLimit'))).toBe(true); // bad time limit
      const cycle = (reply.body.errors as { path: string; message: string }[]).find((e) =>
        /cycle/i.test(e.message),
      );
      expect(cycle?.path).toMatch(/^\$\.steps\[[01]\]/); // the cycle alpha <-> beta
      for (const error of reply.body.errors as { message: unknown }[])
        expect(typeof error.message).toBe('string');
      const stored = await t.query(`SELECT 1 FROM workflow_versions WHERE key = 'broken'`);
      expect(stored).toHaveLength(0);
    });

    it('refuses rules whose facts it could not know: a computed name, or an undeclared one spelt as a list', async () => {
      const step = (id: string, autoApprove: unknown) => ({
        id,
        name: id,
        department: `${id}-dept`,
        timeLimit: { hours: 1 },
        autoApprove,
      });
      const reply = await t.request('POST', '/api/v1/workflows', {
        as: ADMIN,
        body: {
          key: 'fact-reads',
          name: 'Fact reads',
          form: { type: 'object', properties: { code: { type: 'string' } } },
          facts: { registry: { url: 'https://registry.gov.example/{code}' } },
          steps: [
            step('computed', { '!=': [{ var: { cat: ['facts.', 'registry.status'] } }, 'listed'] }),
            step('listed', { '!=': [{ var: [['facts.unknown.status']] }, 'listed'] }),
          ],
        },
      });
      expectProblem(reply, 400);
      const errors = reply.body.errors as { path: string; message: string }[];
      expect(errors).toContainEqual({
        path: '$.steps[0].autoApprove',
        message:
          'reads a variable whose name it computes (or the whole data): where facts are declared, a rule names what it reads',
      });
      expect(errors).toContainEqual({
        path: '$.steps[1].autoApprove["!="][0].var[0]',
        message: "'facts.unknown.status' names no declared fact",
      });
      expect(await t.query(`SELECT 1 FROM workflow_versions WHERE key = 'fact-reads'`)).toHaveLength(0);
    });

    it('reports the same errors from analyze, as data rather than a failure', async () => {
      const registered = await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: broken() });
      const analysed = await t.request('POST', '/api/v1/workflows/analyze', { as: ADMIN, body: broken() });
      expect(analysed.status).toBe(200);
      expect(analysed.body.valid).toBe(false);
      expect(analysed.body.analysis).toBeNull();
      expect(new Set(analysed.body.errors.map((e: { path: string }) => e.path))).toEqual(
        new Set(paths(registered)),
      );
    });

    it('reports a cycle and a self-dependency with the steps they sit on', async () => {
      const doc = minimal('cyclic');
      doc.steps = [
        { id: 'one', name: 'One', department: 'a-dept', timeLimit: { hours: 1 } },
        { id: 'two', name: 'Two', department: 'a-dept', after: ['three'], timeLimit: { hours: 1 } },
        { id: 'three', name: 'Three', department: 'a-dept', after: ['two'], timeLimit: { hours: 1 } },
        { id: 'four', name: 'Four', department: 'a-dept', after: ['four'], timeLimit: { hours: 1 } },
      ];
      const reply = await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: doc });
      expectProblem(reply, 400);
      const errors = reply.body.errors as { path: string; message: string }[];
      expect(errors.find((e) => /cycle/i.test(e.message))?.path).toMatch(/^\$\.steps\[[12]\]/);
      expect(paths(reply)).toContain('$.steps[3].after[0]');
      expect(paths(reply).some((p) => p.startsWith('$.steps[0]'))).toBe(false);
    });

    it('rejects a body that is not an object, and required fields that are missing', async () => {
      const notObject = await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: ['steps'] });
      expectProblem(notObject, 400);
      const empty = await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: {} });
      expectProblem(empty, 400);
      expect(paths(empty)).toEqual(expect.arrayContaining(['$.key', '$.name', '$.form', '$.steps']));
    });

    /** Registers a one-step workflow at `fire` and expects a 400; answers the paths it names. */
    const refusedPaths = async (step: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
      const definition = simpleWorkflow(
        'refused',
        [{ id: 'one', timeLimit: { hours: 1 }, ...step }],
        () => 'fire',
        {
          form: { type: 'object', properties: { seats: { type: 'integer' } } },
          ...extra,
        },
      );
      const refused = await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: definition });
      expectProblem(refused, 400);
      return paths(refused);
    };

    it('rejects a workflow or step name of whitespace only, naming both, and stores nothing', async () => {
      expect(await refusedPaths({ name: ' \t ' }, { name: '\u3000' })).toEqual(['$.name', '$.steps[0].name']);
      expect(await t.query(`SELECT 1 FROM workflow_versions WHERE key = 'refused'`)).toHaveLength(0);
    });

    it('rejects a rule with an operation JSON Logic does not know, which would always be false', async () => {
      const when = { and: [{ '>=': [{ var: 'seats' }, 1] }, { gt: [{ var: 'seats' }, 50] }] };
      expect(await refusedPaths({ when })).toEqual(['$.steps[0].when.and[1].gt']);
    });

    it('rejects a signoff no department could give, above the 50 an officer may raise it to', async () => {
      expect(await refusedPaths({ signoff: 1e9 })).toEqual(['$.steps[0].signoff']);
      const fifty = simpleWorkflow(
        'many-signatures',
        [{ id: 'one', timeLimit: { hours: 1 }, signoff: 50 }],
        () => 'fire',
      );
      expect((await t.request('POST', '/api/v1/workflows', { as: ADMIN, body: fifty })).status).toBe(201);
    });

    it('rejects a produced value named like a member every object inherits', async () => {
      expect(await refusedPaths({ produces: ['licenceNo', 'toString', '__proto__'] })).toEqual([
        '$.steps[0].produces[1]',
        '$.steps[0].produces[2]',
      ]);
    });

    it('rejects a form that is not an object schema, under which no submission could pass', async () => {
      expect(await refusedPaths({}, { form: { type: 'string' } })).toEqual(['$.form.type']);
      expect(await refusedPaths({}, { form: { properties: { seats: { type: 'integer' } } } })).toEqual([
        '$.form.type',
      ]);
    });

    it('rejects a step department of only whitespace, which no officer could ever hold', async () => {
      expect(await refusedPaths({ department: '   ' })).toEqual(['$.steps[0].department']);
      expect(await refusedPaths({ department: ' fire' })).toEqual(['$.steps[0].department']);
    });

    it('rejects a form in a JSON Schema dialect other than 2020-12, which answered 500', async () => {
      for (const $schema of ['http://json-schema.org/draft-07/schema#', 'https://example.gov/dialect', 1]) {
        const form = { $schema, type: 'object' };
        expect(await refusedPaths({}, { form })).toEqual(['$.form']);
        const analysis = await t.request('POST', '/api/v1/workflows/analyze', {
          as: ADMIN,
          body: simpleWorkflow('analysed', [{ id: 'one', timeLimit: { hours: 1 } }], () => 'fire', { form }),
        });
        expect(analysis.status).toBe(200);
        expect(analysis.body).toMatchObject({ valid: false, errors: [{ path: '$.form' }] });
      }
    });
  });

  describe('the registry at start-up', () => {
    it('refuses to start on a folder with an invalid file, naming the file and its errors', async () => {
      // The database is made here, not by TestApp.start, so this test can drop it after the failed start.
      const database = await createDatabase();
      try {
        let failure: unknown;
        try {
          const app = await TestApp.start({
            workflowsDir: join(FIXTURES, 'bad-workflows'),
            databaseUrl: database.url,
          });
          await app.close();
        } catch (error) {
          failure = error;
        }
        expect(failure).toBeInstanceOf(Error);
        const message = (failure as Error).message;
        expect(message).toContain('broken-permit.json');
        expect(message).toContain('$.steps[1].needs[0]');
        expect(message).toContain('$.steps[1].timeLimit');
      } finally {
        await database.drop();
      }
      const left = await t.query('SELECT 1 FROM pg_database WHERE datname = $1', [database.name]);
      expect(left).toHaveLength(0);
    });
  });
});
