import { describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MAX_UNSENT_BYTES, SseStream } from './sse-stream.util.js';
import { sseComment } from './sse.util.js';

describe('SseStream', () => {
  it('drops a client that stops reading once what waits for it passes the bound, instead of queuing without end', async () => {
    const responses: ServerResponse[] = [];
    const server = createServer((_request, raw) => responses.push(raw));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    // A client that reads the response's first bytes, and then nothing.
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET / HTTP/1.1\r\nhost: localhost\r\n\r\n');
    const [request] = await once(server, 'request');
    const raw = responses[0]!;
    expect(request).toBeDefined();
    const stream = new SseStream({ raw, headers: {}, heartbeatMs: 60_000, validUntil: undefined });
    await once(socket, 'data');
    socket.pause();
    try {
      const chunk = sseComment('x'.repeat(64 * 1024));
      let written = 0;
      // The kernel's socket buffers take their share first; then the process's own queue grows until the bound.
      while (!stream.closed && written < 4096 * chunk.length) {
        stream.write(chunk);
        written += chunk.length;
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(stream.closed).toBe(true);
      expect(raw.destroyed).toBe(true);
      expect(written).toBeGreaterThan(MAX_UNSENT_BYTES);
    } finally {
      socket.destroy();
      server.close();
    }
  });
});
