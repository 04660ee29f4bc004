import { describe, expect, it } from 'vitest';
import { createFakeTts, ManualClock } from '../../../adapters/testing/index.js';
import { createPhraseCache, normalizePhrase } from '../../../adapters/tts/phrase-cache.js';

describe('phrase cache', () => {
  it('synthesizes the phrases at warm-up and then answers them without the engine', async () => {
    const clock = new ManualClock();
    const engine = createFakeTts({ clock, sampleRateHz: 16_000, latencyMs: 50, msPerWord: 200 });
    const cache = createPhraseCache(engine, { phrases: ['Hmm, let me see.', 'Okay.'] });
    const warm = cache.warmUp();
    await clock.advance(200);
    await warm;
    expect(engine.stats.requests).toBe(2);
    expect([...cache.cached].sort()).toEqual(['hmm, let me see', 'okay']);

    const startedAt = clock.now();
    const chunks: Uint8Array[] = [];
    for await (const chunk of cache.synthesize({ text: 'okay', signal: new AbortController().signal }))
      chunks.push(chunk);
    // No clock time passed: the cached phrase is in memory (200 ms of audio in 100 ms chunks).
    expect(clock.now()).toBe(startedAt);
    expect(chunks.map((c) => c.byteLength)).toEqual([3200, 3200]);
    expect(engine.stats.requests).toBe(2);
    expect(cache.stats).toEqual({ hits: 1, misses: 0 });
  });

  it('passes other text to the engine', async () => {
    const clock = new ManualClock();
    const engine = createFakeTts({ clock, sampleRateHz: 16_000, latencyMs: 50 });
    const cache = createPhraseCache(engine, { phrases: [] });
    const stream = cache.synthesize({ text: 'something new', signal: new AbortController().signal });
    const iterator = stream[Symbol.asyncIterator]();
    const first = iterator.next();
    await clock.advance(50);
    expect((await first).done).toBe(false);
    expect(cache.stats).toEqual({ hits: 0, misses: 1 });
  });

  it('normalizes case, spacing and end punctuation', () => {
    expect(normalizePhrase('  Okay,   THEN! ')).toBe('okay, then');
  });
});
