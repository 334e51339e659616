import { describe, expect, it } from '@jest/globals';
import { composePage, pageLanguage } from './pages.util.js';

describe('pageLanguage', () => {
  it('follows the first of Chinese or English the client prefers', () => {
    expect(pageLanguage('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh');
    expect(pageLanguage('en-US,en;q=0.9,zh-CN;q=0.8')).toBe('en');
    expect(pageLanguage('fr-FR,zh-TW;q=0.5')).toBe('zh');
    expect(pageLanguage('en;q=0.4,zh;q=0.6')).toBe('zh');
  });

  it('falls back to English', () => {
    expect(pageLanguage(undefined)).toBe('en');
    expect(pageLanguage('')).toBe('en');
    expect(pageLanguage('de-DE')).toBe('en');
    expect(pageLanguage('zh;q=0')).toBe('en');
  });
});

describe('composePage', () => {
  const frame =
    '<!doctype html>\n<!-- the frame -->\n<html lang="en"><title>{{title}}</title><script src="/ui/js/{{page}}.js"></script><body data-title-key="{{page}}.title">{{main}}</body></html>';

  it("puts the page's main, title and script into the shared frame, and drops the frame's own comment", () => {
    expect(composePage(frame, 'status', '<main data-title="Status $& page">\n  <p>x</p>\n</main>\n')).toBe(
      '<!doctype html>\n<html lang="en"><title>Status $& page</title><script src="/ui/js/status.js"></script><body data-title-key="status.title"><main data-title="Status $& page">\n  <p>x</p>\n</main></body></html>',
    );
  });

  it('refuses a page without its title', () => {
    expect(() => composePage(frame, 'console', '<main class="console">x</main>')).toThrow(
      /public\/pages\/console.html/,
    );
  });
});
