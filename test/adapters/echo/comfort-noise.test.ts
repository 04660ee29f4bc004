/**
 * Comfort noise: what the suppressor takes away is filled with the room's recorded noise, at its level and
 * never the same samples in place (an offset and a polarity that change), and a fade keeps its endpoints.
 */
import { describe, expect, it } from 'vitest';
import { createComfortNoise } from '../../../adapters/echo/comfort-noise.js';

const BLOCK = 320;
const energy = (x: Int16Array) => x.reduce((n, v) => n + v * v, 0) / x.length;

describe('comfort noise', () => {
  it('replaces a block by the recorded room noise, at its level, shifted and not repeated in place', () => {
    const comfort = createComfortNoise(BLOCK);
    const room = Int16Array.from({ length: BLOCK }, (_, i) =>
      Math.round(100 * Math.sin(i * 1.7) + 50 * Math.cos(i * 0.3)),
    );
    comfort.record(room);
    const outs = [0, 1, 2].map(() => {
      const out = Int16Array.from({ length: BLOCK }, () => 10_000);
      comfort.crossfade(out, 0, 0, BLOCK);
      return out;
    });
    for (const out of outs) expect(energy(out)).toBeCloseTo(energy(room), 0);
    expect(outs[0]).not.toEqual(room);
    expect(outs[0]).not.toEqual(outs[1]);
    expect(outs[1]).not.toEqual(outs[2]);
  });

  it('fades from the signal to the noise over the ramp, and holds the end gain after it', () => {
    const comfort = createComfortNoise(BLOCK);
    const out = Int16Array.from({ length: BLOCK }, () => 1000);
    comfort.crossfade(out, 1, 0, BLOCK / 2);
    // Nothing recorded: the noise is silence, so the fade is the signal's gain itself.
    expect(out[0]).toBe(Math.round(1000 * (1 - 2 / BLOCK)));
    expect(Array.from(out.subarray(BLOCK / 2 - 1))).toEqual(new Array(BLOCK / 2 + 1).fill(0));
  });
});
