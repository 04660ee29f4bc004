/**
 * The FFT behind the echo step's waveform correlations: a round trip gives the signal back, and the
 * refinement's correlations through it are those of the direct sum at every lag.
 */
import { describe, expect, it } from 'vitest';
import { refineEchoDelay } from '../../../adapters/echo/delay-refine.js';
import { fft, powerOfTwoAtLeast } from '../../../adapters/echo/fft.js';
import { lcg } from '../../support/speech-like.js';

describe('fft', () => {
  it('transforms an impulse to a flat spectrum and back (the inverse unscaled)', () => {
    const re = new Float64Array(16);
    const im = new Float64Array(16);
    re[3] = 1;
    fft(re, im);
    for (let k = 0; k < 16; k++) expect(Math.hypot(re[k]!, im[k]!)).toBeCloseTo(1, 12);
    fft(re, im, true);
    expect(Array.from(re, (x) => Math.round(x / 16) + 0)).toEqual(
      Array.from({ length: 16 }, (_, i) => (i === 3 ? 1 : 0)),
    );
    expect(powerOfTwoAtLeast(1000)).toBe(1024);
  });

  it('gives the refinement the same peak as the direct correlation at every lag', () => {
    const random = lcg(5);
    const reference = Int16Array.from({ length: 8000 }, () => Math.round((random() * 2 - 1) * 4000));
    // The microphone: the reference 2000.5 samples late (between two), halved, with noise.
    const micEnd = 7000;
    const mic = Int16Array.from({ length: 1600 }, (_, i) => {
      const at = micEnd - 1600 + i - 2000;
      return Math.round(0.25 * (reference[at]! + reference[at + 1]!) + (random() * 2 - 1) * 500);
    });
    const read = (start: number, out: Int16Array) =>
      out.set(Int16Array.from({ length: out.length }, (_, i) => reference[start + i] ?? 0));
    const found = refineEchoDelay({ mic, micEnd, reference: { read }, coarse: 2010, radius: 40, minCorrelation: 0 })!;
    // The direct sums, lag by lag (pre-whitened: first differences).
    const diff = (x: ArrayLike<number>) => Array.from({ length: x.length - 1 }, (_, i) => x[i + 1]! - x[i]!);
    const dMic = diff(mic);
    let best = { samples: -1, correlation: -2 };
    for (let lag = 1970; lag <= 2050; lag++) {
      const dRef = diff(Array.from({ length: mic.length }, (_, i) => reference[micEnd - mic.length + i - lag] ?? 0));
      const dot = dMic.reduce((sum, m, i) => sum + m * dRef[i]!, 0);
      const power = (v: number[]) => v.reduce((sum, x) => sum + x * x, 0);
      const correlation = dot / Math.sqrt(power(dMic) * power(dRef));
      if (correlation > best.correlation) best = { samples: lag, correlation };
    }
    expect(found.samples).toBe(best.samples);
    expect(found.correlation).toBeCloseTo(best.correlation, 9);
    expect([2000, 2001]).toContain(found.samples);
  });
});
