/**
 * Runs `work` with a signal that aborts with a `TimeoutError` after `ms`, as `AbortSignal.timeout` does, but whose
 * timer is cleared as soon as the work settles. `AbortSignal.timeout` stays armed for its whole time and then
 * builds its DOMException on the event loop, long after a quick answer: a warm-up's thousands of requests left
 * thousands of them to fire among the serving process's first requests.
 */
export async function withTimeout<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
    ms,
  );
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
