/**
 * Comfort noise for the echo suppressor: a block of the room's own noise floor, recorded while the agent
 * was silent, replayed at a pseudo-random offset and polarity. Never silence, nor the echo turned down: a
 * VAD that hears digital silence lowers its noise model, and the room's noise coming back then sounds like
 * speech to it; an attenuated echo keeps the shape of speech.
 *
 * @example
 * ```ts
 * const comfort = createComfortNoise(320);
 * comfort.record(quietBlock); // a block at the room's noise floor
 * comfort.crossfade(out, 1, 0, out.length); // `out` faded into the room's noise over the block
 * ```
 */
export interface ComfortNoise {
  /** A block of the room's noise floor (copied): what later replaces the echo. */
  record(block: Int16Array): void;
  /**
   * Fades `out` in place from gain `from` to gain `to` over its first `rampSamples` (then `to`), filling
   * what is taken away with the room's noise.
   */
  crossfade(out: Int16Array, from: number, to: number, rampSamples: number): void;
}

export function createComfortNoise(blockSamples: number): ComfortNoise {
  const noise = new Int16Array(blockSamples);
  const comfort = new Int16Array(blockSamples);
  // Numerical Recipes LCG for the offset and polarity: no Math.random, runs repeat.
  let seed = 1;
  const fill = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const offset = seed % blockSamples;
    const sign = seed & 0x8000 ? 1 : -1;
    for (let i = 0; i < blockSamples; i++) comfort[i] = sign * noise[(i + offset) % blockSamples]!;
    return comfort;
  };
  return {
    record: (block) => noise.set(block),
    crossfade(out, from, to, rampSamples) {
      const filler = fill();
      const step = (to - from) / rampSamples;
      for (let i = 0; i < out.length; i++) {
        const g = i < rampSamples ? from + step * (i + 1) : to;
        out[i] = Math.round(out[i]! * g + filler[i]! * (1 - g));
      }
    },
  };
}
