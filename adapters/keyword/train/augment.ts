/**
 * What happens to a voice between a mouth and a robot's microphone, applied to clean synthetic speech
 * so a head learns the phrase rather than the synthesizer: speed, reverberation, background (real
 * recordings' rooms and voices, or generated noise) at a chosen SNR, and level. All seeded.
 *
 * @example
 * ```ts
 * const heard = augment(clean, { rng, backgrounds, leadSamples: 8000 });
 * ```
 */
import type { Random } from './random.js';

/** Samples of a clip in 16-bit scale. */
export type Samples = Float32Array;

export interface AugmentOptions {
  rng: Random;
  /** Real recordings (16 kHz) to take background from: their room tone and other people's speech. */
  backgrounds: readonly Int16Array[];
  /** Audio before the speech (samples): the head must not fire on it. */
  leadSamples: number;
  /** Audio after the speech (samples). */
  tailSamples: number;
  /** `clean` is silence: the background alone, at a room's level. */
  noiseOnly?: boolean;
}

export interface Augmented {
  samples: Int16Array;
  /** Where the speech (as loud as its quietest phone) starts and ends in `samples`. */
  speechStart: number;
  speechEnd: number;
}

/** Where `clean` is louder than 40 dB under its peak: the speech in a synthesizer's output. */
export function speechSpan(clean: ArrayLike<number>): { start: number; end: number } {
  const frame = 160;
  const energies: number[] = [];
  for (let at = 0; at + frame <= clean.length; at += frame) {
    let sum = 0;
    for (let i = at; i < at + frame; i++) sum += clean[i]! * clean[i]!;
    energies.push(sum / frame);
  }
  const floor = Math.max(...energies, 1e-9) * 1e-4;
  const first = energies.findIndex((e) => e > floor);
  const last = energies.length - 1 - [...energies].reverse().findIndex((e) => e > floor);
  return { start: Math.max(0, first) * frame, end: Math.min(clean.length, (last + 1) * frame) };
}

function rms(x: ArrayLike<number>, from = 0, to = x.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += x[i]! * x[i]!;
  return Math.sqrt(sum / Math.max(1, to - from));
}

/** Plays `x` `factor` times faster (linear interpolation): a quicker or slower speaker. */
function changeSpeed(x: Samples, factor: number): Samples {
  const out = new Float32Array(Math.floor(x.length / factor));
  for (let n = 0; n < out.length; n++) {
    const at = n * factor;
    const i = Math.floor(at);
    const frac = at - i;
    out[n] = (x[i] ?? 0) * (1 - frac) + (x[i + 1] ?? 0) * frac;
  }
  return out;
}

/**
 * A room's reverberation as 240 reflections with exponentially falling level (RT60 0.15–0.7 s): a
 * sparse impulse response costs a few million multiplications a clip, a dense one hundreds of millions.
 */
function reverberate(x: Samples, rng: Random): Samples {
  const rt60 = rng.between(0.15, 0.7) * 16_000;
  const taps = Array.from({ length: 240 }, () => {
    const delay = Math.floor(rng.between(40, rt60));
    return { delay, gain: rng.normal() * 0.35 * 10 ** ((-3 * delay) / rt60) };
  });
  const out = new Float32Array(x.length + Math.ceil(rt60));
  out.set(x);
  for (const { delay, gain } of taps)
    for (let n = 0; n < x.length; n++) out[n + delay] = out[n + delay]! + gain * x[n]!;
  return out;
}

type NoiseKind = 'recording' | 'white' | 'pink' | 'brown';
const NOISE_KINDS: readonly NoiseKind[] = ['recording', 'recording', 'white', 'pink', 'brown'];

/** `length` samples of background (unit RMS). */
function background(length: number, kind: NoiseKind, options: AugmentOptions): Samples {
  const { rng } = options;
  const out = new Float32Array(length);
  if (kind === 'recording' && options.backgrounds.length > 0) {
    const source = rng.pick(options.backgrounds);
    const offset = rng.below(Math.max(1, source.length));
    for (let n = 0; n < length; n++) out[n] = source[(offset + n) % source.length]!;
  } else {
    const state = { pink: new Float64Array(3), brown: 0 };
    for (let n = 0; n < length; n++) {
      const white = rng.normal();
      if (kind === 'brown') out[n] = state.brown = 0.98 * state.brown + 0.2 * white;
      else if (kind === 'pink') {
        // Paul Kellet's economy pink filter.
        state.pink[0] = 0.99765 * state.pink[0]! + white * 0.099046;
        state.pink[1] = 0.963 * state.pink[1]! + white * 0.2965164;
        state.pink[2] = 0.57 * state.pink[2]! + white * 1.0526913;
        out[n] = state.pink[0]! + state.pink[1]! + state.pink[2]! + white * 0.1848;
      } else out[n] = white;
    }
  }
  const level = rms(out) || 1;
  return out.map((v) => v / level);
}

/** `clean` (a synthesizer's output, 16-bit scale) as a microphone might hear it, with lead and tail. */
export function augment(clean: ArrayLike<number>, options: AugmentOptions): Augmented {
  const { rng } = options;
  if (options.noiseOnly) {
    const noise = background(clean.length, rng.pick(NOISE_KINDS), options);
    const gain = 32_768 * 10 ** (rng.between(-60, -25) / 20);
    return {
      samples: Int16Array.from(noise, (v) => Math.max(-32_768, Math.min(32_767, Math.round(v * gain)))),
      speechStart: 0,
      speechEnd: 0,
    };
  }
  const span = speechSpan(clean);
  const trimmed = Float32Array.from({ length: span.end - span.start }, (_, i) => clean[span.start + i]!);
  const factor = rng.between(0.85, 1.18);
  const fast = changeSpeed(trimmed, factor);
  const speechLength = fast.length;
  const wet = rng.next() < 0.5 ? reverberate(fast, rng) : fast;
  const total = options.leadSamples + wet.length + options.tailSamples;
  const mix = new Float32Array(total);
  mix.set(wet, options.leadSamples);
  const speechLevel = rms(fast) || 1;
  const snrDb = rng.next() < 0.8 ? rng.between(0, 25) : 40;
  const noise = background(total, rng.pick(NOISE_KINDS), options);
  const noiseLevel = speechLevel * 10 ** (-snrDb / 20);
  for (let n = 0; n < total; n++) mix[n] = mix[n]! + noise[n]! * noiseLevel;
  // Level: speech at −40 to −8 dBFS RMS, a distant talker to one at the microphone; clipped as a converter clips.
  const gain = (32_768 * 10 ** (rng.between(-40, -8) / 20)) / speechLevel;
  const samples = Int16Array.from(mix, (v) => Math.max(-32_768, Math.min(32_767, Math.round(v * gain))));
  return { samples, speechStart: options.leadSamples, speechEnd: options.leadSamples + speechLength };
}
