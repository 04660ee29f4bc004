/**
 * The streaming core shared by the fake LLM and TTS engines. The producer runs from the moment the
 * request is made, on the injected clock, whether or not anyone is pulling — like a real server — so
 * a test can prove that aborting the request (not merely ceasing to read) is what stops generation.
 */

/** The error an aborted fake rejects with when the signal carries no reason of its own. */
export function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

export interface ClockedStreamHooks {
  /** Called once if `signal` aborts while the producer is still running. */
  onAbort?(): void;
}

/**
 * Starts `produce` now and exposes what it emits as an async iterator. Aborting `signal` stops the
 * producer (through the `stop` signal it must pass to every wait) and makes the pending and every later
 * `next()` reject with the abort reason at once, discarding anything queued. A producer error is
 * delivered after the items emitted before it. `return()` (a consumer's `break`) also stops the producer.
 *
 * @example
 * ```ts
 * const it = startClockedStream<string>(signal, async (emit, stop) => {
 *   await sleep(clock, 20, stop);
 *   emit('hello');
 * });
 * for await (const item of it) console.log(item);
 * ```
 */
export function startClockedStream<T>(
  signal: AbortSignal,
  produce: (emit: (item: T) => void, stop: AbortSignal) => Promise<void>,
  hooks: ClockedStreamHooks = {},
): AsyncIterableIterator<T> {
  const stop = new AbortController();
  const queue: T[] = [];
  let producing = true;
  let closed = false;
  let failure: { error: unknown } | undefined;
  let waiter: { resolve(r: IteratorResult<T>): void; reject(e: unknown): void } | undefined;

  const pull = (): Promise<IteratorResult<T>> => {
    if (signal.aborted) return Promise.reject(abortError(signal));
    if (closed) return Promise.resolve({ value: undefined, done: true });
    if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
    if (failure) {
      const { error } = failure;
      failure = undefined;
      closed = true;
      return Promise.reject(error);
    }
    if (!producing) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (waiter = { resolve, reject }));
  };
  const wake = () => {
    if (!waiter) return;
    const w = waiter;
    waiter = undefined;
    pull().then(w.resolve, w.reject);
  };
  const onAbort = () => {
    if (producing) hooks.onAbort?.();
    stop.abort(abortError(signal));
    queue.length = 0;
    wake();
  };

  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });

  const emit = (item: T) => {
    if (stop.signal.aborted) return;
    queue.push(item);
    wake();
  };
  produce(emit, stop.signal)
    .then(
      () => {},
      (error: unknown) => {
        if (!stop.signal.aborted) failure = { error };
      },
    )
    .finally(() => {
      producing = false;
      signal.removeEventListener('abort', onAbort);
      wake();
    });

  return {
    next: pull,
    return: (): Promise<IteratorResult<T>> => {
      closed = true;
      queue.length = 0;
      stop.abort(new DOMException('Consumer stopped reading', 'AbortError'));
      wake();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
