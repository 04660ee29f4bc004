/**
 * A push-driven async iterable: a producer (an engine callback, a worker's replies, a test) pushes
 * items, closes it or fails it, and the consumer's `for await` sees them in order. Items pushed before
 * `close()` are still delivered; abort ends iteration with the signal's reason.
 */
export interface Channel<T> extends AsyncIterable<T> {
  push(item: T): void;
  close(): void;
  fail(error: Error): void;
  readonly closed: boolean;
}

export function createChannel<T>(signal?: AbortSignal): Channel<T> {
  const items: T[] = [];
  let closed = false;
  let error: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  signal?.addEventListener('abort', notify, { once: true });
  return {
    get closed() {
      return closed;
    },
    push(item) {
      if (closed) return;
      items.push(item);
      notify();
    },
    close() {
      closed = true;
      notify();
    },
    fail(e) {
      error = e;
      closed = true;
      notify();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
        if (items.length > 0) {
          yield items.shift()!;
          continue;
        }
        if (error) throw error;
        if (closed) return;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}
