/**
 * Runs TypeScript files under plain Node 20 with no extra package: `node --import ./scripts/register-ts.mjs file.ts`.
 *
 * Node 20 cannot strip types, so this file registers itself as module customization hooks (node:module register)
 * that transpile `.ts` files with the project's own `typescript` (a devDependency), one file at a time, without
 * type-checking (`npm run lint` does that). Relative `./x.js` imports resolve to `./x.ts` as in the sources.
 * The hooks run on Node's loader thread; the main thread only registers them.
 */
import { readFile } from 'node:fs/promises';
import { register } from 'node:module';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) {
  process.setSourceMapsEnabled(true);
  register(import.meta.url);
}

/** @type {typeof import('typescript') | undefined} */
let ts;

/** Resolves a path import `./x.js` to `./x.ts` when only the TypeScript source exists. */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const path = /^(\.{1,2}\/|\/|file:)/.test(specifier);
    if (!path || !specifier.endsWith('.js') || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
  }
}

/** Transpiles `.ts` files to ES modules. */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  ts ??= (await import('typescript')).default;
  const fileName = fileURLToPath(url);
  const { outputText } = ts.transpileModule(await readFile(fileName, 'utf8'), {
    fileName,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2023,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      isolatedModules: true,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
