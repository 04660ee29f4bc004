/**
 * Time for actors and adapters. Production uses {@link systemClock}; tests pass XState's
 * `SimulatedClock` (the same object the session actor uses) so fakes, pacing and `after` delays all
 * advance together and tests never sleep.
 *
 * @example
 * ```ts
 * import { SimulatedClock } from 'xstate';
 * const clock: Clock = new SimulatedClock();
 * clock.setTimeout(() => console.log('fired at', clock.now()), 50);
 * (clock as SimulatedClock).increment(50); // logs "fired at 50"
 * ```
 */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, timeoutMs: number): unknown;
  clearTimeout(id: unknown): void;
}

/** Wall clock with sub-millisecond resolution (performance.now), for production and benchmarks. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, timeoutMs) => setTimeout(fn, timeoutMs),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on the given clock. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const id = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clock.clearTimeout(id);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
