import { describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { eventually } from '../../test/support/eventually.js';
import { MAX_UNSENT_BYTES, SseStream } from './sse-stream.util.js';
import { sseComment } from './sse.util.js';

/** A real server and a raw client socket on the loopback, and the response the server got for the client's request. */
async function connection(): Promise<{ raw: ServerResponse; socket: Socket; close: () => void }> {
  const responses: ServerResponse[] = [];
  const server = createServer((_request, raw) => responses.push(raw));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write('GET / HTTP/1.1\r\nhost: localhost\r\n\r\n');
  await once(server, 'request');
  return {
    raw: responses[0]!,
    socket,
    close: () => {
      socket.destroy();
      server.close();
    },
  };
}

describe('SseStream', () => {
  it('sends a client that reads an event larger than the bound, and a long replay at its pace, in full', async () => {
    const { raw, socket, close } = await connection();
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    try {
      const stream = new SseStream({ raw, headers: {}, heartbeatMs: 60_000, validUntil: undefined });
      const large = sseComment('x'.repeat(2 * MAX_UNSENT_BYTES));
      const small = sseComment('y'.repeat(64 * 1024));
      let sent = 0;
      // Written in one go, as a replay of a long history is, without waiting a turn between events.
      await stream.send(large);
      sent += large.length;
      for (let i = 0; i < 64; i++) {
        await stream.send(small);
        sent += small.length;
      }
      expect(stream.closed).toBe(false);
      await eventually(
        () => Promise.resolve(received),
        (bytes) => bytes > sent,
      );
    } finally {
      close();
    }
  });

  it('drops a client that stops reading once what waits for it passes the bound, instead of queuing without end', async () => {
    const { raw, socket, close } = await connection();
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
      close();
    }
  });
});
