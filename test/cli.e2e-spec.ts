import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECURITY_DEFAULTS } from '../src/config/security-config.js';
import { ADMIN, FIXTURES, JWT_SECRET, TestApp } from './support/test-app.js';

const ROOT = join(import.meta.dirname, '..');
const WORKFLOWS = join(ROOT, 'workflows');
const BIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(
  command: string,
  args: string[],
  timeout = 60_000,
  env: Record<string, string> = {},
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd: ROOT, timeout, env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The real command as npm links it: the package's `bin`, compiled into dist/. */
const cli = (...args: string[]) => run(process.execPath, [BIN, ...args]);

const shipped = readdirSync(WORKFLOWS)
  .filter((f) => f.endsWith('.json') && f !== 'workflow.schema.json')
  .sort();

/** Hand-checked: name(1) -> registration(3) -> seal(1) and tax(2) by data; serial 7, parallel 6. */
const startUp = {
  key: 'cli-start-up',
  name: 'Start-up, in the old serial order',
  form: { type: 'object', properties: { companyName: { type: 'string' } } },
  steps: [
    {
      id: 'name-check',
      name: 'Name',
      department: 'market-regulation',
      needs: ['companyName'],
      produces: ['approvedName'],
      timeLimit: { workingDays: 1 },
    },
    {
      id: 'registration',
      name: 'Registration',
      department: 'market-regulation',
      needs: ['approvedName'],
      produces: ['creditCode'],
      timeLimit: { workingDays: 3 },
    },
    {
      id: 'seal',
      name: 'Seal',
      department: 'public-security',
      needs: ['creditCode'],
      timeLimit: { workingDays: 1 },
    },
    {
      id: 'tax',
      name: 'Tax',
      department: 'taxation',
      after: ['name-check'],
      needs: ['creditCode'],
      timeLimit: { workingDays: 2 },
    },
  ],
};

describe('the parallel-approvals command', () => {
  let dir: string;
  let good: string;
  let broken: string;
  let notJson: string;

  beforeAll(async () => {
    // The bin runs from dist/: build it as `npm ci` (prepare) and `npm run build` do.
    const build = await run('npm', ['run', '-s', 'build'], 180_000);
    expect(build).toMatchObject({ code: 0 });
    dir = mkdtempSync(join(tmpdir(), 'pa-cli-'));
    good = join(dir, 'start-up.json');
    writeFileSync(good, JSON.stringify(startUp));
    broken = join(FIXTURES, 'bad-workflows', 'broken-permit.json');
    notJson = join(dir, 'truncated.json');
    writeFileSync(notJson, '{"key": "half');
  }, 200_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('validate', () => {
    it('exits 0 on the shipped workflows folder and names every file it checked', async () => {
      const r = await cli('validate', WORKFLOWS);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      for (const f of shipped) expect(r.stdout).toContain(`${join(WORKFLOWS, f)}: valid`);
      expect(r.stdout).not.toContain('workflow.schema.json');
    });

    it('exits 1 on a broken file, giving every error with its file and JSON path', async () => {
      const r = await cli('validate', broken);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toEqual(
        expect.arrayContaining([
          `${broken}: $.steps[1].timeLimit.fortnights is not a known property`,
          expect.stringMatching(
            new RegExp(`^${broken}: \\$\\.steps\\[1\\]\\.needs\\[0\\] 'surveyReport' is neither`),
          ),
        ]),
      );
      expect(lines.every((l) => l.startsWith(`${broken}: $`))).toBe(true);
    });

    it('exits 1 when any one of several files is invalid, still confirming the good ones', async () => {
      const r = await cli('validate', good, notJson, join(dir, 'missing.json'));
      expect(r.code).toBe(1);
      expect(r.stdout).toBe(`${good}: valid (cli-start-up, 4 steps)\n`);
      expect(r.stderr).toContain(`${notJson}: $ is not JSON:`);
      expect(r.stderr).toContain(`${join(dir, 'missing.json')}: $ cannot be read (ENOENT)`);
    });

    it('refuses a calendar the server does not know, as the server does', async () => {
      const file = join(dir, 'calendar.json');
      writeFileSync(file, JSON.stringify({ ...startUp, calendar: 'atlantis' }));
      const r = await cli('validate', '--json', file);
      expect(r.code).toBe(1);
      expect(JSON.parse(r.stdout)).toEqual([
        {
          file,
          key: null,
          valid: false,
          errors: [{ path: '$.calendar', message: 'names no known calendar (atlantis)' }],
        },
      ]);
    });

    it('accepts a fact on any host, as the server does, unless --fact-hosts names the hosts to allow', async () => {
      const file = join(dir, 'facts.json');
      const facts = { registry: { url: 'https://registry.example.gov/companies/{companyName}' } };
      writeFileSync(file, JSON.stringify({ ...startUp, facts }));
      expect(await cli('validate', file)).toMatchObject({ code: 0, stderr: '' });
      expect(await cli('validate', '--fact-hosts', '*.example.gov', file)).toMatchObject({
        code: 0,
        stderr: '',
      });
      const elsewhere = await cli('validate', '--fact-hosts', 'registry.example.org', file);
      expect(elsewhere.code).toBe(1);
      expect(elsewhere.stderr).toContain(
        `${file}: $.facts.registry.url host 'registry.example.gov' is not in the allowed fact hosts`,
      );
    });
  });

  describe('usage errors exit 2', () => {
    it.each([
      [[], 'a command is required'],
      [['publish', 'x.json'], "unknown command 'publish'"],
      [['validate'], 'validate needs at least one FILE or DIR'],
      [['analyze', '--colour', 'x.json'], "Unknown option '--colour'"],
      [['analyze', '--from', 'yesterday', 'x.json'], '--from must be an ISO 8601 instant'],
      // Each of these `new Date` reads as some instant; without an offset, a date-time names none.
      [
        ['analyze', '--from', '1', 'x.json'],
        "--from must be an ISO 8601 instant, a date (2026-01-01) or a date-time with an offset (2026-01-01T08:00:00+08:00) (got '1')",
      ],
      [['analyze', '--from', 'March 3 2026', 'x.json'], '--from must be an ISO 8601 instant'],
      [['analyze', '--from', '2026-03-03T08:00', 'x.json'], '--from must be an ISO 8601 instant'],
    ])('%j', async (args, message) => {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('usage: parallel-approvals');
      expect(r.stdout).toBe('');
    });

    it('prints the usage on --help and exits 0', async () => {
      const r = await cli('--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('usage: parallel-approvals <command>');
    });
  });

  describe('analyze', () => {
    it('prints serial, parallel, compression, critical path and each hand-off kept or dropped', async () => {
      const r = await cli('analyze', good);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(
        [
          `cli-start-up (${good})`,
          '  serial         7 working days',
          '  parallel       6 working days',
          '  compression    14.3%',
          '  critical path  name-check -> registration -> tax',
          '  hand-offs      3 in the listed order: 2 kept, 1 dropped',
          '    kept     name-check -> registration  (needs approvedName)',
          '    kept     registration -> seal  (needs creditCode)',
          '    dropped  seal -> tax  (no data flows along it)',
          '  redundant after (1)',
          '    $.steps[3].after[0]  tax after name-check: implied by name-check -> registration -> tax',
          '',
        ].join('\n'),
      );
    });

    it('takes --from as the API takes an instant, with an offset or as a date', async () => {
      // Working days beside hours: only then does the analysis place the limits from an instant.
      const mixed = join(dir, 'mixed.json');
      const steps = startUp.steps.map((step, i) => (i === 0 ? { ...step, timeLimit: { hours: 4 } } : step));
      writeFileSync(mixed, JSON.stringify({ ...startUp, key: 'cli-mixed', steps }));
      for (const [from, instant] of [
        ['2026-03-03T08:00:00+08:00', '2026-03-03T00:00:00.000Z'],
        ['2026-03-03 08:00:00+0800', '2026-03-03T00:00:00.000Z'],
        ['2026-03-03', '2026-03-03T00:00:00.000Z'],
      ]) {
        const r = await cli('analyze', '--json', '--from', from!, mixed);
        expect(r.code).toBe(0);
        expect(JSON.parse(r.stdout)[0].analysis.referenceInstant).toBe(instant);
      }
    });

    it('prints JSON with --json and exits 1 when a file is invalid', async () => {
      const r = await cli('analyze', '--json', good, broken);
      expect(r.code).toBe(1);
      const [ok, bad] = JSON.parse(r.stdout);
      expect(ok).toMatchObject({ file: good, key: 'cli-start-up', valid: true, errors: [] });
      expect(ok.analysis).toMatchObject({ serial: 7, parallel: 6, compression: 0.1429 });
      expect(ok.analysis.handoffs.map((h: { kept: boolean }) => h.kept)).toEqual([true, true, false]);
      expect(bad).toMatchObject({ file: broken, valid: false, analysis: null });
      expect(bad.errors.length).toBeGreaterThan(1);
    });
  });

  describe('through npm', () => {
    it('runs as `npx parallel-approvals` from the checkout, exit status included', async () => {
      const r = await run('npx', ['--no-install', 'parallel-approvals', 'validate', broken], 120_000);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${broken}: $.steps[1].timeLimit.fortnights is not a known property`);
    }, 150_000);

    it('runs as the `cli` npm script', async () => {
      const r = await run('npm', ['run', '-s', 'cli', '--', 'validate', good], 120_000);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`${good}: valid`);
    }, 150_000);
  });

  describe('npm run token', () => {
    const idp = { jwtIssuer: 'https://idp.gov.example', jwtAudience: 'approvals' };
    const signed = [
      {
        who: 'an applicant, with the claim names by default',
        args: ['--role', 'applicant', '--sub', 'ann'],
        names: {},
        path: '/api/v1/applications',
        claims: { role: 'applicant' },
      },
      {
        who: 'an officer, with the claim names the server is given',
        args: ['--role', 'officer', '--department', 'fire-rescue', '--sub', 'olga'],
        names: { jwtRoleClaim: 'realm_access.roles', jwtDepartmentClaim: 'groups' },
        path: '/api/v1/tasks',
        claims: { realm_access: { roles: 'officer' }, groups: 'fire-rescue' },
      },
    ];
    it.each(signed)(
      'signs a token the server accepts, with the issuer, audience and claim names it checks: $who',
      async ({ args, names, path, claims }) => {
        const security = { ...SECURITY_DEFAULTS, ...idp, ...names };
        const t = await TestApp.start({ config: { security } });
        try {
          const r = await run('npm', ['run', '-s', 'token', '--', ...args], 120_000, {
            JWT_SECRET,
            JWT_JWKS_URL: 'https://idp.gov.example/certs',
            JWT_ISSUER: idp.jwtIssuer,
            JWT_AUDIENCE: idp.jwtAudience,
            JWT_ROLE_CLAIM: security.jwtRoleClaim,
            JWT_DEPARTMENT_CLAIM: security.jwtDepartmentClaim,
          });
          expect(r.code).toBe(0);
          const token = r.stdout.trim();
          const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as object;
          expect(payload).toMatchObject({ ...claims, iss: idp.jwtIssuer, aud: idp.jwtAudience });
          const reply = await fetch(t.baseUrl + path, { headers: { authorization: `Bearer ${token}` } });
          expect(reply.status).toBe(200);
        } finally {
          await t.close();
        }
      },
      150_000,
    );
  });

  describe('against the server', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await TestApp.start({ workflowsDir: WORKFLOWS });
    });
    afterAll(async () => {
      await t.close();
    });

    it.each(shipped)('%s: the diagram is the one GET /workflows/{key}/diagram serves', async (file) => {
      const r = await cli('diagram', join(WORKFLOWS, file));
      expect(r.code).toBe(0);
      const key = file.replace(/\.json$/, '');
      const served = await t.request('GET', `/api/v1/workflows/${key}/diagram`, { as: ADMIN });
      expect(served.status).toBe(200);
      expect(r.stdout).toBe(served.body);
      expect(r.stdout).toContain('classDef critical');
    });

    it.each(shipped)('%s: the analysis is the one the server computes', async (file) => {
      const r = await cli('analyze', '--json', join(WORKFLOWS, file));
      expect(r.code).toBe(0);
      const [report] = JSON.parse(r.stdout);
      const served = await t.request('GET', `/api/v1/workflows/${report.key}`, { as: ADMIN });
      expect(report.analysis).toEqual(served.body.analysis);
    });
  });
});
