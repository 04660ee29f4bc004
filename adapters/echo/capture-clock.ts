/**
 * When were these microphone samples captured, on the session clock? The echo canceller needs the
 * answer to the sample, but frames only say when they arrived, and arrival jitters (a network hop, a
 * busy event loop). So samples are counted: a stream's samples are contiguous, and its timeline moves
 * only when the count provably disagrees with the clock —
 *
 * - a frame that arrives earlier than the count places it: the count was late, move it back at once
 *   (nothing arrives before it was captured);
 * - a frame that arrives more than `resyncMs` later than the count: the stream paused (a muted device,
 *   a stall), start over at the arrival;
 * - frames that arrive consistently later than the count by more than `toleranceMs` over a whole
 *   `windowMs`: the device's clock runs slower than the session's, move forward by the smallest lag seen.
 *
 * Sample `i` of the timeline was captured at `i × 1000 / sampleRateHz` ms, the same timeline as
 * `reference.ts` uses for what was played.
 *
 * @example
 * ```ts
 * const capture = createCaptureClock({ sampleRateHz: 16_000 });
 * const first = capture.place(320, clock.now()); // timeline index of the frame's first sample
 * ```
 */
import { ECHO_TUNING, valuesOf } from './tuning.js';

const { RESYNC_MS, TOLERANCE_MS, WINDOW_MS } = valuesOf(ECHO_TUNING.captureClock);

/** The clock's options; each default is in `ECHO_TUNING.captureClock` (tuning.ts), with why it has that value. */
export interface CaptureClockOptions {
  sampleRateHz: number;
  /** A frame this much later than the count starts the timeline over at its arrival (`RESYNC_MS`). */
  resyncMs?: number;
  /** A steady lag up to this is left alone (`TOLERANCE_MS`). */
  toleranceMs?: number;
  /** The span over which a steady lag is measured (`WINDOW_MS`). */
  windowMs?: number;
}

export interface CaptureClock {
  /** `samples` samples arrived at `atMs` (the last one captured no later than that); returns the index of the first. */
  place(samples: number, atMs: number): number;
}

export function createCaptureClock(options: CaptureClockOptions): CaptureClock {
  const { sampleRateHz } = options;
  const toSamples = (ms: number) => Math.round((ms * sampleRateHz) / 1000);
  const resync = toSamples(options.resyncMs ?? RESYNC_MS);
  const tolerance = toSamples(options.toleranceMs ?? TOLERANCE_MS);
  const window = toSamples(options.windowMs ?? WINDOW_MS);
  let next: number | undefined;
  let windowSamples = 0;
  let windowMinLag = Number.POSITIVE_INFINITY;
  return {
    place(samples, atMs) {
      const arrivalEnd = toSamples(atMs);
      next ??= arrivalEnd - samples;
      const lag = arrivalEnd - (next + samples);
      if (lag < 0 || lag > resync) {
        next += lag;
        windowSamples = 0;
        windowMinLag = Number.POSITIVE_INFINITY;
      } else {
        windowMinLag = Math.min(windowMinLag, lag);
        windowSamples += samples;
        if (windowSamples >= window) {
          if (windowMinLag > tolerance) next += windowMinLag;
          windowSamples = 0;
          windowMinLag = Number.POSITIVE_INFINITY;
        }
      }
      const first = next;
      next += samples;
      return first;
    },
  };
}
