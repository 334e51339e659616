import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/**
 * A real HTTP server on 127.0.0.1 that records every request; `answer` picks the status for each one, and 0 leaves
 * the request unanswered, as a receiver that hangs would (until `release` or `close`).
 */
export class Receiver {
  readonly received: Received[] = [];
  answer: (path: string, count: number, response: ServerResponse) => number = () => 204;

  private readonly server: Server;
  private readonly held: ServerResponse[] = [];
  url = '';

  private constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        const count = this.received.filter((r) => r.path === path).length;
        const status = this.answer(path, count, response);
        this.received.push({
          path,
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          answered: status,
        });
        if (status === 0) {
          this.held.push(response);
          return;
        }
        response.statusCode = status;
        response.end();
      });
    });
  }

  /** On a free port, or on `port` (to bring a receiver back where an earlier one was). */
  static async start(port = 0): Promise<Receiver> {
    const receiver = new Receiver();
    await new Promise<void>((resolve) => receiver.server.listen(port, '127.0.0.1', resolve));
    const address = receiver.server.address();
    receiver.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return receiver;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Answers the requests left unanswered so far, with `status`. */
  release(status: number): void {
    for (const response of this.held.splice(0)) {
      response.statusCode = status;
      response.end();
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
