/**
 * `run`, but a call made while an earlier one is still under way shares that one's answer (or failure) instead of
 * starting another. For the unauthenticated operational reads (`/metrics`, `/health`): each holds database
 * connections, and a flood of them would otherwise take the pool from every other request.
 */
export function sharedWhileRunning<T>(run: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= run().finally(() => (running = undefined));
    return running;
  };
}
