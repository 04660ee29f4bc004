/**
 * An utterance as the VAD would hand it to a recognizer: the segmenter's prefix before the speech and its
 * hangover after it, over a quiet room's noise floor (a real microphone never gives digital zero). The
 * noise is a fixed pseudo-random sequence, so every run of a corpus decodes the same audio.
 *
 * @example
 * ```ts
 * const heard = await decode(stt, asVadUtterance(clip.samples), clip.speaker);
 * ```
 */

/** The VAD segmenter's defaults: audio kept before the detected start, and silence after the speech. */
const PREFIX_MS = 200;
const HANGOVER_MS = 600;
/** Why -70 dBFS: a quiet room through a real microphone; a digital-zero floor is not what a decoder hears. */
const NOISE_FLOOR_DBFS = -70;

let seed = 1;
/** A deterministic pseudo-random noise sample (sum of three uniforms: roughly Gaussian). */
function noiseSample(rms: number): number {
  let sum = 0;
  for (let i = 0; i < 3; i++) sum += (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648 - 0.5;
  return sum * 2 * rms;
}

/** The utterance as the VAD would pass it: prefix, speech, hangover, over the noise floor (at `rateHz`). */
export function asVadUtterance(samples: Int16Array, rateHz = 16_000): Int16Array {
  const before = (PREFIX_MS * rateHz) / 1000;
  const out = new Int16Array(before + samples.length + (HANGOVER_MS * rateHz) / 1000);
  const rms = 32_768 * 10 ** (NOISE_FLOOR_DBFS / 20);
  for (let i = 0; i < out.length; i++)
    out[i] = Math.max(-32_768, Math.min(32_767, Math.round(noiseSample(rms) + (samples[i - before] ?? 0))));
  return out;
}
