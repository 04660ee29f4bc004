/**
 * A microphone's noise floor under the audio a recognizer decodes. pocketsphinx's front end takes the
 * log of each frame's energy and normalizes the cepstra by their running mean: a stretch of digital
 * zeros (synthesized speech, a muted or gated input, a client that pads with silence) gives frames no
 * real microphone gives, and they skew both. eSpeak's "what time is it" between digital zeros was
 * transcribed exactly but at confidence 0.07–0.28 (the phone loop heard "L UH AA Y"); over a floor,
 * 0.54–0.60. Adding a floor to real microphone audio changes nothing a decoder hears: real floors are
 * far above it.
 *
 * @example
 * ```ts
 * const floor = createNoiseFloor();
 * const heard = floor.add(samples); // a copy, with the floor added; the same input gives the same output per stream
 * ```
 */

/**
 * Why -70 dBFS: the floor of a quiet room through a real microphone, and the level every grammar bench
 * voice was decoded over (the recognizer's tuning was chosen there); a real input's own floor is higher
 * (the recordings of real people: -75 to -40 dBFS, median about -65), so this one is lost under it.
 */
export const NOISE_FLOOR_DBFS = -70;

export interface NoiseFloor {
  /** `samples` with the floor added (a new array). */
  add(samples: Int16Array): Int16Array;
}

/** A deterministic floor (seeded per stream, so a decode does not depend on what was decoded before). */
export function createNoiseFloor(dbfs = NOISE_FLOOR_DBFS): NoiseFloor {
  const rms = 32_768 * 10 ** (dbfs / 20);
  let seed = 1;
  // A sum of three uniforms: roughly Gaussian, cheap.
  const sample = () => {
    let sum = 0;
    for (let i = 0; i < 3; i++) sum += (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648 - 0.5;
    return sum * 2 * rms;
  };
  return {
    add(samples) {
      const out = new Int16Array(samples.length);
      for (let i = 0; i < samples.length; i++)
        out[i] = Math.max(-32_768, Math.min(32_767, Math.round(samples[i]! + sample())));
      return out;
    },
  };
}
