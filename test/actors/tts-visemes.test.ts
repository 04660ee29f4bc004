import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createFakeTts, ManualClock } from '../../adapters/testing/index.js';
import { createTtsActor } from '../../actors/tts.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';

describe('tts actor: lip sync', () => {
  it("turns the engine's phonemes into visemes on the chunk that carries their audio", async () => {
    const clock = new ManualClock();
    // One phoneme per word (its first letter), at 0, 100, 200 ms of the segment.
    const engine = createFakeTts({ clock, sampleRateHz: RATE, latencyMs: 10, msPerWord: 100, phonemes: true });
    const h = createHarness({ tts: [engine], clock });
    const actor = createActor(createTtsActor(h.deps), {
      input: { sessionId: SESSION, turnId: 's1', say: 'pa ma ba oh.' },
    }).start();
    await h.clock.advance(50);
    await h.settle();
    const chunks = h.ofType('tts.chunk') as Array<{
      visemes?: Array<{ atMs: number; viseme: string }>;
      final: boolean;
    }>;
    // p, m, b are one mouth shape (lips closed): repeats are folded into the first; then "oh".
    expect(chunks.flatMap((c) => c.visemes ?? [])).toEqual([
      { atMs: 0, viseme: 'PP' },
      { atMs: 300, viseme: 'O' },
    ]);
    expect(chunks.at(-1)).toMatchObject({ final: true });
    expect(chunks.at(-1)!.visemes).toBeUndefined();
    actor.stop();
  });
});
