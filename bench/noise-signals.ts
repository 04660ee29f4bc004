/**
 * Generated background noise for the noise benchmark, seeded so every run hears the same noise:
 *
 * - `white`: flat spectrum (electronic hiss, the worst case for an energy detector);
 * - `pink`: -3 dB per octave (Voss-McCartney), the spectrum of many rooms and of rain or wind;
 * - `babble`: a cafeteria of several local voices (flite and eSpeak) talking at once, each starting at
 *   its own offset — speech itself, so a VAD that starts on it is not wrong, only unhelpful;
 * - `fan`: a motor or ventilation fan: a blade-pass hum at 100 Hz with harmonics, mains hum at 50 Hz,
 *   and air noise below ~500 Hz, slowly modulated.
 *
 * Every generator returns 16 kHz samples (float, 16-bit scale) normalized to a mean power of -30 dBFS;
 * mix them at the level a scenario needs with `atLevel`.
 */
import { atLevel, CORPUS_RATE_HZ, speak, type Voice } from './speech-corpus.js';

export type NoiseKind = 'white' | 'pink' | 'babble' | 'fan';
export const NOISE_KINDS: readonly NoiseKind[] = ['white', 'pink', 'babble', 'fan'];
const REFERENCE_DBFS = -30;

/** Numerical Recipes LCG, uniform in [-1, 1). */
function uniform(seed: number): () => number {
  let state = (seed * 2654435761 + 1) >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 0x1_0000_0000) * 2 - 1;
  };
}

export function whiteNoise(samples: number, seed = 1): Float32Array {
  const next = uniform(seed);
  return atLevel(Float32Array.from({ length: samples }, next), REFERENCE_DBFS);
}

/** Voss-McCartney: 16 random rows, row k updated every 2^k samples; their sum is ≈ 1/f. */
export function pinkNoise(samples: number, seed = 2): Float32Array {
  const next = uniform(seed);
  const rows = new Float64Array(16).map(() => next());
  let sum = rows.reduce((a, b) => a + b, 0);
  const out = new Float32Array(samples);
  for (let n = 0; n < samples; n++) {
    // The row to update is the number of trailing zeros of n: row k changes every 2^k samples.
    const k = n === 0 ? 0 : Math.min(15, 31 - Math.clz32(n & -n));
    sum -= rows[k]!;
    rows[k] = next();
    sum += rows[k]!;
    out[n] = sum + next();
  }
  return atLevel(out, REFERENCE_DBFS);
}

export function fanNoise(samples: number, seed = 3): Float32Array {
  const next = uniform(seed);
  const out = new Float32Array(samples);
  let low = 0;
  let lower = 0;
  for (let n = 0; n < samples; n++) {
    const t = n / CORPUS_RATE_HZ;
    // Air noise: white noise through two one-pole low-passes (≈ 500 Hz), modulated by the blades' 0.7 Hz wobble.
    low += 0.18 * (next() - low);
    lower += 0.18 * (low - lower);
    const wobble = 1 + 0.3 * Math.sin(2 * Math.PI * 0.7 * t);
    let hum = 0;
    for (let h = 1; h <= 6; h++) hum += Math.sin(2 * Math.PI * 100 * h * t + h) / h;
    out[n] = 6 * lower * wobble + 0.35 * hum + 0.25 * Math.sin(2 * Math.PI * 50 * t);
  }
  return atLevel(out, REFERENCE_DBFS);
}

/**
 * Sentences for the babble: ordinary talk, nothing from the robot's grammar. Short ones: flite's WASI
 * build crashes the process now and then on long sentences with its larger voices (see docs/audio-input.md).
 */
const BABBLE_TEXT = [
  'I think the meeting moved to Thursday.',
  'Nobody told the people downstairs.',
  'She said the soup was cold.',
  'They ordered the pasta instead.',
  'The tickets cost so much this year.',
  'We should paint the fence next weekend.',
  'My brother finally fixed his bicycle.',
  'The library closes early on Fridays.',
  'They found a little cat behind the bakery.',
  'Honestly the second movie was better.',
];

/** Several voices talking at once, each through the sentences from its own starting point and offset. */
export async function babbleNoise(
  samples: number,
  voices: readonly Voice[],
  talkers = 6,
  seed = 4,
): Promise<Float32Array> {
  const next = uniform(seed);
  const out = new Float32Array(samples);
  for (let k = 0; k < talkers; k++) {
    const voice = voices[k % voices.length]!;
    let at = Math.floor(((next() + 1) / 2) * CORPUS_RATE_HZ);
    for (let s = k; at < samples; s++) {
      const sentence = await speak(voice, BABBLE_TEXT[s % BABBLE_TEXT.length]!);
      const level = atLevel(sentence, REFERENCE_DBFS + 3 * next());
      for (let i = 0; i < level.length && at + i < samples; i++) out[at + i] = out[at + i]! + level[i]!;
      // A short breath between sentences.
      at += level.length + Math.floor(((next() + 1) / 2) * 0.4 * CORPUS_RATE_HZ);
    }
  }
  return atLevel(out, REFERENCE_DBFS);
}

export async function makeNoise(kind: NoiseKind, samples: number, voices: readonly Voice[]): Promise<Float32Array> {
  if (kind === 'white') return whiteNoise(samples);
  if (kind === 'pink') return pinkNoise(samples);
  if (kind === 'fan') return fanNoise(samples);
  return babbleNoise(samples, voices);
}
