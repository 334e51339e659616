import { afterEach, describe, expect, it } from '@jest/globals';
import { WorkerThread, WorkerThreadTimeoutError } from './worker-thread.util.js';
import type { ProbeCall } from '../../test/fixtures/workers/probe.worker.js';

type Echo = { value: unknown; threadId: number };

const threads: WorkerThread<ProbeCall, Echo>[] = [];

function probeThread(timeoutMs = 30_000): WorkerThread<ProbeCall, Echo> {
  const thread = new WorkerThread<ProbeCall, Echo>({
    entry: new URL('../../test/fixtures/workers/probe.worker.js', import.meta.url),
    timeoutMs,
    maxHeapMb: 64,
  });
  threads.push(thread);
  return thread;
}

describe('WorkerThread', () => {
  afterEach(async () => {
    await Promise.all(threads.splice(0).map((t) => t.close()));
  });

  it('answers calls in the order they were made, all on one thread other than the main one', async () => {
    const thread = probeThread();
    const answers = await Promise.all(
      [1, 2, 3].map((value) => thread.run({ kind: 'echo', value: { value, nested: [value] } })),
    );
    expect(answers.map((a) => a.value)).toEqual([1, 2, 3].map((value) => ({ value, nested: [value] })));
    expect(new Set(answers.map((a) => a.threadId)).size).toBe(1);
    expect(answers[0]!.threadId).not.toBe(0);
  });

  it("rejects a call with the handler's error and keeps serving on the same thread", async () => {
    const thread = probeThread();
    const before = await thread.run({ kind: 'echo', value: 'before' });
    await expect(thread.run({ kind: 'throw', message: 'no such thing' })).rejects.toThrow('no such thing');
    const after = await thread.run({ kind: 'echo', value: 'after' });
    expect(after).toEqual({ value: 'after', threadId: before.threadId });
  });

  it('gives up a call past its time, ends its thread and serves the next call on a new one', async () => {
    const thread = probeThread(300);
    const before = await thread.run({ kind: 'echo', value: 'before' });
    const spin = thread.run({ kind: 'spin' });
    const queued = thread.run({ kind: 'echo', value: 'queued' });
    await expect(spin).rejects.toBeInstanceOf(WorkerThreadTimeoutError);
    const after = await queued;
    expect(after.value).toBe('queued');
    expect(after.threadId).not.toBe(before.threadId);
  });

  it('does not settle the next call with the late answer of a thread it gave up', async () => {
    const thread = probeThread(200);
    await thread.run({ kind: 'echo', value: 'ready' }); // the next call's timer is armed as it is sent
    const late = thread.run({ kind: 'late', ms: 50, value: 'late' });
    const next = thread.run({ kind: 'echo', value: 'next' });
    await new Promise((sent) => setImmediate(sent));
    // The event loop held past the time limit: the answer (due after 50 ms) and the timer (200 ms) wait together,
    // and the timer runs first. The thread is ended and the next call sent to a new one; only then is the ended
    // thread's answer, drained from its port as it exits, delivered.
    const until = Date.now() + 400;
    while (Date.now() < until);
    await expect(late).rejects.toBeInstanceOf(WorkerThreadTimeoutError);
    await expect(next).resolves.toMatchObject({ value: 'next' });
  });

  it('fails the running call when its thread exits, and serves the next call on a new one', async () => {
    const thread = probeThread();
    const before = await thread.run({ kind: 'echo', value: 'before' });
    await expect(thread.run({ kind: 'exit' })).rejects.toThrow('exited with code 3');
    const after = await thread.run({ kind: 'echo', value: 'after' });
    expect(after.value).toBe('after');
    expect(after.threadId).not.toBe(before.threadId);
  });

  it('fails a call that exhausts the heap of its thread, and serves the next call on a new one', async () => {
    const thread = probeThread();
    const before = await thread.run({ kind: 'echo', value: 'before' });
    await expect(thread.run({ kind: 'hog' })).rejects.toMatchObject({ code: 'ERR_WORKER_OUT_OF_MEMORY' });
    const after = await thread.run({ kind: 'echo', value: 'after' });
    expect(after.threadId).not.toBe(before.threadId);
  });

  it('gives up a thread that does not get ready in time, and tries a new one for the next call', async () => {
    const thread = new WorkerThread<unknown, unknown>({
      entry: new URL('../../test/fixtures/workers/never-ready.worker.js', import.meta.url),
      timeoutMs: 30_000,
      startTimeoutMs: 3_000,
      maxHeapMb: 64,
    });
    try {
      await expect(thread.run('first')).rejects.toThrow('did not start within 3000 ms');
      await expect(thread.run('second')).rejects.toThrow('did not start within 3000 ms');
    } finally {
      await thread.close();
    }
  });

  it('rejects an answer that is not plain data, without losing the thread', async () => {
    const thread = probeThread();
    const before = await thread.run({ kind: 'echo', value: 1 });
    await expect(thread.run({ kind: 'function' })).rejects.toThrow(/could not be cloned/);
    expect(await thread.run({ kind: 'echo', value: 2 })).toEqual({ value: 2, threadId: before.threadId });
  });

  it('rejects a call it cannot send, without losing the thread', async () => {
    const thread = probeThread();
    const before = await thread.run({ kind: 'echo', value: 1 });
    await expect(thread.run({ kind: 'echo', value: () => 1 })).rejects.toThrow(/could not be cloned/);
    expect(await thread.run({ kind: 'echo', value: 2 })).toEqual({ value: 2, threadId: before.threadId });
  });

  it('refuses calls once closed', async () => {
    const thread = probeThread();
    await thread.run({ kind: 'echo', value: 1 });
    await thread.close();
    await expect(thread.run({ kind: 'echo', value: 2 })).rejects.toThrow('closed');
  });
});
