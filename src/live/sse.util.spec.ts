import { describe, expect, it } from '@jest/globals';
import { parseLastEventId, sseComment, sseEvent } from './sse.util.js';

describe('sseEvent', () => {
  it('writes id, event and one JSON data line, ended by a blank line', () => {
    expect(sseEvent({ id: 3, event: 'end', data: { a: 'x\ny' } })).toBe(
      'id: 3\nevent: end\ndata: {"a":"x\\ny"}\n\n',
    );
  });

  it('cannot be split by a newline in the id or the event name', () => {
    expect(sseEvent({ id: '1\n2', event: 'a\r\nb', data: 1 })).toBe('id: 12\nevent: ab\ndata: 1\n\n');
  });

  it('writes comments on one line', () => {
    expect(sseComment('heart\nbeat')).toBe(': heart beat\n\n');
  });
});

describe('parseLastEventId', () => {
  it('reads a history seq and treats anything else as the start', () => {
    expect(parseLastEventId('17')).toBe(17);
    expect(parseLastEventId(' 4 ')).toBe(4);
    expect(parseLastEventId(undefined)).toBe(0);
    expect(parseLastEventId('-1')).toBe(0);
    expect(parseLastEventId('abc')).toBe(0);
    expect(parseLastEventId('99999999999999')).toBe(0);
  });
});
