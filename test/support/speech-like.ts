/**
 * Synthetic speech for the echo step's unit tests: seeded noise in syllables with pauses, the same
 * signal every run, so an echo path and an estimator can be checked against a known delay.
 */

/** Numerical Recipes LCG, seeded: the same numbers every run. */
export function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

/**
 * `seconds` of speech-like audio at 16 kHz: syllables of 60–250 ms at random levels, 30–200 ms gaps; each
 * syllable swells and fades, or (`abrupt`) starts at full level and decays, as a plosive's onset does.
 */
export function speechLike(seconds: number, seed: number, abrupt = false): Int16Array {
  const rateHz = 16_000;
  const random = lcg(seed);
  const out = new Int16Array(Math.round(seconds * rateHz));
  let at = 0;
  while (at < out.length) {
    const length = Math.round((0.06 + 0.19 * random()) * rateHz);
    const level = 2000 + 8000 * random();
    for (let i = 0; i < length && at + i < out.length; i++) {
      const shape = abrupt ? Math.exp(-i / (0.4 * length)) : Math.sin((Math.PI * i) / length);
      out[at + i] = Math.round((random() * 2 - 1) * level * shape);
    }
    at += length + Math.round((0.03 + 0.17 * random()) * rateHz);
  }
  return out;
}

/**
 * `samples` of seeded white noise under a slow syllable-rate envelope (peaks of ±8000): a far end that never pauses.
 */
export function envelopedNoise(samples: number, seed: number): Int16Array {
  const random = lcg(seed);
  return Int16Array.from({ length: samples }, (_, i) =>
    Math.round((random() * 2 - 1) * 8000 * (0.55 + 0.45 * Math.sin(i / 1500))),
  );
}

/** Mean square of a block's samples. */
export const energyOf = (block: Int16Array) => block.reduce((sum, x) => sum + x * x, 0) / block.length;
