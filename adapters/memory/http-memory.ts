/**
 * Long-term memory over HTTP: `POST <url>` with `{ sessionId, query }`, answered by
 * `{ results: string[] }`. Recent queries are cached (LRU), so a repeated question costs nothing, and a
 * lookup that finishes after the turn's budget still fills the cache for next time.
 *
 * @example
 * ```ts
 * const memory = createHttpMemory({ url: 'http://127.0.0.1:8700/search' });
 * const facts = await memory.lookup('where is my charger', { sessionId: 's1', signal });
 * ```
 */
import { z } from 'zod';
import { Lru } from './lru.js';
import type { MemoryLookup } from './types.js';

const ResponseSchema = z.object({ results: z.array(z.string()).max(50) });

export interface HttpMemoryOptions {
  url: string;
  /** Why 50: the notes' cache size — a conversation repeats itself within a few dozen turns. */
  cacheSize?: number;
  /** Why 2000 ms: fail fast; the turn never waits this long (the budget is far shorter). */
  timeoutMs?: number;
}

export class MemoryServiceError extends Error {
  override name = 'MemoryServiceError';
}

export function createHttpMemory(
  options: HttpMemoryOptions,
): MemoryLookup & { readonly stats: { hits: number; misses: number } } {
  const cache = new Lru<string, string[]>(options.cacheSize ?? 50);
  const stats = { hits: 0, misses: 0 };
  const timeoutMs = options.timeoutMs ?? 2000;
  return {
    name: `http-memory(${options.url})`,
    stats,
    async lookup(query, { sessionId, signal }) {
      const key = `${sessionId}\u0000${query.trim().toLowerCase()}`;
      const cached = cache.get(key);
      if (cached) {
        stats.hits++;
        return cached;
      }
      stats.misses++;
      // The caller's signal stops waiting, not the request: a late answer still warms the cache.
      const request = (async () => {
        let response: Response;
        try {
          response = await fetch(options.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ sessionId, query }),
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (cause) {
          throw new MemoryServiceError(
            `memory service at ${options.url} is unreachable: check the URL or start the service`,
            { cause },
          );
        }
        if (!response.ok)
          throw new MemoryServiceError(`memory service at ${options.url} answered HTTP ${response.status}`);
        const parsed = ResponseSchema.safeParse(await response.json());
        if (!parsed.success)
          throw new MemoryServiceError(
            `memory service at ${options.url} sent an invalid body: expected { results: string[] }`,
          );
        cache.set(key, parsed.data.results);
        return parsed.data.results;
      })();
      request.catch(() => undefined);
      return new Promise<string[]>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        request.then(resolve, reject);
      });
    },
  };
}
