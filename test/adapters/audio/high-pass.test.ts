/** The high-pass filter removes hum, rumble and DC below the voice and leaves the voice band alone. */
import { describe, expect, it } from 'vitest';
import { createHighPassFilter } from '../../../adapters/audio/high-pass.js';

const RATE = 16_000;
const tone = (hz: number, seconds = 1) =>
  Float32Array.from({ length: RATE * seconds }, (_, i) => 8000 * Math.sin((2 * Math.PI * hz * i) / RATE));
/** Gain in dB of the filter on a steady tone (after the first 100 ms settle), fed in 20 ms chunks. */
function gainDb(hz: number, cutoffHz = 100): number {
  const filter = createHighPassFilter({ sampleRateHz: RATE, cutoffHz });
  const x = tone(hz);
  const y = x.slice();
  for (let at = 0; at < y.length; at += 320) filter.process(y.subarray(at, at + 320));
  const power = (s: Float32Array) => s.subarray(RATE / 10).reduce((n, v) => n + v * v, 0);
  return 10 * Math.log10(power(y) / power(x));
}

describe('high-pass filter', () => {
  it('attenuates 50 Hz mains hum by about 12 dB and 25 Hz rumble by more, at a 100 Hz cutoff', () => {
    expect(gainDb(50)).toBeLessThan(-11);
    expect(gainDb(25)).toBeLessThan(-23);
  });

  it('is 3 dB down at the cutoff and flat in the voice band', () => {
    expect(gainDb(100)).toBeCloseTo(-3, 0);
    for (const hz of [300, 1000, 3000]) expect(Math.abs(gainDb(hz))).toBeLessThan(0.2);
  });

  it('removes a DC offset', () => {
    const filter = createHighPassFilter({ sampleRateHz: RATE, cutoffHz: 100 });
    const dc = new Float32Array(RATE).fill(5000);
    filter.process(dc);
    expect(Math.abs(dc[RATE - 1]!)).toBeLessThan(1);
  });

  it('rejects a cutoff outside (0, Nyquist) naming the setting', () => {
    expect(() => createHighPassFilter({ sampleRateHz: RATE, cutoffHz: 9000 })).toThrow(/audio\.highPassHz/);
    expect(() => createHighPassFilter({ sampleRateHz: RATE, cutoffHz: 0 })).toThrow(/audio\.highPassHz/);
  });
});
