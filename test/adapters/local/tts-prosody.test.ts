/** Speed and pitch of the local voices (the out-of-grammar corpus varies both). */
import { describe, expect, it } from 'vitest';
import { createEspeakTts } from '../../../adapters/tts/espeak.js';
import { createFliteTts } from '../../../adapters/tts/flite.js';
import type { TtsEngine } from '../../../adapters/tts/types.js';

const TEXT = 'Go to the kitchen.';
async function audio(tts: TtsEngine): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of tts.synthesize({ text: TEXT, signal: new AbortController().signal })) parts.push(c);
  return Buffer.concat(parts);
}

/** Median fundamental frequency (Hz) of the voiced 40 ms frames, by autocorrelation over 70–400 Hz. */
function medianF0(pcm: Buffer, rateHz: number): number {
  const x = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength >> 1);
  const frame = Math.round(rateHz * 0.04);
  const f0s: number[] = [];
  for (let start = 0; start + frame * 2 < x.length; start += frame) {
    let energy = 0;
    for (let i = 0; i < frame; i++) energy += x[start + i]! ** 2;
    if (Math.sqrt(energy / frame) < 1000) continue;
    let best = { lag: 0, r: 0 };
    for (let lag = Math.floor(rateHz / 400); lag <= Math.ceil(rateHz / 70); lag++) {
      let r = 0;
      let e = 0;
      for (let i = 0; i < frame; i++) {
        r += x[start + i]! * x[start + i + lag]!;
        e += x[start + i + lag]! ** 2;
      }
      const normalized = r / Math.sqrt(energy * e || 1);
      if (normalized > best.r) best = { lag, r: normalized };
    }
    if (best.r > 0.6) f0s.push(rateHz / best.lag);
  }
  f0s.sort((a, b) => a - b);
  return f0s[f0s.length >> 1] ?? 0;
}

describe('speed and pitch of the local voices', () => {
  it('flite: duration_stretch lengthens the speech, a pitch target changes it', async () => {
    const plain = await audio(createFliteTts());
    const slow = await audio(createFliteTts({ durationStretch: 1.5 }));
    expect(slow.byteLength / plain.byteLength).toBeGreaterThan(1.3);
    const high = await audio(createFliteTts({ pitchHz: 180 }));
    expect(medianF0(high, 16_000) / medianF0(plain, 16_000)).toBeGreaterThan(1.3);
  });

  it('eSpeak: the rate shortens the speech, a pitch raises it and does not stick to the next request', async () => {
    const plain = await audio(createEspeakTts({ voice: 'en-us' }));
    const fast = await audio(createEspeakTts({ voice: 'en-us', rateWpm: 300 }));
    expect(fast.byteLength / plain.byteLength).toBeLessThan(0.8);
    const high = await audio(createEspeakTts({ voice: 'en-us', pitch: 90 }));
    const f0 = medianF0(plain, 22_050);
    expect(medianF0(high, 22_050) / f0).toBeGreaterThan(1.2);
    // The worker is shared: the next engine's request speaks at its own (default) pitch again.
    expect(Math.abs(medianF0(await audio(createEspeakTts({ voice: 'en-us' })), 22_050) / f0 - 1)).toBeLessThan(0.05);
  });
});
