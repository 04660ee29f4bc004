/**
 * The input conditioner's echo step on WebRTC's audio processing (`audio.echoCanceller: "webrtc"`): the
 * same {@link EchoStage} as the built-in one (`stage.ts`), with the library doing the work the
 * built-in stack does by hand — learning the room, following a moved delay within its range, and the
 * residual echo's suppression while the filter learns (its non-linear processor).
 *
 *   microphone ─► capture clock ─► 10 ms frames ─► delay estimator (coarse) ─┐
 *   reference (what played) ─► read at frame − aligned delay ─► WebRTC AEC (delay agnostic) ─► out
 *
 * WebRTC's own delay estimator searches about half a second; a robot's playback-to-microphone delay can be
 * 1.4 s. So the stage's envelope estimator (`delay.ts`) aligns the reference coarsely, leaving
 * {@link LEAD_MS} for WebRTC's estimator to find the rest, and the delay's moves past its range. Without
 * delay estimation (`live`, which aligns on the delay the sound server reports) the reference is read at
 * the microphone's own time.
 *
 * @example
 * ```ts
 * const stage = createWebRtcEchoStage({ sampleRateHz: 16_000, reference });
 * const { audio } = stage.process(micSamples, clock.now()); // whole 20 ms blocks; a partial one waits
 * stage.close();
 * ```
 */
import { allocBytes } from '../../bus/byte-copy.js';
import { createBlockFramer } from './block-framer.js';
import { createCaptureClock } from './capture-clock.js';
import { createEchoDelayEstimator, type EchoDelayEstimator } from './delay.js';
import type { EchoReference } from './reference.js';
import type { EchoStage } from './stage.js';
import { createWebRtcEchoCanceller, type WebRtcEchoCanceller, type WebRtcEchoCancellerOptions } from './webrtc-apm.js';
import { ECHO_TUNING, valuesOf } from './tuning.js';

export interface WebRtcEchoStageOptions {
  sampleRateHz: number;
  /** What the session's sink played, on the session clock, at `sampleRateHz`. */
  reference: EchoReference;
  /** Estimate the echo delay and align the reference on it first (default true). */
  delayEstimation?: boolean;
  /** Longest delay searched, ms. Why 1.6 s: robots report up to 1.4 s between playback and microphone. */
  maxDelayMs?: number;
  /**
   * Why 20 ms: the pipeline's frame, so a microphone frame passes without waiting (two of the library's 10 ms frames).
   */
  blockMs?: number;
  /** The library's settings (AEC or AECM, suppression level, noise suppression, high-pass). */
  apm?: Omit<WebRtcEchoCancellerOptions, 'sampleRateHz' | 'blockSamples' | 'streamDelayMs'>;
}

const { LEAD_MS, REALIGN_MS } = valuesOf(ECHO_TUNING.webrtcStage);

export function createWebRtcEchoStage(
  options: WebRtcEchoStageOptions,
): EchoStage & { canceller(): WebRtcEchoCanceller | undefined } {
  const { sampleRateHz, reference } = options;
  const blockSamples = Math.round(((options.blockMs ?? 20) * sampleRateHz) / 1000);
  const toSamples = (ms: number) => Math.round((ms * sampleRateHz) / 1000);
  const estimating = options.delayEstimation !== false;
  const estimator: EchoDelayEstimator | undefined = estimating
    ? createEchoDelayEstimator({ sampleRateHz, ...(options.maxDelayMs ? { maxDelayMs: options.maxDelayMs } : {}) })
    : undefined;
  const lead = estimating ? toSamples(LEAD_MS) : 0;
  let canceller: WebRtcEchoCanceller | undefined;
  const capture = createCaptureClock({ sampleRateHz });
  const mic = createBlockFramer(blockSamples);
  const referenceBlock = new Int16Array(blockSamples);
  const playedBlock = new Int16Array(blockSamples);
  let aligned = 0;
  let moves = 0;

  /** Moves the reference to the estimator's delay less the lead, when it moved by more than its jitter. */
  const follow = () => {
    const delay = estimator?.delaySamples();
    if (delay === undefined) return;
    const target = Math.max(0, delay - lead);
    if (Math.abs(target - aligned) < toSamples(REALIGN_MS)) return;
    aligned = target;
    moves++;
  };

  return {
    blockSamples,
    canceller: () => canceller,
    process(samples, atMs) {
      const apm = (canceller ??= createWebRtcEchoCanceller({
        sampleRateHz,
        blockSamples,
        ...options.apm,
        streamDelayMs: (lead * 1000) / sampleRateHz,
      }));

      const blockStart = capture.place(samples.length, atMs) - mic.pending;
      const outSamples = Math.floor((mic.pending + samples.length) / blockSamples) * blockSamples;
      const outBytes = allocBytes(outSamples * 2);
      const out = new Int16Array(outBytes.buffer, outBytes.byteOffset, outSamples);
      mic.push(samples, (micBlock, index) => {
        const start = blockStart + index * blockSamples;
        if (estimator) {
          // The estimator compares the microphone with what played over the same samples.
          reference.read(start, playedBlock);
          estimator.push(micBlock, playedBlock);
          follow();
        }
        reference.read(start - aligned, referenceBlock);
        apm.cancel(micBlock, referenceBlock, out.subarray(index * blockSamples, (index + 1) * blockSamples));
      });
      return { audio: out };
    },
    flush: () => mic.take(),
    // WebRTC's delay-agnostic estimator follows a path that moved within its range by itself.
    relearn: () => undefined,
    delay: () => ({
      alignedMs: (aligned * 1000) / sampleRateHz,
      estimatedMs:
        estimator?.delaySamples() === undefined ? undefined : (estimator.delaySamples()! * 1000) / sampleRateHz,
      moves,
    }),
    close() {
      canceller?.close();
      canceller = undefined;
    },
  };
}
