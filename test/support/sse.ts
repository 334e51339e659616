/** A minimal server-sent events client over fetch, for tests: it can send headers, which EventSource cannot. */
export interface SseMessage {
  id?: string;
  event: string;
  data: any;
}

/** The events of a whole text/event-stream body (a stream the server has closed). */
export function parseSse(text: string): SseMessage[] {
  return text.split('\n\n').flatMap((block) => parseBlock(block).message ?? []);
}

/** One event block: its message (none when it holds no `data`) and its comment lines. */
function parseBlock(block: string): { message?: SseMessage; comments: string[] } {
  const message: SseMessage = { event: 'message', data: undefined };
  const comments: string[] = [];
  let isEvent = false;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) comments.push(line.slice(1).trim());
    else if (line.startsWith('id: ')) message.id = line.slice(4);
    else if (line.startsWith('event: ')) message.event = line.slice(7);
    else if (line.startsWith('data: ')) {
      message.data = JSON.parse(line.slice(6));
      isEvent = true;
    }
  }
  return isEvent ? { message, comments } : { comments };
}

export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers: Headers | null = null;
  ended = false;
  private readonly controller = new AbortController();
  private waiters: (() => void)[] = [];
  private done: Promise<void> = Promise.resolve();

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const client = new SseClient();
    const response = await fetch(url, { headers, signal: client.controller.signal });
    client.status = response.status;
    client.headers = response.headers;
    if (response.status !== 200 || !response.body) {
      client.ended = true;
      await response.body?.cancel();
      return client;
    }
    client.done = client.read(response.body);
    return client;
  }

  /** Waits until `done` holds for the messages so far (or the stream ends), failing after `timeoutMs`. */
  async until(done: (messages: SseMessage[]) => boolean, timeoutMs = 20_000): Promise<SseMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.messages)) {
      if (this.ended) throw new Error(`stream ended first; got ${JSON.stringify(this.messages)}`);
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(this.messages)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return this.messages;
  }

  /** Resolves once the server has closed the stream. */
  async closed(timeoutMs = 20_000): Promise<void> {
    await Promise.race([
      this.done,
      new Promise((_, reject) => setTimeout(() => reject(new Error('stream not closed')), timeoutMs).unref()),
    ]);
  }

  close(): void {
    this.controller.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        this.wake();
      }
    } catch {
      // aborted by close()
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private parse(block: string): void {
    const { message, comments } = parseBlock(block);
    this.comments.push(...comments);
    if (message) this.messages.push(message);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
