import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { composePage, pageLanguage } from './pages.util.js';

/** `public/` of the checkout, found from here whether running from `src/` (tests) or `dist/src/` (built). */
function publicDir(): string {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'public', 'page.html'))) return join(dir, 'public');
  }
  throw new Error(`public/page.html not found above ${import.meta.dirname}`);
}

/**
 * The applicant's status page (`/status/{id}`) and the officer console (`/console`): static files, no build step,
 * every script and style from `/ui/` (no inline code, so a strict CSP of 'self' fits). The token travels in the
 * URL fragment, which browsers never send; the page calls the API with it in the Authorization header.
 */
export async function installPages(app: NestFastifyApplication): Promise<void> {
  const root = publicDir();
  await app.register(fastifyStatic, { root, prefix: '/ui/', index: false });
  // Composed once: the frame (head, header, language switch) is one file, each page only its own <main>.
  const frame = readFileSync(join(root, 'page.html'), 'utf8');
  const compose = (page: string) =>
    composePage(frame, page, readFileSync(join(root, 'pages', `${page}.html`), 'utf8'));
  const pages = { status: compose('status'), console: compose('console') };
  const send = (page: keyof typeof pages) => (request: FastifyRequest, reply: FastifyReply) => {
    const lang = pageLanguage(request.headers['accept-language']) === 'zh' ? 'zh-CN' : 'en';
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-language', lang)
      .header('vary', 'Accept-Language')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(pages[page].replace('<html lang="en">', `<html lang="${lang}">`));
  };
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/status/:id', send('status'));
  fastify.get('/console', send('console'));
}
