/**
 * A recording framed by its own room instead of digital silence. A microphone in a room never hears
 * zeros: the noise a recording was made in goes on before and after the words. Framing clips with
 * silence makes every clip a room that starts with the word, which nothing a session measures about its
 * room (the noise floor, `audio.noiseSuppression: "auto"`; the lead a stop phrase must stand over) could
 * ever see. So the frame is the clip's own quietest stretch, mirrored back and forth (no jump where
 * copies meet), crossfaded into the clip.
 *
 * The values and their basis:
 * - the quietest 100 ms: the shortest stretch that holds a room's noise and not a word's pieces (a
 *   syllable is ~200 ms);
 * - used only 20 dB or more under the clip's loudest 100 ms: a stretch that loud is a word's tail, not the
 *   room; such clips keep silence;
 * - a 5 ms crossfade: no click where the frame meets the clip.
 *
 * @example
 * ```ts
 * const framed = withRoomTone(clip, 8000, 16_000); // 0.5 s of the clip's room before, 1 s after, at 16 kHz
 * ```
 */

const TONE_MS = 100;
const TONE_UNDER_DB = 20;
const FADE_MS = 5;

/** The clip's quietest `TONE_MS` stretch, or undefined when it is not clearly quieter than the words. */
export function roomToneOf(samples: Int16Array, rateHz: number): Int16Array | undefined {
  const length = (rateHz * TONE_MS) / 1000;
  const hop = length / 10;
  if (samples.length < 2 * length) return undefined;
  let quietest = { at: 0, energy: Infinity };
  let loudest = 0;
  for (let at = 0; at + length <= samples.length; at += hop) {
    let energy = 0;
    for (let i = at; i < at + length; i++) energy += samples[i]! * samples[i]!;
    if (energy < quietest.energy) quietest = { at, energy };
    loudest = Math.max(loudest, energy);
  }
  if (10 * Math.log10(loudest / Math.max(quietest.energy, 1)) < TONE_UNDER_DB) return undefined;
  return samples.subarray(quietest.at, quietest.at + length);
}

/** `count` samples of `tone` mirrored back and forth: forward, backward, forward… */
function mirrored(tone: Int16Array, count: number): Int16Array {
  const out = new Int16Array(count);
  const n = tone.length;
  for (let i = 0; i < count; i++) {
    const lap = Math.floor(i / n);
    const k = i % n;
    out[i] = tone[lap % 2 === 0 ? k : n - 1 - k]!;
  }
  return out;
}

/** `samples` with `beforeSamples` of silence before and `afterSamples` after. */
export function withSilence(samples: Int16Array, beforeSamples: number, afterSamples: number): Int16Array {
  const out = new Int16Array(beforeSamples + samples.length + afterSamples);
  out.set(samples, beforeSamples);
  return out;
}

/**
 * `samples` with `beforeSamples` of its room tone before and `afterSamples` after (silence where the clip
 * has no stretch quiet enough). The clip starts at `beforeSamples`, as with silence.
 */
export function withRoomTone(
  samples: Int16Array,
  beforeSamples: number,
  afterSamples: number,
  rateHz: number,
): Int16Array {
  const out = withSilence(samples, beforeSamples, afterSamples);
  const tone = roomToneOf(samples, rateHz);
  if (!tone) return out;
  const fade = Math.min((rateHz * FADE_MS) / 1000, Math.floor(samples.length / 2));
  const before = mirrored(tone, beforeSamples + fade);
  const after = mirrored(tone, afterSamples + fade);
  out.set(before.subarray(0, beforeSamples));
  out.set(after.subarray(fade), beforeSamples + samples.length);
  for (let i = 0; i < fade; i++) {
    const w = (i + 0.5) / fade;
    // Into the clip: the room fades out over the clip's first samples; out of it, in over its last.
    out[beforeSamples + i] = Math.round(samples[i]! * w + before[beforeSamples + i]! * (1 - w));
    const j = samples.length - fade + i;
    out[beforeSamples + j] = Math.round(samples[j]! * (1 - w) + after[i]! * w);
  }
  return out;
}
