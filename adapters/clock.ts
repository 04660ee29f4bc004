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

/**
 * Sleeps on one clock under one signal, for a producer that sleeps many times (a fake stream sleeps once
 * per token): one abort listener for all its sleeps instead of an add and a remove per sleep. An abort
 * rejects the sleep in progress with the signal's reason, and every later one at once.
 *
 * @example
 * ```ts
 * const wait = sleeper(clock, signal);
 * for (const token of tokens) {
 *   await wait(20);
 *   emit(token);
 * }
 * ```
 */
export function sleeper(clock: Clock, signal: AbortSignal): (ms: number) => Promise<void> {
  let pending: { id: unknown; reject(reason: unknown): void } | undefined;
  if (!signal.aborted) {
    signal.addEventListener(
      'abort',
      () => {
        const sleeping = pending;
        pending = undefined;
        if (!sleeping) return;
        clock.clearTimeout(sleeping.id);
        sleeping.reject(signal.reason);
      },
      { once: true },
    );
  }
  return (ms) =>
    new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const id = clock.setTimeout(() => {
        pending = undefined;
        resolve();
      }, ms);
      pending = { id, reject };
    });
}
