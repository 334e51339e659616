import { describe, expect, it } from '@jest/globals';
import { pageLanguage } from './pages.util.js';

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
