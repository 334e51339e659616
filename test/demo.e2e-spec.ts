import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../scripts/service-process.js';
import { createDatabase } from './support/test-app.js';

const ROOT = join(import.meta.dirname, '..');

/**
 * `npm run demo -- --exit`, run as a user would (on a database of its own instead of the embedded one, which the
 * test set-up cannot afford twice): the departments decide, stay silent, reject and return for correction, the
 * applicants resubmit, and the run ends with the time table and working links.
 */
describe('npm run demo', () => {
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let dataDir: string;

  beforeAll(async () => {
    database = await createDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'pa-demo-'));
  });

  afterAll(async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  });

  it('plays deciding, silent and returning departments and resubmitting applicants to the end, then prints times and links', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', './scripts/register-ts.mjs', 'scripts/demo.ts', '--exit'],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: database.url,
          ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
          DATA_DIR: dataDir,
          PORT: String(port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, output }).toEqual({ code: 0, output: expect.any(String) });

    const lines = output.split('\n');
    const progress = (name: string, text: string) =>
      lines.some((line) => line.includes(name) && line.includes(text));
    // Some departments decide, fire and rescue stays silent until its deemed approval, health rejects one.
    expect(progress('Li Wei noodles', 'decided approve · registration')).toBe(true);
    expect(progress('Li Wei noodles', 'deemed_approved · fire-check')).toBe(true);
    expect(progress('Wang Fang skewers', 'decided reject · hygiene')).toBe(true);
    // Two departments return Sun Mei's application; she is told both requests together and resubmits once.
    expect(progress('Sun Mei tea', 'decided return · sign')).toBe(true);
    expect(progress('Sun Mei tea', 'to correct (sign): Give the size of the sign [signSize]')).toBe(true);
    expect(progress('Sun Mei tea', 'to correct (hygiene)')).toBe(true);
    expect(
      lines.filter((line) => line.includes('Sun Mei tea') && line.includes('resubmitted  (')),
    ).toHaveLength(1);
    expect(progress('Chen Jing dumplings', 'application_correction_requested')).toBe(true);
    // The live board: one line per change of an application's steps.
    expect(progress('Sun Mei tea', '↺ hygiene  ↺ sign')).toBe(true);

    const table = (name: string) => lines.find((line) => /^ {2}\S/.test(line) && line.includes(name));
    expect(table('Li Wei noodles')).toMatch(/ approved +27 s +[\d.]+ s +[\d.]+ s +0\.0 s$/);
    expect(table('Chen Jing dumplings')).toMatch(/ approved +23 s /);
    expect(table('Wang Fang skewers')).toMatch(/ rejected +27 s /);
    expect(table('Sun Mei tea')).toMatch(/ approved +27 s +[\d.]+ s +[\d.]+ s +[1-9][\d.]* s$/);
    expect(table('Zhao Lei Kitchen')).toMatch(/ in_review +\d+ working days /);

    const links = output.match(/http:\/\/\S+\/status\/[0-9a-f-]{36}#token=\S+/g) ?? [];
    expect(links).toHaveLength(5);
    expect(output).toMatch(/\/console#token=\S+/);
  }, 180_000);
});
