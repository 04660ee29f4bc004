/**
 * The input conditioner's echo step: microphone audio in, the same audio without the agent's echo out,
 * in blocks of `blockMs` placed on the session clock.
 *
 *   microphone ─► capture clock ─► block ─► delay estimator ─┐
 *   reference (what played) ─► read at block − aligned delay ─► linear filter (speexdsp) ─► echo suppressor
 *
 * The delay estimator (`echo-delay.ts`) finds how long after playing a sample the microphone hears it;
 * the reference is read that much earlier (less a margin for the estimate's error and the direct sound's
 * spread), so the linear filter's tail covers the room's reverberation, not the device's buffers too. A
 * delay that moves (a client or sound server re-buffering between replies) moves the reference: the
 * filter is reset and the suppressor goes back to half duplex until it has learnt the room again, so
 * the echo passing meanwhile is never taken for the user.
 *
 * Native state is allocated at the first block and freed by `close()`.
 *
 * @example
 * ```ts
 * const stage = createEchoStage({ sampleRateHz: 16_000, reference, tailMs: 250, suppression: true });
 * const clean = stage.process(micSamples, clock.now()); // whole blocks; a partial one waits
 * stage.close();
 * ```
 */
import { allocBytes } from '../../bus/byte-copy.js';
import { createCaptureClock, type CaptureClock } from './capture-clock.js';
import { createEchoCanceller, type EchoCanceller } from './echo-canceller.js';
import { createEchoDelayEstimator, type EchoDelayEstimator } from './echo-delay.js';
import type { EchoReference } from './echo-reference.js';
import { createEchoSuppressor, type EchoSuppressor } from './echo-suppressor.js';

export interface EchoStageOptions {
  sampleRateHz: number;
  /** What the session's sink played, on the session clock, at `sampleRateHz`. */
  reference: EchoReference;
  /** Echo path the linear filter models after the reference is aligned: the room's reverberation, plus `alignMarginMs`. */
  tailMs: number;
  /** speexdsp's residual echo suppressor after the linear filter. */
  residualSuppression?: boolean;
  /** The echo suppressor after that (see `echo-suppressor.ts`). */
  suppression?: boolean;
  /** Why 20 ms: the pipeline's frame, so a 20 ms microphone frame passes without waiting; shorter blocks cost more CPU. */
  blockMs?: number;
  /**
   * Estimate the echo delay and align the reference on it (default true). Off: the reference is read at
   * the microphone's own time and the filter's tail must cover the device's round trip too.
   */
  delayEstimation?: boolean;
  /** Longest delay searched, ms. Why 1.6 s: robots report up to 1.4 s between playback and microphone. */
  maxDelayMs?: number;
  /** Library name or path of libspeexdsp, for unusual installs. */
  library?: string;
}

export interface EchoStage {
  readonly blockSamples: number;
  /** Echo-cancelled audio for whole blocks of `samples` (arrived at `atMs`); a partial block waits for the next call. */
  process(samples: Int16Array, atMs: number): Int16Array;
  /** The samples of the partial block waiting, unprocessed (for when the step is switched off). */
  flush(): Int16Array;
  /** The delay the reference is aligned on, ms (0 before an echo was heard), and how often it moved. */
  delay(): { alignedMs: number; estimatedMs: number | undefined; moves: number };
  /** Frees the native state. */
  close(): void;
}

/**
 * Why 30 ms: the reference is read this much before the estimated delay — the estimate's error (±4 ms),
 * the peak's pull towards the early reflections, and speexdsp's blocks — so the direct sound always
 * falls inside the filter.
 */
const ALIGN_MARGIN_MS = 30;
/** Why 10 ms: a smaller move is the estimate's jitter, which the filter's margin absorbs; resetting for it would cost the room. */
const REALIGN_MS = 10;

export function createEchoStage(options: EchoStageOptions): EchoStage {
  const { sampleRateHz, reference } = options;
  const blockSamples = Math.round(((options.blockMs ?? 20) * sampleRateHz) / 1000);
  const toSamples = (ms: number) => Math.round((ms * sampleRateHz) / 1000);
  const margin = toSamples(ALIGN_MARGIN_MS);
  const realign = toSamples(REALIGN_MS);
  let canceller: EchoCanceller | undefined;
  let suppressor: EchoSuppressor | undefined;
  let capture: CaptureClock | undefined;
  const estimator: EchoDelayEstimator | undefined =
    options.delayEstimation === false ? undefined : createEchoDelayEstimator({ sampleRateHz, ...(options.maxDelayMs ? { maxDelayMs: options.maxDelayMs } : {}) });
  let aligned = 0;
  let moves = 0;
  const micBlock = new Int16Array(blockSamples);
  const referenceBlock = new Int16Array(blockSamples);
  const playedBlock = new Int16Array(blockSamples);
  let micFill = 0;

  /** Estimator changes already followed: its refinements within a few ms are not followed (the margin absorbs them). */
  let followed = 0;
  /** The estimator's delay, less the margin; moves the reference (and resets the filter) when the delay changed. */
  const follow = () => {
    if (!estimator || estimator.changes === followed) return;
    followed = estimator.changes;
    const target = Math.max(0, estimator.delaySamples()! - margin);
    if (Math.abs(target - aligned) < realign) return;
    aligned = target;
    moves++;
    canceller?.reset();
    suppressor?.relearn();
  };

  return {
    blockSamples,
    process(samples, atMs) {
      canceller ??= createEchoCanceller({ sampleRateHz, blockSamples, tailMs: options.tailMs, residualSuppression: options.residualSuppression ?? false, ...(options.library ? { library: options.library } : {}) });
      capture ??= createCaptureClock({ sampleRateHz });
      if (options.suppression) suppressor ??= createEchoSuppressor({ sampleRateHz, blockSamples, tailMs: options.tailMs });
      // Timeline index of the first sample waiting in the block, after the capture clock placed this audio.
      let blockStart = capture.place(samples.length, atMs) - micFill;
      const outSamples = Math.floor((micFill + samples.length) / blockSamples) * blockSamples;
      const outBytes = allocBytes(outSamples * 2);
      const out = new Int16Array(outBytes.buffer, outBytes.byteOffset, outSamples);
      let produced = 0;
      for (let at = 0; at < samples.length; ) {
        const n = Math.min(blockSamples - micFill, samples.length - at);
        micBlock.set(samples.subarray(at, at + n), micFill);
        micFill += n;
        at += n;
        if (micFill < blockSamples) break;
        if (estimator) {
          // The estimator compares the microphone with what played over the same samples.
          reference.read(blockStart, playedBlock);
          estimator.push(micBlock, playedBlock);
          follow();
        }
        reference.read(blockStart - aligned, referenceBlock);
        const block = out.subarray(produced, produced + blockSamples);
        canceller.cancel(micBlock, referenceBlock, block);
        suppressor?.process(micBlock, referenceBlock, block);
        if (suppressor?.diverged()) canceller.reset();
        produced += blockSamples;
        blockStart += blockSamples;
        micFill = 0;
      }
      return out;
    },
    flush() {
      const pending = micBlock.slice(0, micFill);
      micFill = 0;
      return pending;
    },
    delay: () => ({ alignedMs: (aligned * 1000) / sampleRateHz, estimatedMs: estimator?.delaySamples() === undefined ? undefined : (estimator.delaySamples()! * 1000) / sampleRateHz, moves }),
    close() {
      canceller?.close();
      canceller = undefined;
    },
  };
}
