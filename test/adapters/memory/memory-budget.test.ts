import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../adapters/clock.js';
import { lookupWithinBudget } from '../../../adapters/memory/budget.js';
import { createHttpMemory } from '../../../adapters/memory/http-memory.js';
import { Lru } from '../../../adapters/memory/lru.js';
import type { MemoryLookup } from '../../../adapters/memory/types.js';
import { ManualClock } from '../../../adapters/testing/manual-clock.js';

function slowMemory(clock: ManualClock, delayMs: number, results: string[]): MemoryLookup {
  return {
    name: 'slow',
    lookup: () => new Promise((resolve) => clock.setTimeout(() => resolve(results), delayMs)),
  };
}

describe('memory lookup within a budget', () => {
  it('uses results that arrive in time', async () => {
    const clock = new ManualClock();
    const pending = lookupWithinBudget(slowMemory(clock, 100, ['a fact']), 'q', {
      sessionId: 's',
      budgetMs: 150,
      clock,
    });
    await clock.advance(100);
    expect(await pending).toEqual({ results: ['a fact'], outcome: 'hit', waitedMs: 100 });
  });

  it('gives up at the budget when the service is slow', async () => {
    const clock = new ManualClock();
    const pending = lookupWithinBudget(slowMemory(clock, 2000, ['late']), 'q', {
      sessionId: 's',
      budgetMs: 150,
      clock,
    });
    await clock.advance(150);
    expect(await pending).toEqual({ results: undefined, outcome: 'late', waitedMs: 150 });
  });

  it('treats a failing service as no memory', async () => {
    const clock = new ManualClock();
    const failing: MemoryLookup = { name: 'down', lookup: async () => Promise.reject(new Error('down')) };
    expect(await lookupWithinBudget(failing, 'q', { sessionId: 's', budgetMs: 150, clock })).toMatchObject({
      outcome: 'failed',
    });
  });
});

describe('LRU', () => {
  it('evicts the least recently used entry', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('a');
    lru.set('c', 3);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual([1, undefined, 3]);
  });
});

describe('HTTP memory service', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function serve(delayMs: number): Promise<{ url: string; calls: () => number }> {
    let calls = 0;
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        calls++;
        const { query } = JSON.parse(body) as { query: string };
        setTimeout(() => res.end(JSON.stringify({ results: [`about ${query}`] })), delayMs);
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/search`, calls: () => calls };
  }

  it('caches recent queries', async () => {
    const { url, calls } = await serve(0);
    const memory = createHttpMemory({ url });
    const signal = new AbortController().signal;
    expect(await memory.lookup('charger', { sessionId: 's', signal })).toEqual(['about charger']);
    expect(await memory.lookup('Charger ', { sessionId: 's', signal })).toEqual(['about charger']);
    expect(calls()).toBe(1);
    expect(memory.stats).toEqual({ hits: 1, misses: 1 });
  });

  it('a late answer misses the budget but fills the cache for the next turn', async () => {
    const { url } = await serve(300);
    const memory = createHttpMemory({ url });
    const first = await lookupWithinBudget(memory, 'kitchen', { sessionId: 's', budgetMs: 20, clock: systemClock });
    expect(first.outcome).toBe('late');
    await new Promise((r) => setTimeout(r, 400));
    const second = await lookupWithinBudget(memory, 'kitchen', { sessionId: 's', budgetMs: 20, clock: systemClock });
    expect(second).toMatchObject({ outcome: 'hit', results: ['about kitchen'] });
  });

  it('names the URL when the service is unreachable', async () => {
    const memory = createHttpMemory({ url: 'http://127.0.0.1:9/search' });
    await expect(memory.lookup('x', { sessionId: 's', signal: new AbortController().signal })).rejects.toThrow(
      /127\.0\.0\.1:9\/search is unreachable/,
    );
  });
});
