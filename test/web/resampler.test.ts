/**
 * The page's streaming resampler (web/resampler.js, plain browser JavaScript, run here in Node): the
 * microphone's 44.1/48 kHz to the protocol's 24 kHz without aliasing, and 24 kHz to the AudioContext's
 * rate, aligned with the input and independent of how the stream is chunked.
 */
import { describe, expect, it } from 'vitest';
import { Resampler } from '../../web/resampler.js';

const sine = (hz: number, rateHz: number, samples: number, offset = 0) =>
  Float32Array.from({ length: samples }, (_, i) => 0.5 * Math.sin((2 * Math.PI * hz * (i + offset)) / rateHz));
const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

function resampleInChunks(r: Resampler, input: Float32Array, chunkSizes: number[]): Float32Array {
  const parts: Float32Array[] = [];
  for (let at = 0, i = 0; at < input.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    parts.push(r.process(input.subarray(at, at + size)));
    at += size;
  }
  parts.push(r.flush());
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('page resampler', () => {
  it('48 kHz → 24 kHz keeps a 1 kHz tone, every sample accounted for', () => {
    const input = sine(1000, 48_000, 48_000);
    const out = resampleInChunks(new Resampler(48_000, 24_000), input, [960]);
    expect(Math.abs(out.length - 24_000)).toBeLessThanOrEqual(1);
    const expected = sine(1000, 24_000, out.length);
    // Away from the stream's edges, the output is the tone at the new rate, in phase (no added delay).
    for (let i = 100; i < out.length - 100; i++) expect(Math.abs(out[i]! - expected[i]!)).toBeLessThan(0.005);
  });

  it('48 kHz → 24 kHz removes what would alias: a 15 kHz tone comes out 50 dB down', () => {
    const out = resampleInChunks(new Resampler(48_000, 24_000), sine(15_000, 48_000, 48_000), [960]);
    expect(rms(out.subarray(100, -100)) / rms(sine(15_000, 48_000, 48_000))).toBeLessThan(10 ** (-50 / 20));
  });

  it('24 kHz → 44.1 kHz (a non-integer ratio) keeps the tone in phase', () => {
    const out = resampleInChunks(new Resampler(24_000, 44_100), sine(440, 24_000, 24_000), [480]);
    expect(Math.abs(out.length - 44_100)).toBeLessThanOrEqual(1);
    const expected = sine(440, 44_100, out.length);
    for (let i = 200; i < out.length - 200; i++) expect(Math.abs(out[i]! - expected[i]!)).toBeLessThan(0.005);
  });

  it('gives the same samples however the stream is chunked, and starts afresh after a flush', () => {
    const input = sine(700, 44_100, 20_000);
    const r = new Resampler(44_100, 24_000);
    const whole = resampleInChunks(r, input, [input.length]);
    const chunked = resampleInChunks(r, input, [1, 882, 7, 128, 5000]);
    expect(chunked).toEqual(whole);
  });
});
