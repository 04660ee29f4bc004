/**
 * The input conditioner's echo step: microphone audio in, the same audio without the agent's echo out,
 * in blocks of `blockMs` placed on the session clock.
 *
 *   microphone ─► capture clock ─► block ─► delay estimator ─┐
 *   reference (what played) ─► read at block − aligned delay ─► linear filter (speexdsp) ─► echo suppressor
 *
 * The delay estimator (`delay.ts`) finds how long after playing a sample the microphone hears it;
 * the reference is read that much earlier (less a margin for the estimate's error and the direct sound's
 * spread), so the linear filter's tail covers the room's reverberation, not the device's buffers too. A
 * delay that moves (a client or sound server re-buffering between replies) moves the reference: between
 * two delays known to the sample the filter keeps the room, is fed the last half second again at the new
 * delay (`replay.ts`) and, if it cancels that as a converged filter does, the suppressor stays full
 * duplex; otherwise the filter is reset and the suppressor goes back to half duplex until it has learnt
 * the room again, so the echo passing meanwhile is never taken for the user. Before the first echo is
 * heard, and while the echo is not where the reference says (`missing-guard.ts`), the suppressor
 * holds — but a sound that starts then is judged on the delays the microphone's quiet left open
 * (`onset-judge.ts`): the echo at one of them moves the reference there at once, the user passes.
 * When the echo path moves where the stage cannot see it (the microphone's timeline jumps, `relearn()`),
 * it relearns.
 *
 * Native state is allocated at the first block and freed by `close()`.
 *
 * @example
 * ```ts
 * const stage = createEchoStage({ sampleRateHz: 16_000, reference, tailMs: 250, suppression: true });
 * const { audio } = stage.process(micSamples, clock.now()); // whole blocks; a partial one waits
 * stage.close();
 * ```
 */
import { createBlockFramer } from './block-framer.js';
import { createCaptureClock, type CaptureClock } from './capture-clock.js';
import { createEchoCanceller, type EchoCanceller } from './canceller.js';
import { createEchoDelayEstimator, type EchoDelayEstimator } from './delay.js';
import { refineEchoDelay } from './delay-refine.js';
import type { EchoReference } from './reference.js';
import { createEchoSuppressor, type EchoSuppressor } from './suppressor.js';
import { ACTIVE_ENERGY, createMissingEchoGuard } from './missing-guard.js';
import { createEchoOnsetJudge } from './onset-judge.js';
import { replayEchoErleDb } from './replay.js';
import { createBlockSpans, type BlockSpan } from './block-spans.js';
import { createEchoRelease, type HeldUserSpan } from './release.js';
import type { EchoBlockKeepFactory, KeptBlocks } from './block-keep.js';
import { ECHO_TUNING, MAX_DELAY_MS, valuesOf } from './tuning.js';

export interface EchoStageOptions {
  sampleRateHz: number;
  /** What the session's sink played, on the session clock, at `sampleRateHz`. */
  reference: EchoReference;
  /** Echo path the linear filter models after the reference is aligned: the room's reverberation, plus `alignMarginMs`. */
  tailMs: number;
  /** speexdsp's residual echo suppressor after the linear filter. */
  residualSuppression?: boolean;
  /** The echo suppressor after that (see `suppressor.ts`). */
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
  /** A span the step held back although it may have been the user's voice (see `release.ts`): reported, never silent. */
  onHeldUser?: (span: HeldUserSpan) => void;
  /**
   * A span of the agent's speech while the suppressor was half duplex (its filter still learning): only a
   * user far louder than the echo was heard in it, anyone quieter was not. Reported when it ends.
   */
  onHalfDuplex?: (span: BlockSpan) => void;
  /**
   * What to keep of each block for a listener beside the VAD (the emergency stop's searches), handed on
   * with the audio of each `process` call ({@link EchoStageOutput.kept}); absent: nothing is kept.
   */
  keep?: EchoBlockKeepFactory;
}

/** One `process` call's output: the echo-cancelled audio, and with a keep, the same call's blocks as it kept them. */
export interface EchoStageOutput {
  /** Echo-cancelled audio for whole blocks (a partial block waits for the next call). */
  audio: Int16Array;
  /** With `keep` (the built-in stage only): every block this call processed, as the keep kept them. */
  kept?: KeptBlocks;
}

/** What the stage reports of what it could not pass on: the user it may have held, the speech it was half duplex over. */
export type EchoReports = Pick<EchoStageOptions, 'onHeldUser' | 'onHalfDuplex'>;

export interface EchoStage {
  readonly blockSamples: number;
  /** Echo-cancelled audio for whole blocks of `samples` (arrived at `atMs`) and what the keep kept of them; a partial block waits for the next call. */
  process(samples: Int16Array, atMs: number): EchoStageOutput;
  /** The samples of the partial block waiting, unprocessed (for when the step is switched off). */
  flush(): Int16Array;
  /**
   * The echo path moved where the stage cannot see it (the device ran dry and re-buffered): the
   * suppressor is half duplex until the filter is seen to cancel again.
   */
  relearn(): void;
  /** The delay the reference is aligned on, ms (0 before an echo was heard), and how often it moved. */
  delay(): { alignedMs: number; estimatedMs: number | undefined; moves: number };
  /** Frees the native state. */
  close(): void;
}

const {
  ALIGN_MARGIN_MS,
  REALIGN_MS,
  REFINE_WINDOW_MS,
  REFINE_RADIUS_MS,
  MOVE_MIN_CORRELATION,
  MAX_DEFER_BLOCKS,
  HEARD_OVER_NOISE,
  KEPT_ROOM_ERLE_DB,
  NO_ECHO_BLOCKS,
} = valuesOf(ECHO_TUNING.stage);

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
    options.delayEstimation === false
      ? undefined
      : createEchoDelayEstimator({ sampleRateHz, ...(options.maxDelayMs ? { maxDelayMs: options.maxDelayMs } : {}) });
  let aligned = 0;
  let moves = 0;
  const mic = createBlockFramer(blockSamples);
  const referenceBlock = new Int16Array(blockSamples);
  const lateBlock = new Int16Array(blockSamples);
  const playedBlock = new Int16Array(blockSamples);
  const silence = new Int16Array(blockSamples);
  let wasHolding = false;
  /** One past the last microphone sample placed on the timeline. */
  let placedEnd: number | undefined;
  let heldAtChanges = 0;
  const outBlock = new Int16Array(blockSamples);
  const linearBlock = new Int16Array(blockSamples);
  const filtered = options.keep?.(blockSamples, sampleRateHz);
  let userWasHeard = false;
  const released = createEchoRelease({
    blockSamples,
    sampleRateHz,
    lookbehindBlocks: options.suppression ? 1 : 0,
    maxDeferBlocks: MAX_DEFER_BLOCKS,
    ...(options.onHeldUser ? { onHeldUser: options.onHeldUser } : {}),
  });

  // One report per stretch of the agent's speech: within an echo tail it is the same stretch (the suppressor
  // can go in and out of "converged" at its boundary, 100 ms at a time, and a reply pauses between words).
  const blockMs = (blockSamples * 1000) / sampleRateHz;
  const halfDuplex = options.onHalfDuplex ? createBlockSpans(blockMs, Math.ceil(options.tailMs / blockMs), options.onHalfDuplex) : undefined;

  /** Estimator changes already followed: its refinements within a few ms are not followed (the margin absorbs them). */
  let followed = 0;
  /** The microphone's last half second, and the timeline index one past its last sample, for the refinement. */
  const micHistory = new Int16Array(toSamples(REFINE_WINDOW_MS));
  let micEnd = 0;
  /** The alignment is to the sample (refined): after a move to another refined delay, the filter's room still holds. */
  let exact = false;
  /** The estimator's delay, less the margin; moves the reference when the delay changed. */
  const follow = () => {
    if (!estimator || estimator.changes === followed) return;
    followed = estimator.changes;
    const coarse = estimator.delaySamples()!;
    const refined = refineEchoDelay({ mic: micHistory, micEnd, reference, coarse, radius: toSamples(REFINE_RADIUS_MS) });
    // The alignment was exact, the echo has not gone missing, and the waveforms show no echo's peak at the
    // new delay: the user talking over the echo made it (their onsets correlate by chance with the
    // reference's, 0.60–0.67 against a 600 ms echo), not a moved path. An early echo (the delay shrank)
    // is no proof of a move either: the user's voice at a reply's start looks the same.
    // Nor is a move in what the onset judge found to be the user, or is judging, whatever the hold.
    const weak = !refined || refined.correlation < MOVE_MIN_CORRELATION;
    // No echo was found in the agent's first 3 s of speech (a headset): a delay found later with no echo's
    // peak in the waveforms is the user talking over replies, correlating with them by chance.
    const noEchoSoFar = moves === 0 && firstEcho.gaveUp();
    if (weak && ((exact && !(wasHolding && !missing.early())) || onsets.userHeard || onsets.judging || noEchoSoFar)) {
      estimator.reject();
      return;
    }
    moveTo(Math.max(0, (refined?.samples ?? coarse) - margin), refined !== undefined);
  };
  /** Moves the reference to `target`; `known`: the new delay is known to the sample. */
  const moveTo = (target: number, known: boolean) => {
    if (Math.abs(target - aligned) < (known && exact ? 1 : realign)) return;
    aligned = target;
    moves++;
    // A delay known to the sample on both sides moved the reference by exactly the path's shift: the
    // room the filter learnt still holds. Otherwise it learns again.
    const keptRoom = known && exact;
    if (!keptRoom) canceller?.reset();
    exact = known;
    if (known) onsets.remember(target + margin);
    // Half duplex until the filter is seen to cancel at the new delay: at once if it kept the room, had
    // converged, and, fed the last half second again at the new delay, cancels its echo as a converged
    // filter does. (A filter still learning the room, replayed, looked converged on its median while the
    // reverberation it had not learnt passed as the user's voice.)
    const replayed =
      keptRoom && canceller && (suppressor?.converged() ?? true)
        ? replayEchoErleDb({
            canceller,
            mic: micHistory.subarray(0, micHistory.length - blockSamples),
            micEnd: micEnd - blockSamples,
            reference,
            alignedSamples: aligned,
            noiseEnergy: missing.levels().noiseEnergy,
          })
        : undefined;
    if (replayed === undefined || replayed < KEPT_ROOM_ERLE_DB) suppressor?.relearn();
  };
  const missing = createMissingEchoGuard();
  const onsets = createEchoOnsetJudge({ sampleRateHz, blockSamples, maxDelayMs: options.maxDelayMs ?? MAX_DELAY_MS, reference });
  const release = () => {
    missing.release();
    onsets.release();
  };
  const firstEcho = createFirstEchoGuard({
    found: () => estimator === undefined || estimator.delaySamples() !== undefined,
    blocksAfterPlayed: Math.ceil(((options.maxDelayMs ?? MAX_DELAY_MS) + options.tailMs) / blockMs),
  });

  return {
    blockSamples,
    process(samples, atMs) {
      const filter = (canceller ??= createEchoCanceller({
        sampleRateHz,
        blockSamples,
        tailMs: options.tailMs,
        residualSuppression: options.residualSuppression ?? false,
        echoEstimate: options.keep !== undefined,
        ...(options.library ? { library: options.library } : {}),
      }));
      capture ??= createCaptureClock({ sampleRateHz });
      if (options.suppression) suppressor ??= createEchoSuppressor({ sampleRateHz, blockSamples, tailMs: options.tailMs });
      // Timeline index of the first sample waiting in the block, after the capture clock placed this audio.
      const placed = capture.place(samples.length, atMs);
      // The microphone's timeline jumped (a stall, a new latency shift): its echo moved against the reference.
      if (placedEnd !== undefined && Math.abs(placed - placedEnd) > realign) suppressor?.relearn();
      placedEnd = placed + samples.length;
      const firstBlockStart = placed - mic.pending;
      mic.push(samples, (micBlock, index) => {
        const blockStart = firstBlockStart + index * blockSamples;
        if (estimator) {
          // The estimator compares the microphone with what played over the same samples.
          reference.read(blockStart, playedBlock);
          micHistory.copyWithin(0, blockSamples);
          micHistory.set(micBlock, micHistory.length - blockSamples);
          micEnd = blockStart + blockSamples;
          estimator.push(micBlock, playedBlock);
          follow();
          // A sound that started while held, judged on the delays the quiet before it left: the echo at
          // one of them (the reference moves there at once), or the user (let through while it lasts).
          const verdict = onsets.push({
            micEnergy: energyOf(micBlock),
            playedEnergy: energyOf(playedBlock),
            ...missing.levels(),
            holding: wasHolding,
            mic: micHistory,
            micEnd,
          });
          if (verdict?.echo) {
            estimator.adopt(verdict.samples);
            followed = estimator.changes;
            moveTo(Math.max(0, verdict.samples - margin), true);
            release();
            wasHolding = false;
          }
        }
        reference.read(blockStart - aligned, referenceBlock);
        const block = outBlock;
        // The estimator found the delay again (another, or the same): the echo is where the reference now says.
        if (wasHolding && estimator?.found && (estimator.changes !== heldAtChanges || missing.echoBack())) {
          // Back where the reference said, no move: the filter's output over the hold was right, and what
          // in it the double-talk test takes for the user's voice was the user starting over the echo.
          if (estimator.changes === heldAtChanges) released.passDeferredVoice();
          release();
        }
        const holding = estimator !== undefined && missing.update(energyOf(micBlock), energyOf(referenceBlock), energyOf(playedBlock));
        if (holding && !wasHolding) {
          // A delay that grew leaves the old one looking best for a while: its evidence goes. One that shrank shows at once.
          if (!missing.early()) estimator.forget();
          heldAtChanges = estimator.changes;
        }
        wasHolding = holding;
        // The echo is not where the reference says (the delay grew): the filter must not learn "no echo". An
        // early echo (or the user) before the reference is due teaches it nothing wrong: its history stays whole.
        const learnsNothing = holding && !missing.early();
        if (filter.lateOffsetSamples !== undefined) reference.read(blockStart - aligned - filter.lateOffsetSamples, lateBlock);
        filter.cancel(micBlock, learnsNothing ? silence : referenceBlock, block, learnsNothing ? silence : lateBlock, filtered?.linear);
        linearBlock.set(block);
        // The user the onset judge heard passes the hold (the filter still learns nothing where the echo is missing).
        suppressor?.process(micBlock, referenceBlock, block, (holding && !onsets.userHeard) || firstEcho.awaited(energyOf(playedBlock)));
        // Where the filter is seen to cancel, the user's voice over the echo as it left it: the suppressor,
        // deciding block by block for the VAD, passes a user under a louder speaker in pieces. Also as it
        // left it before speexdsp's residual suppressor, which carves the bands it takes for echo out of
        // the user's voice (the spotter searches both), and as passed on, where the echo is comfort noise.
        filtered?.keep(block, linearBlock, suppressor?.converged() === true && !holding);
        if (suppressor?.diverged()) filter.reset();
        halfDuplex?.block(atMs, suppressor?.halfDuplex() ?? false);
        // Held while judged: kept until the verdict, and passed on as the filter left it if it was the user.
        if (onsets.userHeard && !userWasHeard) released.passDeferred();
        userWasHeard = onsets.userHeard;
        const judged = holding && onsets.judging;
        released.push(linearBlock, block, {
          atMs,
          defer: judged,
          suspect: judged || (onsets.userHeard && energyOf(micBlock) > missing.levels().noiseEnergy * HEARD_OVER_NOISE),
          voiceLike: judged && !learnsNothing && (suppressor?.voiceLike(micBlock, linearBlock) ?? false),
        });
        // The user's voice confirmed one block late: the block it began in goes out too.
        if (suppressor?.startedUser()) released.passPrevious();
      });
      const audio = released.drain();
      return filtered ? { audio, kept: filtered.take() } : { audio };
    },
    flush() {
      const decided = released.flush();
      const partial = mic.take();
      const pending = new Int16Array(decided.length + partial.length);
      pending.set(decided);
      pending.set(partial, decided.length);
      return pending;
    },
    relearn: () => suppressor?.relearn(),
    delay: () => ({
      alignedMs: (aligned * 1000) / sampleRateHz,
      estimatedMs: estimator?.delaySamples() === undefined ? undefined : (estimator.delaySamples()! * 1000) / sampleRateHz,
      moves,
    }),
    close() {
      halfDuplex?.end();
      canceller?.close();
      canceller = undefined;
    },
  };
}

const energyOf = (block: Int16Array) => {
  let sum = 0;
  for (let i = 0; i < block.length; i++) sum += block[i]! * block[i]!;
  return sum / block.length;
};

/**
 * Before the first echo was heard, its delay is unknown: it may come any time up to the longest delay
 * searched (and the room's tail) after a sample played, long after the suppressor's tail, which would
 * take the silence before it for a converged canceller and the echo after it for the user. Until the
 * estimator found the delay, every block in that span is taken for echo; after 3 s of the agent's speech
 * with no echo found, there is none to hold.
 */
function createFirstEchoGuard(options: { found: () => boolean; blocksAfterPlayed: number }) {
  let playedBlocks = 0;
  let sincePlayed = Number.POSITIVE_INFINITY;
  return {
    /** The agent spoke 3 s with no echo found: there was none to hold. */
    gaveUp: () => playedBlocks >= NO_ECHO_BLOCKS,
    /** Given what played over this block (unaligned): whether an echo of unknown delay may be in it. */
    awaited(playedEnergy: number): boolean {
      if (playedBlocks >= NO_ECHO_BLOCKS || options.found()) return false;
      if (playedEnergy >= ACTIVE_ENERGY) {
        playedBlocks++;
        sincePlayed = 0;
      } else sincePlayed++;
      return sincePlayed <= options.blocksAfterPlayed;
    },
  };
}
