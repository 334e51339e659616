import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from '../../scripts/service-process.js';

/**
 * The real entry point, as `npm start` runs it (from source, through the project's TypeScript hooks), with only
 * `env` and the paths a shell gives it; its standard output and error are kept apart, to show what an operator
 * reads on each.
 */
export function startMain(env: Record<string, string>, cwd = PROJECT_ROOT) {
  const child = spawn(process.execPath, ['--import', './scripts/register-ts.mjs', 'src/main.ts'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': the process may have exited before its last output has been read.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}
