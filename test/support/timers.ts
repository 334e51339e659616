import { createHook } from 'node:async_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Watches the timers created from now on by code of `file` (anywhere in the stack that created them); `stop` gives
 * those that have neither fired nor been cleared, each as that stack. A timer left armed runs later on the event
 * loop, among whatever the process is doing then.
 */
export function timersArmed(file: string): { stop: () => Promise<string[]> } {
  const armed = new Map<number, string>();
  const hook = createHook({
    init: (id, type) => {
      if (type !== 'Timeout') return;
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 50;
      const stack = new Error().stack ?? '';
      Error.stackTraceLimit = limit;
      if (stack.includes(file)) armed.set(id, stack);
    },
    destroy: (id) => armed.delete(id),
  }).enable();
  return {
    stop: async () => {
      // Destroy hooks run in a batch after the current macrotask.
      await nextTurn();
      hook.disable();
      return [...armed.values()];
    },
  };
}
