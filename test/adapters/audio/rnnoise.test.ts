/**
 * RNNoise at 16 kHz (resampled to its 48 kHz and back): steady noise is taken down by far more than
 * speech is, the stream keeps its length (minus a short constant delay), and a closed denoiser says so.
 */
import { describe, expect, it } from 'vitest';
import { createRnnoiseDenoiser, RnnoiseError } from '../../../adapters/audio/rnnoise.js';
import { createFliteTts } from '../../../adapters/tts/flite.js';

const RATE = 16_000;
let seed = 1;
const white = (samples: number, dbfs: number) =>
  Float32Array.from({ length: samples }, () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return ((seed / 2 ** 32) * 2 - 1) * Math.sqrt(3) * 32768 * 10 ** (dbfs / 20);
  });
const power = (x: Float32Array) => x.reduce((n, v) => n + v * v, 0) / Math.max(1, x.length);

async function denoise(input: Float32Array): Promise<Float32Array> {
  const denoiser = await createRnnoiseDenoiser({ sampleRateHz: RATE });
  const parts: Float32Array[] = [];
  for (let at = 0; at < input.length; at += 320) parts.push(denoiser.process(input.slice(at, at + 320)));
  denoiser.close();
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('RNNoise denoiser', () => {
  it('takes steady white noise down by more than 15 dB once it has adapted', async () => {
    const noise = white(RATE * 3, -30);
    const out = await denoise(noise);
    const last = (x: Float32Array) => x.subarray(x.length - RATE);
    expect(10 * Math.log10(power(last(noise)) / power(last(out)))).toBeGreaterThan(15);
  });

  it(
    'keeps speech: a spoken command loses less than 6 dB, and the stream keeps its length but for ' + '~10-20 ms',
    async () => {
      const parts: Uint8Array[] = [];
      for await (const c of createFliteTts().synthesize({
        text: 'Go to the kitchen.',
        signal: new AbortController().signal,
      }))
        parts.push(c);
      const bytes = Buffer.concat(parts);
      const speech = Float32Array.from(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1));
      const out = await denoise(speech);
      expect(10 * Math.log10(power(speech) / power(out))).toBeLessThan(6);
      const missingMs = ((speech.length - out.length) / RATE) * 1000;
      expect(missingMs).toBeGreaterThanOrEqual(0);
      expect(missingMs).toBeLessThan(25);
    },
  );

  it('reports its voice probability and refuses to work after close()', async () => {
    const denoiser = await createRnnoiseDenoiser({ sampleRateHz: RATE });
    denoiser.process(white(960, -30));
    expect(denoiser.lastVoiceProbability()).toBeGreaterThanOrEqual(0);
    expect(denoiser.lastVoiceProbability()).toBeLessThanOrEqual(1);
    denoiser.close();
    denoiser.close();
    expect(() => denoiser.process(white(320, -30))).toThrow(RnnoiseError);
  });
});
