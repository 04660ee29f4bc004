import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createFakeTts, ManualClock } from '../../adapters/testing/index.js';
import { createResampler } from '../../adapters/audio/resample.js';
import { createTtsActor } from '../../actors/tts.js';
import { createHarness, SESSION } from '../support/actor-harness.js';

describe('tts actor: engine at another rate', () => {
  it('resamples a 24 kHz engine to the 16 kHz output', async () => {
    // The WASM module loads on real time, once per process; the simulated clock below does not wait for it.
    (await createResampler({ fromHz: 24_000, toHz: 16_000 })).close();
    const clock = new ManualClock();
    const engine = createFakeTts({ clock, sampleRateHz: 24_000, latencyMs: 10, msPerWord: 500 });
    const h = createHarness({ tts: [engine], clock });
    const actor = createActor(createTtsActor(h.deps), {
      input: { sessionId: SESSION, turnId: 's1', say: 'one two' },
    }).start();
    await h.clock.advance(50);
    await h.settle();
    const chunks = h.ofType('tts.chunk') as Array<{ audio: Uint8Array; sampleRateHz: number }>;
    const bytes = chunks.reduce((n, c) => n + c.audio.byteLength, 0);
    expect(chunks.every((c) => c.sampleRateHz === 16_000)).toBe(true);
    // Two words of 500 ms at 16 kHz, give or take the resampler's filter delay.
    expect(bytes / 32).toBeGreaterThan(990);
    expect(bytes / 32).toBeLessThanOrEqual(1000);
    actor.stop();
  });
});
