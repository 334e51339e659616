import { describe, expect, it } from '@jest/globals';
import { isBlank } from './text.util.js';

describe('isBlank', () => {
  it('takes text of only whitespace or invisible format characters for blank', () => {
    for (const text of [
      undefined,
      null,
      '',
      ' ',
      '\t\n',
      '\u3000',
      '\u200b',
      '\u200c\u200d',
      '\ufeff',
      '\u2060 \u200e',
    ])
      expect(isBlank(text)).toBe(true);
  });

  it('takes any character that shows for text, wherever it stands', () => {
    for (const text of ['x', ' x ', '\u200bx\u200b', '消防', '👩‍🚒', '0']) expect(isBlank(text)).toBe(false);
  });
});
