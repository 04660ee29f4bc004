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

  it('says a sentence the engine spoke whole again from memory; not one it was stopped in, nor a lip-synced one', async () => {
    const clock = new ManualClock();
    const engine = createFakeTts({ clock, sampleRateHz: 16_000, latencyMs: 50, msPerWord: 200 });
    const cache = createPhraseCache(engine, { phrases: [], rememberSentences: 2 });
    const say = async (text: string, options: { abortAfter?: number; voice?: string; lipSync?: boolean } = {}) => {
      const controller = new AbortController();
      const said = (async () => {
        const chunks: Uint8Array[] = [];
        const request = {
          text,
          signal: controller.signal,
          ...(options.voice ? { voice: options.voice } : {}),
          ...(options.lipSync ? { onPhoneme: () => undefined } : {}),
        };
        try {
          for await (const chunk of cache.synthesize(request)) {
            chunks.push(chunk);
            if (chunks.length === options.abortAfter) controller.abort();
          }
        } catch (error) {
          if (!controller.signal.aborted) throw error;
        }
        return chunks;
      })();
      await clock.advance(1000);
      return said;
    };
    const first = await say('Turning left.');
    expect(engine.stats.requests).toBe(1);
    // Again, in other case and punctuation: the engine is not asked, the audio is the same.
    expect(Buffer.concat(await say('turning left'))).toEqual(Buffer.concat(first));
    expect(engine.stats.requests).toBe(1);
    // Another voice is another sentence; lip sync needs the engine's phonemes.
    await say('Turning left.', { voice: 'slt' });
    expect(engine.stats.requests).toBe(2);
    await say('Turning left.', { lipSync: true });
    expect(engine.stats.requests).toBe(3);
    // Stopped after its first chunk: not kept.
    await say('Moving forward.', { abortAfter: 1 });
    await say('Moving forward.');
    expect(engine.stats.requests).toBe(5);
    // Two kept at most, the least recently said dropped: "turning left" (default voice) went with "moving forward".
    await say('Going home.');
    expect(engine.stats.requests).toBe(6);
    await say('Moving forward.');
    await say('Going home.');
    expect(engine.stats.requests).toBe(6);
    await say('turning left');
    expect(engine.stats.requests).toBe(7);
    expect(cache.stats.hits).toBe(3);
  });

  it('normalizes case, spacing and end punctuation', () => {
    expect(normalizePhrase('  Okay,   THEN! ')).toBe('okay, then');
  });
});
