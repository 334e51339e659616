import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ConfigError, loadConfig } from '../src/config/app-config.js';
import { ADMIN, TestApp } from './support/test-app.js';

/**
 * The documentation is owned by every change: these checks fail when a call, a setting or a link is added, renamed
 * or moved without the docs following. They read the docs as text, so they hold whoever writes the next page.
 */

const ROOT = resolve(import.meta.dirname, '..');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** The host the workflow examples look facts up on. */
const EXAMPLE_FACT_HOST = 'registry.example.gov';
/** Build output, dependencies, and local state (the embedded database may be unreadable): not the repository's text. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // Hidden folders are tooling and local state (.git, .data), except the CI ones, which are the project's.
      if (
        SKIPPED_DIRS.has(entry.name) ||
        (entry.name.startsWith('.') && !['.github', '.ci'].includes(entry.name))
      )
        return [];
      return markdownFiles(path);
    }
    return entry.isFile() && entry.name.endsWith('.md') ? [path] : [];
  });
}

/** The text of a markdown file that links can live in: fenced code blocks and inline code spans blanked out. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '``');
}

/** Link targets of a markdown file: inline links and images, reference definitions, and autolinks. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+["'(][^)]*)?\)/g)].map((m) => m[1]!);
  const references = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  const autolinks = [...text.matchAll(/<([a-z][a-z0-9+.-]*:[^>\s]+)>/gi)].map((m) => m[1]!);
  return [...inline, ...references, ...autolinks];
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const [, heading] of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** A path as the docs write it, made comparable: no query, parameters as `{}` whether `{id}` or `:id`. */
function normalisePath(path: string): string {
  return path
    .replace(/[?#].*$/, '')
    .replace(/\{[^}]*\}|:[A-Za-z_][A-Za-z0-9_]*/g, '{}')
    .replace(/(.)\/$/, '$1');
}

/** Every `METHOD /path` the API reference mentions, normalised. */
function documentedOperations(): Set<string> {
  const dir = join(ROOT, 'docs', 'api');
  const text = readdirSync(dir)
    .filter((name) => name.endsWith('.md'))
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .join('\n');
  return new Set(
    [...text.matchAll(/\b(GET|POST|PUT|PATCH|DELETE)\s+(\/[A-Za-z0-9_{}:/.-]*)/g)].map(
      ([, method, path]) => `${method} ${normalisePath(path!)}`,
    ),
  );
}

/** Every environment variable `loadConfig` reads, learnt by giving it an environment that records each read. */
function variablesRead(env: Record<string, string>): Set<string> {
  const read = new Set<string>();
  const recording = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  });
  try {
    loadConfig(recording);
  } catch (error) {
    // Production without secrets is refused; what it read on the way is what matters here.
    if (!(error instanceof ConfigError)) throw error;
  }
  return read;
}

describe('the documentation', () => {
  describe('against the running service', () => {
    let t: TestApp;
    let paths: Record<string, Record<string, unknown>>;
    beforeAll(async () => {
      // The examples' fact host is allowed, as an operator would allow it.
      t = await TestApp.start({
        config: { factsAllowedHosts: ['127.0.0.1', 'localhost', EXAMPLE_FACT_HOST] },
      });
      const reply = await t.request('GET', '/docs-json');
      expect(reply.status).toBe(200);
      paths = reply.body.paths;
    });
    afterAll(async () => {
      await t.close();
    });

    it('documents every operation the OpenAPI document lists, by its method and full path', () => {
      const operations = Object.entries(paths).flatMap(([path, item]) =>
        METHODS.filter((method) => item[method] !== undefined).map(
          (method) => `${method.toUpperCase()} ${path}`,
        ),
      );
      expect(operations.length).toBeGreaterThanOrEqual(30);
      const documented = documentedOperations();
      const undocumented = operations.filter((operation) => {
        const [method, path] = operation.split(' ');
        return !documented.has(`${method} ${normalisePath(path!)}`);
      });
      expect(undocumented).toEqual([]);
    });

    it('lists every metric /metrics exposes in docs/api/health.md', async () => {
      const reply = await t.request('GET', '/metrics');
      expect(reply.status).toBe(200);
      const names = [...String(reply.body).matchAll(/^# TYPE (pa_\w+) /gm)].map((m) => m[1]!);
      expect(names.length).toBeGreaterThanOrEqual(9);
      const health = readFileSync(join(ROOT, 'docs', 'api', 'health.md'), 'utf8');
      expect(names.filter((name) => !health.includes(`\`${name}\``))).toEqual([]);
    });

    it('gives only workflow examples in docs/workflow-format.md that the service accepts', async () => {
      const markdown = readFileSync(join(ROOT, 'docs', 'workflow-format.md'), 'utf8');
      const documents = [...markdown.matchAll(/^```json\n([\s\S]*?)^```$/gm)]
        .flatMap((m) => {
          try {
            return [JSON.parse(m[1]!) as Record<string, unknown>];
          } catch {
            return []; // a fragment such as `"facts": { … }`, not a document
          }
        })
        .filter((block) => typeof block.key === 'string' && Array.isArray(block.steps));
      expect(documents.length).toBeGreaterThanOrEqual(2);
      for (const document of documents) {
        const reply = await t.request('POST', '/api/v1/workflows/analyze', { as: ADMIN, body: document });
        expect({ key: document.key, status: reply.status, errors: reply.body.errors }).toEqual({
          key: document.key,
          status: 200,
          errors: [],
        });
      }
    });
  });

  it('lists every environment variable the configuration reads in docs/operations.md', () => {
    const variables = new Set([
      ...variablesRead({}),
      ...variablesRead({ NODE_ENV: 'production', REDIS_URL: 'redis://127.0.0.1:6379' }),
    ]);
    // The recording works: these are read whatever else changes.
    expect([...variables]).toEqual(expect.arrayContaining(['DATABASE_URL', 'JWT_SECRET', 'PROCESS_ROLE']));
    const operations = readFileSync(join(ROOT, 'docs', 'operations.md'), 'utf8');
    const missing = [...variables].filter((name) => !operations.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  describe('links in the repository’s markdown', () => {
    const files = markdownFiles(ROOT);
    const links = files.flatMap((file) =>
      linkTargets(readFileSync(file, 'utf8')).map((target) => ({
        file: relative(ROOT, file),
        target,
      })),
    );

    it('finds the markdown and its links', () => {
      expect(files.map((f) => relative(ROOT, f))).toEqual(
        expect.arrayContaining(['README.md', join('docs', 'README.md'), join('docs', 'api', 'README.md')]),
      );
      expect(links.length).toBeGreaterThan(50);
      // Anchors are computed as GitHub computes them, or every fragment would look broken.
      expect(anchorsOf('# A\n## The queue dashboard: `/admin/queues`\n## A')).toEqual(
        new Set(['a', 'the-queue-dashboard-adminqueues', 'a-1']),
      );
    });

    it('never leads outside the repository: no web address, no path above its root, no `../` at all', () => {
      const outside = links.filter(({ file, target }) => {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return true;
        const path = target.split('#')[0]!;
        if (path === '') return false;
        // Links between documents are written from the repository's root (`/docs/…`), so that none climbs with
        // `../`: a reader (or a checker) can then tell at a glance that it stays inside.
        if (path.split('/').includes('..')) return true;
        const resolved = path.startsWith('/') ? join(ROOT, path) : resolve(ROOT, dirname(file), path);
        const inside = relative(ROOT, resolved);
        return inside === '..' || inside.startsWith(`..${sep}`) || /(^|\/)shared\//.test(path);
      });
      expect(outside).toEqual([]);
    });

    it('resolves every link to a file of the repository, and every anchor to a heading in it', () => {
      const broken = links.filter(({ file, target }) => {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) return false; // the test above
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const resolved =
          path === ''
            ? join(ROOT, file)
            : path.startsWith('/')
              ? join(ROOT, decodeURI(path))
              : resolve(ROOT, dirname(file), decodeURI(path));
        if (!existsSync(resolved)) return true;
        if (
          anchor === undefined ||
          anchor === '' ||
          !resolved.endsWith('.md') ||
          statSync(resolved).isDirectory()
        )
          return false;
        return !anchorsOf(readFileSync(resolved, 'utf8')).has(decodeURIComponent(anchor).toLowerCase());
      });
      expect(broken).toEqual([]);
    });
  });
});
