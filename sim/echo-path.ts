/**
 * A simulated acoustic echo path for tests and benchmarks: what a robot's microphone picks up of its own
 * speaker. The direct sound arrives after `delayMs` (device buffers plus distance) at `gainDb`, followed
 * by a few early reflections and a reverberant tail that decays by 60 dB over `reverbMs` (RT60) — an
 * exponentially decaying noise impulse response, sparse (one tap every `tailTapMs`, at a random offset,
 * random sign and level) so it is cheap enough to run on every 20 ms frame. Seeded: the same options give
 * the same room.
 *
 * @example
 * ```ts
 * const path = createEchoPath({ sampleRateHz: 16_000, delayMs: 80, gainDb: -6, reverbMs: 150, seed: 1 });
 * const echo = path.render(playedFrom(recordingSink), firstSample, 320); // Float32Array, 16-bit scale
 * ```
 */
import type { RecordingSink } from '../adapters/audio/recording-sink.js';

export interface EchoPathOptions {
  sampleRateHz: number;
  /** Speaker to microphone, direct sound. */
  delayMs: number;
  /** Level of the direct sound relative to what played (e.g. -6). */
  gainDb: number;
  /** The reverberant tail after the direct sound decays by 60 dB over this long (RT60). */
  reverbMs: number;
  /**
   * Spacing of the reverberant tail's taps. Why 2.5 ms by default: dense enough to adapt like a room, cheap
   * enough for every 20 ms frame. 0.5 ms makes a noise impulse response dense enough for the long tails of
   * the echo matrix (RT60 up to 600 ms); the tail's energy is the same at any spacing.
   */
  tailTapMs?: number;
  seed?: number;
}

export interface EchoTap {
  /** Delay in samples. */
  lag: number;
  gain: number;
}

export interface EchoPath {
  readonly taps: readonly EchoTap[];
  /** The longest delay in samples. */
  readonly maxLag: number;
  /** Echo in microphone samples `[start, start + n)` of the timeline, from what played (`played(from, count)`). */
  render(played: (from: number, count: number) => Int16Array, start: number, n: number): Float32Array;
}

/** Why 2.5 ms between tail taps: dense enough to sound (and adapt) like a room, sparse enough to be cheap. */
const TAIL_TAP_MS = 2.5;
/** Early reflections (walls, the robot's own body) within this long after the direct sound. */
const EARLY_MS = 20;
const EARLY_TAPS = 6;

export function createEchoPath(options: EchoPathOptions): EchoPath {
  const { sampleRateHz, delayMs, gainDb, reverbMs } = options;
  const samplesIn = (ms: number) => Math.round((ms * sampleRateHz) / 1000);
  // Numerical Recipes LCG: deterministic "random" room geometry.
  let state = ((options.seed ?? 1) * 2654435761 + 1) >>> 0;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x1_0000_0000;
  };
  const direct = 10 ** (gainDb / 20);
  const delay = samplesIn(delayMs);
  const taps: EchoTap[] = [{ lag: delay, gain: direct }];
  for (let i = 0; i < EARLY_TAPS; i++) {
    taps.push({
      lag: delay + samplesIn(2 + random() * (EARLY_MS - 2)),
      gain: direct * (0.25 + 0.35 * random()) * (random() < 0.5 ? -1 : 1),
    });
  }
  const tailTapMs = options.tailTapMs ?? TAIL_TAP_MS;
  // The same energy per ms of tail at any spacing: amplitude scales with the square root of the spacing.
  const spacingGain = Math.sqrt(tailTapMs / TAIL_TAP_MS);
  for (let ms = EARLY_MS; ms < reverbMs; ms += tailTapMs) {
    // -60 dB at reverbMs: amplitude 10^(-3 t / RT60).
    const envelope = 0.3 * direct * spacingGain * 10 ** ((-3 * ms) / reverbMs);
    taps.push({
      lag: delay + samplesIn(ms + random() * tailTapMs),
      gain: envelope * (0.5 + random()) * (random() < 0.5 ? -1 : 1),
    });
  }
  const maxLag = Math.max(...taps.map((t) => t.lag));
  return {
    taps,
    maxLag,
    render(played, start, n) {
      const from = start - maxLag;
      const source = played(from, n + maxLag);
      const out = new Float32Array(n);
      for (const { lag, gain } of taps) {
        const offset = maxLag - lag;
        for (let i = 0; i < n; i++) out[i] = out[i]! + gain * source[offset + i]!;
      }
      return out;
    },
  };
}

/** What a recording sink played, as the `played` function of {@link EchoPath.render} (silence where nothing played). */
export function playedFrom(sink: RecordingSink): (from: number, count: number) => Int16Array {
  const rate = sink.sampleRateHz;
  const sampleAt = (ms: number) => Math.round((ms * rate) / 1000);
  return (from, count) => {
    const out = new Int16Array(count);
    const frames = sink.played;
    // Frames are in play order: find the first that may reach `from`, copy the overlaps from there.
    let lo = 0;
    let hi = frames.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sampleAt(frames[mid]!.atMs) + (frames[mid]!.audio.byteLength >> 1) <= from) lo = mid + 1;
      else hi = mid;
    }
    for (let f = Math.max(0, lo - 1); f < frames.length; f++) {
      const frame = frames[f]!;
      const start = sampleAt(frame.atMs);
      if (start >= from + count) break;
      const samples = new Int16Array(frame.audio.buffer, frame.audio.byteOffset, frame.audio.byteLength >> 1);
      for (let i = Math.max(0, from - start); i < samples.length && start + i < from + count; i++)
        out[start + i - from] = samples[i]!;
    }
    return out;
  };
}
