/**
 * Whether a stretch of audio holds a voiced sound: every spoken phrase has a vowel, and a vowel repeats at
 * the voice's pitch; noise (a fan, a bike, white noise, a door) does not. A keyword search scores phones,
 * not physics, so steady noise after a silence can align as "stop" (its /s/ is noise too); this check is
 * what a phrase must also show before it stops the robot.
 *
 * The measure is the classic one: the normalized autocorrelation of 30 ms windows, every 10 ms, at the lags
 * of a 70–400 Hz pitch; a window is voiced when its best lag reaches 0.45. Neither figure was fitted here:
 * 0.45 is Praat's default voicing threshold, 70–400 Hz spans adult and children's speaking pitch.
 *
 * @example
 * ```ts
 * hasVoicedMs(samples, 16_000, 20); // true for "stop", false for −30 dBFS white noise
 * ```
 */
import { SPOTTER_TUNING, valuesOf } from './tuning.js';

const { VOICED_CORRELATION, LOWEST_PITCH_HZ, HIGHEST_PITCH_HZ, WINDOW_MS, HOP_MS } = valuesOf(SPOTTER_TUNING.voicing);
/** Why −55 dBFS: a window this quiet is a pause, skipped without the search (it cannot be a vowel at a microphone). */
const SILENT_LEVEL = 32_768 * 10 ** (-55 / 20);

/**
 * Whether `samples` hold at least `minMs` of voiced windows. Scanned from the end, where a phrase just
 * spotted has its last vowel, and stopped as soon as enough is found: a real phrase costs a few windows.
 */
export function hasVoicedMs(samples: Int16Array, sampleRateHz: number, minMs: number): boolean {
  const needed = Math.max(1, Math.ceil(minMs / HOP_MS));
  const window = Math.round((sampleRateHz * WINDOW_MS) / 1000);
  const hop = Math.round((sampleRateHz * HOP_MS) / 1000);
  const minLag = Math.floor(sampleRateHz / HIGHEST_PITCH_HZ);
  const maxLag = Math.ceil(sampleRateHz / LOWEST_PITCH_HZ);
  let found = 0;
  for (let at = samples.length - window - maxLag; at >= 0; at -= hop) {
    if (isVoiced(samples, at, window, minLag, maxLag) && ++found >= needed) return true;
  }
  return false;
}

/** A stream's voicing so far, frame by frame: {@link hasVoicedMs}'s measure, over the frames as they come. */
export interface VoicingTracker {
  /** The next samples of the stream; whether the stream has held `minMs` of voiced windows yet. */
  push(samples: Int16Array): boolean;
  readonly voiced: boolean;
}

/**
 * Tracks whether a stream has held `minMs` of voiced windows yet. Free once it has: a spoken utterance
 * has, at its first vowel; only a voiceless stream (noise) is scanned to its end.
 *
 * @example
 * ```ts
 * const voicing = trackVoicing(16_000, 20);
 * voicing.push(frame); // false until 20 ms of windows at a pitch lag, then true
 * ```
 */
export function trackVoicing(sampleRateHz: number, minMs: number): VoicingTracker {
  const needed = Math.max(1, Math.ceil(minMs / HOP_MS));
  const window = Math.round((sampleRateHz * WINDOW_MS) / 1000);
  const hop = Math.round((sampleRateHz * HOP_MS) / 1000);
  const minLag = Math.floor(sampleRateHz / HIGHEST_PITCH_HZ);
  const maxLag = Math.ceil(sampleRateHz / LOWEST_PITCH_HZ);
  /** The samples from the next window's start on (a window and its lags reach past it). */
  let pending = new Int16Array(0);
  let found = 0;
  return {
    get voiced() {
      return found >= needed;
    },
    push(samples) {
      if (found >= needed) return true;
      const x = new Int16Array(pending.length + samples.length);
      x.set(pending);
      x.set(samples, pending.length);
      let at = 0;
      for (; at + window + maxLag <= x.length; at += hop) {
        if (isVoiced(x, at, window, minLag, maxLag) && ++found >= needed) {
          pending = new Int16Array(0);
          return true;
        }
      }
      pending = x.slice(at);
      return false;
    },
  };
}

function isVoiced(x: Int16Array, at: number, window: number, minLag: number, maxLag: number): boolean {
  const energy = energyAt(x, at, window);
  if (Math.sqrt(energy / window) < SILENT_LEVEL) return false;
  // The lagged window's energy, slid along instead of summed again for every lag.
  let lagged = energyAt(x, at + minLag, window);
  for (let lag = minLag; lag <= maxLag; lag++) {
    const product = laggedProduct(x, at, window, lag);
    if (product > 0 && product >= VOICED_CORRELATION * Math.sqrt(energy * lagged)) return true;
    if (lag === maxLag) break;
    const leaving = x[at + lag]!;
    const entering = x[at + lag + window]!;
    lagged += entering * entering - leaving * leaving;
  }
  return false;
}

/** The energy of the `window` samples from `at`. */
function energyAt(x: Int16Array, at: number, window: number): number {
  let energy = 0;
  for (let n = at; n < at + window; n++) energy += x[n]! * x[n]!;
  return energy;
}

/** The window from `at` times itself `lag` samples later, sample by sample, summed. */
function laggedProduct(x: Int16Array, at: number, window: number, lag: number): number {
  let product = 0;
  for (let n = at; n < at + window; n++) product += x[n]! * x[n + lag]!;
  return product;
}
