import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createFakeTts } from '../../adapters/testing/index.js';
import { createPhraseCache } from '../../adapters/tts/phrase-cache.js';
import { createTtsActor } from '../../actors/tts.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';

describe('tts actor: SAY of a cached phrase', () => {
  it('plays the phrase as one segment from memory, without waiting on the engine', async () => {
    const h0 = createHarness();
    const engine = createFakeTts({ clock: h0.clock, sampleRateHz: RATE, latencyMs: 80, msPerWord: 40 });
    const cache = createPhraseCache(engine, { phrases: ['Okay, on my way.'] });
    const warm = cache.warmUp();
    await h0.clock.advance(100);
    await warm;
    const h = createHarness({ tts: [cache] });
    const actor = createActor(createTtsActor(h.deps), {
      input: { sessionId: SESSION, turnId: 's1', say: 'Okay, on my way.' },
    }).start();
    await h.settle();
    // No clock time passed, yet the whole phrase is out as segment 0 (the chunker would have split it).
    const chunks = h.ofType('tts.chunk') as Array<{ segmentIndex: number; text: string; final: boolean }>;
    expect(new Set(chunks.map((c) => `${c.segmentIndex}:${c.text}`))).toEqual(new Set(['0:Okay, on my way.']));
    expect(chunks.at(-1)!.final).toBe(true);
    expect(h.ofType('tts.done')).toMatchObject([{ segments: 1 }]);
    expect(cache.stats).toEqual({ hits: 1, misses: 0 });
    actor.stop();
  });
});
