import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { pinoOptions } from './pino-options.util.js';

describe('log lines', () => {
  it('mask form data and rule reads in any object logged, at the top or one level down', () => {
    let output = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    const { transport: _transport, ...options } = pinoOptions('log');
    const logger = pino(options, sink);
    logger.warn({ data: { idNumber: '110101199003074514' } }, 'top');
    logger.warn({ application: { id: 'a1', data: { phone: '13800138000' } } }, 'nested');
    logger.warn({ detail: { read: { 'applicant.name': 'Ann' } }, body: { name: 'Ann' } }, 'rule');
    expect(output).not.toMatch(/110101199003074514|13800138000|Ann/);
    expect(output).toContain('"id":"a1"');
    expect(output.match(/\*\*\*/g)).toHaveLength(4);
  });
});
