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
import { createBlockFramer, type BlockFramer } from './block-framer.js';
import { createCaptureClock, type CaptureClock } from './capture-clock.js';
import { createEchoCanceller, type EchoCanceller } from './canceller.js';
import { createEchoDelayEstimator, type EchoDelayEstimator } from './delay.js';
import { refineEchoDelay } from './delay-refine.js';
import type { EchoReference } from './reference.js';
import { createEchoSuppressor, type EchoSuppressor } from './suppressor.js';
import { ACTIVE_ENERGY, createMissingEchoGuard, type MissingEchoGuard } from './missing-guard.js';
import { createEchoOnsetJudge, type EchoOnsetJudge } from './onset-judge.js';
import { replayEchoErleDb } from './replay.js';
import { createBlockSpans, type BlockSpan, type BlockSpans } from './block-spans.js';
import { createEchoRelease, type EchoRelease, type HeldUserSpan } from './release.js';
import type { EchoBlockKeep, EchoBlockKeepFactory, KeptBlocks } from './block-keep.js';
import { ECHO_TUNING, MAX_DELAY_MS, valuesOf } from './tuning.js';

export interface EchoStageOptions {
  sampleRateHz: number;
  /** What the session's sink played, on the session clock, at `sampleRateHz`. */
  reference: EchoReference;
  /**
   * Echo path the linear filter models after the reference is aligned: the room's reverberation, plus `alignMarginMs`.
   */
  tailMs: number;
  /** speexdsp's residual echo suppressor after the linear filter. */
  residualSuppression?: boolean;
  /** The echo suppressor after that (see `suppressor.ts`). */
  suppression?: boolean;
  /**
   * Why 20 ms: the pipeline's frame, so a 20 ms microphone frame passes without waiting; shorter blocks cost more CPU.
   */
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
  /**
   * A span the step held back although it may have been the user's voice (see `release.ts`): reported, never silent.
   */
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

/**
 * What the stage reports of what it could not pass on: the user it may have held, the speech it was half duplex over.
 */
export type EchoReports = Pick<EchoStageOptions, 'onHeldUser' | 'onHalfDuplex'>;

export interface EchoStage {
  readonly blockSamples: number;
  /**
   * Echo-cancelled audio for whole blocks of `samples` (arrived at `atMs`) and what the keep kept of them; a partial
   * block waits for the next call.
   */
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

/** The stage's blocks, allocated once: one block each of what it reads, writes and keeps. */
interface StageBlocks {
  /** The reference read at the aligned delay, and for a split filter's late part. */
  readonly reference: Int16Array;
  readonly late: Int16Array;
  /** What played over the microphone block's own samples (unaligned), for the estimator and the guards. */
  readonly played: Int16Array;
  readonly silence: Int16Array;
  /** The block as the step passes it on, and as the linear filter left it. */
  readonly out: Int16Array;
  readonly linear: Int16Array;
}

/**
 * The stage's state between blocks. Its phases are the hold's (`hold`): `passing` (the echo is where the
 * aligned reference says) or `holding` (the missing-echo guard holds: the estimator's changes when it
 * began tell a delay found again from the old one coming back).
 */
interface EchoStageState {
  readonly options: EchoStageOptions;
  readonly blockSamples: number;
  /** The alignment's margin and the smallest move followed, samples. */
  readonly margin: number;
  readonly realign: number;
  /** How far from the estimator's delay the waveforms are searched for the echo's peak, samples. */
  readonly refineRadius: number;
  readonly estimator: EchoDelayEstimator | undefined;
  readonly missing: MissingEchoGuard;
  readonly onsets: EchoOnsetJudge;
  readonly firstEcho: FirstEchoGuard;
  readonly released: EchoRelease;
  readonly halfDuplex: BlockSpans | undefined;
  readonly filtered: EchoBlockKeep | undefined;
  readonly mic: BlockFramer;
  readonly blocks: StageBlocks;
  /** The native parts, made at the first block (a session that never hears audio costs nothing). */
  canceller: EchoCanceller | undefined;
  suppressor: EchoSuppressor | undefined;
  capture: CaptureClock | undefined;
  readonly alignment: Alignment;
  /** The microphone's last half second, and the timeline index one past its last sample, for the refinement. */
  readonly micHistory: Int16Array;
  micEnd: number;
  /** One past the last microphone sample placed on the timeline. */
  placedEnd: number | undefined;
  hold: HoldPhase;
  /** The onset judge heard the user at the last block. */
  userWasHeard: boolean;
}

/** Where the reference is read: the delay aligned on (samples), and what the estimator said of it. */
interface Alignment {
  aligned: number;
  moves: number;
  /** The alignment is to the sample (refined): after a move to another refined delay, the filter's room still holds. */
  exact: boolean;
  /** Estimator changes already followed: its refinements within a few ms are not followed (the margin absorbs them). */
  followed: number;
}

type HoldPhase = { readonly name: 'passing' } | { readonly name: 'holding'; readonly atChanges: number };
const PASSING: HoldPhase = { name: 'passing' };

function initialStage(options: EchoStageOptions): EchoStageState {
  const { sampleRateHz, reference } = options;
  const blockSamples = Math.round(((options.blockMs ?? 20) * sampleRateHz) / 1000);
  const toSamples = (ms: number) => Math.round((ms * sampleRateHz) / 1000);
  const maxDelayMs = options.maxDelayMs ?? MAX_DELAY_MS;
  const estimator =
    options.delayEstimation === false
      ? undefined
      : createEchoDelayEstimator({ sampleRateHz, ...(options.maxDelayMs ? { maxDelayMs: options.maxDelayMs } : {}) });
  // One report per stretch of the agent's speech: within an echo tail it is the same stretch (the suppressor
  // can go in and out of "converged" at its boundary, 100 ms at a time, and a reply pauses between words).
  const blockMs = (blockSamples * 1000) / sampleRateHz;
  const tailBlocks = Math.ceil(options.tailMs / blockMs);
  const block = () => new Int16Array(blockSamples);
  return {
    options,
    blockSamples,
    margin: toSamples(ALIGN_MARGIN_MS),
    realign: toSamples(REALIGN_MS),
    refineRadius: toSamples(REFINE_RADIUS_MS),
    estimator,
    missing: createMissingEchoGuard(),
    onsets: createEchoOnsetJudge({ sampleRateHz, blockSamples, maxDelayMs, reference }),
    firstEcho: createFirstEchoGuard({
      found: () => estimator === undefined || estimator.delaySamples() !== undefined,
      blocksAfterPlayed: Math.ceil((maxDelayMs + options.tailMs) / blockMs),
    }),
    released: createEchoRelease({
      blockSamples,
      sampleRateHz,
      lookbehindBlocks: options.suppression ? 1 : 0,
      maxDeferBlocks: MAX_DEFER_BLOCKS,
      ...(options.onHeldUser ? { onHeldUser: options.onHeldUser } : {}),
    }),
    halfDuplex: options.onHalfDuplex ? createBlockSpans(blockMs, tailBlocks, options.onHalfDuplex) : undefined,
    filtered: options.keep?.(blockSamples, sampleRateHz),
    mic: createBlockFramer(blockSamples),
    blocks: { reference: block(), late: block(), played: block(), silence: block(), out: block(), linear: block() },
    canceller: undefined,
    suppressor: undefined,
    capture: undefined,
    alignment: { aligned: 0, moves: 0, exact: false, followed: 0 },
    micHistory: new Int16Array(toSamples(REFINE_WINDOW_MS)),
    micEnd: 0,
    placedEnd: undefined,
    hold: PASSING,
    userWasHeard: false,
  };
}

/** The native parts, made at the first block. */
function openNatives(state: EchoStageState): { canceller: EchoCanceller; capture: CaptureClock } {
  const { options, blockSamples } = state;
  const { sampleRateHz } = options;
  state.canceller ??= createEchoCanceller({
    sampleRateHz,
    blockSamples,
    tailMs: options.tailMs,
    residualSuppression: options.residualSuppression ?? false,
    echoEstimate: options.keep !== undefined,
    ...(options.library ? { library: options.library } : {}),
  });
  state.capture ??= createCaptureClock({ sampleRateHz });
  const { tailMs } = options;
  if (options.suppression) state.suppressor ??= createEchoSuppressor({ sampleRateHz, blockSamples, tailMs });
  return { canceller: state.canceller, capture: state.capture };
}

/** `samples` arrived at `atMs`: placed on the timeline and cut into blocks, each taken through the step. */
function processSamples(state: EchoStageState, samples: Int16Array, atMs: number): EchoStageOutput {
  const { canceller, capture } = openNatives(state);
  // Timeline index of the first sample waiting in the block, after the capture clock placed this audio.
  const placed = capture.place(samples.length, atMs);
  // The microphone's timeline jumped (a stall, a new latency shift): its echo moved against the reference.
  if (state.placedEnd !== undefined && Math.abs(placed - state.placedEnd) > state.realign) state.suppressor?.relearn();
  state.placedEnd = placed + samples.length;
  const firstBlockStart = placed - state.mic.pending;
  state.mic.push(samples, (micBlock, index) => {
    stepBlock(state, canceller, micBlock, firstBlockStart + index * state.blockSamples, atMs);
  });
  const audio = state.released.drain();
  return state.filtered ? { audio, kept: state.filtered.take() } : { audio };
}

/** One block of the microphone, starting at timeline index `blockStart`: the echo step, in order. */
function stepBlock(state: EchoStageState, filter: EchoCanceller, mic: Int16Array, blockStart: number, atMs: number) {
  const { blocks, estimator, missing, onsets } = state;
  if (estimator) trackDelay(state, estimator, mic, blockStart);
  state.options.reference.read(blockStart - state.alignment.aligned, blocks.reference);
  // The estimator found the delay again (another, or the same): the echo is where the reference now says.
  const { hold } = state;
  if (hold.name === 'holding' && estimator?.found && (estimator.changes !== hold.atChanges || missing.echoBack())) {
    // Back where the reference said, no move: the filter's output over the hold was right, and what
    // in it the double-talk test takes for the user's voice was the user starting over the echo.
    if (estimator.changes === hold.atChanges) state.released.passDeferredVoice();
    releaseHold(state);
  }
  const { reference, played } = blocks;
  const holding = estimator !== undefined && missing.update(energyOf(mic), energyOf(reference), energyOf(played));
  if (!holding) state.hold = PASSING;
  else if (state.hold.name === 'passing') {
    // A delay that grew leaves the old one looking best for a while: its evidence goes. One that shrank shows at once.
    if (!missing.early()) estimator.forget();
    state.hold = { name: 'holding', atChanges: estimator.changes };
  }
  // The echo is not where the reference says (the delay grew): the filter must not learn "no echo". An
  // early echo (or the user) before the reference is due teaches it nothing wrong: its history stays whole.
  const learnsNothing = holding && !missing.early();
  cancelBlock(state, filter, mic, blockStart, { holding, learnsNothing });
  const { suppressor, released } = state;
  if (suppressor?.diverged()) filter.reset();
  state.halfDuplex?.block(atMs, suppressor?.halfDuplex() ?? false);
  // Held while judged: kept until the verdict, and passed on as the filter left it if it was the user.
  if (onsets.userHeard && !state.userWasHeard) released.passDeferred();
  state.userWasHeard = onsets.userHeard;
  const judged = holding && onsets.judging;
  const heard = onsets.userHeard && energyOf(mic) > missing.levels().noiseEnergy * HEARD_OVER_NOISE;
  released.push(blocks.linear, blocks.out, {
    atMs,
    defer: judged,
    suspect: judged || heard,
    voiceLike: judged && !learnsNothing && (suppressor?.voiceLike(mic, blocks.linear) ?? false),
  });
  // The user's voice confirmed one block late: the block it began in goes out too.
  if (suppressor?.startedUser()) released.passPrevious();
}

/**
 * The block against what played over its own samples: the estimator's evidence, the reference moved to a
 * changed delay, and a sound that started while held judged on the delays the quiet before it left: the
 * echo at one of them (the reference moves there at once), or the user (let through while it lasts).
 */
function trackDelay(state: EchoStageState, estimator: EchoDelayEstimator, micBlock: Int16Array, blockStart: number) {
  const { blocks, blockSamples, micHistory, onsets } = state;
  state.options.reference.read(blockStart, blocks.played);
  micHistory.copyWithin(0, blockSamples);
  micHistory.set(micBlock, micHistory.length - blockSamples);
  state.micEnd = blockStart + blockSamples;
  estimator.push(micBlock, blocks.played);
  follow(state, estimator);
  const verdict = onsets.push({
    micEnergy: energyOf(micBlock),
    playedEnergy: energyOf(blocks.played),
    ...state.missing.levels(),
    holding: state.hold.name === 'holding',
    mic: micHistory,
    micEnd: state.micEnd,
  });
  if (!verdict?.echo) return;
  estimator.adopt(verdict.samples);
  state.alignment.followed = estimator.changes;
  moveTo(state, Math.max(0, verdict.samples - state.margin), true);
  releaseHold(state);
  state.hold = PASSING;
}

/** The estimator's delay, less the margin; moves the reference when the delay changed. */
function follow(state: EchoStageState, estimator: EchoDelayEstimator): void {
  const { alignment, onsets } = state;
  if (estimator.changes === alignment.followed) return;
  alignment.followed = estimator.changes;
  const coarse = estimator.delaySamples()!;
  const { micHistory: mic, micEnd, refineRadius: radius } = state;
  const refined = refineEchoDelay({ mic, micEnd, reference: state.options.reference, coarse, radius });
  // The alignment was exact, the echo has not gone missing, and the waveforms show no echo's peak at the
  // new delay: the user talking over the echo made it (their onsets correlate by chance with the
  // reference's, 0.60–0.67 against a 600 ms echo), not a moved path. An early echo (the delay shrank)
  // is no proof of a move either: the user's voice at a reply's start looks the same.
  // Nor is a move in what the onset judge found to be the user, or is judging, whatever the hold.
  const weak = !refined || refined.correlation < MOVE_MIN_CORRELATION;
  // No echo was found in the agent's first 3 s of speech (a headset): a delay found later with no echo's
  // peak in the waveforms is the user talking over replies, correlating with them by chance.
  const noEchoSoFar = alignment.moves === 0 && state.firstEcho.gaveUp();
  const missingLate = state.hold.name === 'holding' && !state.missing.early();
  if (weak && ((alignment.exact && !missingLate) || onsets.userHeard || onsets.judging || noEchoSoFar)) {
    estimator.reject();
    return;
  }
  moveTo(state, Math.max(0, (refined?.samples ?? coarse) - state.margin), refined !== undefined);
}

/** Moves the reference to `target`; `known`: the new delay is known to the sample. */
function moveTo(state: EchoStageState, target: number, known: boolean): void {
  const { alignment, canceller, suppressor, blockSamples, micHistory } = state;
  if (Math.abs(target - alignment.aligned) < (known && alignment.exact ? 1 : state.realign)) return;
  alignment.aligned = target;
  alignment.moves++;
  // A delay known to the sample on both sides moved the reference by exactly the path's shift: the
  // room the filter learnt still holds. Otherwise it learns again.
  const keptRoom = known && alignment.exact;
  if (!keptRoom) canceller?.reset();
  alignment.exact = known;
  if (known) state.onsets.remember(target + state.margin);
  // Half duplex until the filter is seen to cancel at the new delay: at once if it kept the room, had
  // converged, and, fed the last half second again at the new delay, cancels its echo as a converged
  // filter does. (A filter still learning the room, replayed, looked converged on its median while the
  // reverberation it had not learnt passed as the user's voice.)
  const replayed =
    keptRoom && canceller && (suppressor?.converged() ?? true)
      ? replayEchoErleDb({
          canceller,
          mic: micHistory.subarray(0, micHistory.length - blockSamples),
          micEnd: state.micEnd - blockSamples,
          reference: state.options.reference,
          alignedSamples: target,
          noiseEnergy: state.missing.levels().noiseEnergy,
        })
      : undefined;
  if (replayed === undefined || replayed < KEPT_ROOM_ERLE_DB) suppressor?.relearn();
}

/** The delay was found: the guards' hold, and what the onset judge judged in it, are over. */
function releaseHold(state: EchoStageState): void {
  state.missing.release();
  state.onsets.release();
}

/**
 * The linear filter (fed silence while it must learn nothing) and the suppressor: the block as the step
 * passes it on (`blocks.out`) and as the filter left it (`blocks.linear`), and what the keep keeps of it.
 */
function cancelBlock(
  state: EchoStageState,
  filter: EchoCanceller,
  micBlock: Int16Array,
  blockStart: number,
  { holding, learnsNothing }: { holding: boolean; learnsNothing: boolean },
): void {
  const { blocks, suppressor, filtered, options } = state;
  const lateOffset = filter.lateOffsetSamples;
  if (lateOffset !== undefined) options.reference.read(blockStart - state.alignment.aligned - lateOffset, blocks.late);
  const reference = learnsNothing ? blocks.silence : blocks.reference;
  filter.cancel(micBlock, reference, blocks.out, learnsNothing ? blocks.silence : blocks.late, filtered?.linear);
  blocks.linear.set(blocks.out);
  if (suppressor) {
    // The user the onset judge heard passes the hold (the filter still learns nothing where the echo is missing).
    const heldAsEcho = (holding && !state.onsets.userHeard) || state.firstEcho.awaited(energyOf(blocks.played));
    suppressor.process(micBlock, blocks.reference, blocks.out, heldAsEcho);
  }
  // Where the filter is seen to cancel, the user's voice over the echo as it left it: the suppressor,
  // deciding block by block for the VAD, passes a user under a louder speaker in pieces. Also as it
  // left it before speexdsp's residual suppressor, which carves the bands it takes for echo out of
  // the user's voice (the spotter searches both), and as passed on, where the echo is comfort noise.
  filtered?.keep(blocks.out, blocks.linear, suppressor?.converged() === true && !holding);
}

export function createEchoStage(options: EchoStageOptions): EchoStage {
  const state = initialStage(options);
  const { sampleRateHz } = options;
  return {
    blockSamples: state.blockSamples,
    process: (samples, atMs) => processSamples(state, samples, atMs),
    flush() {
      const decided = state.released.flush();
      const partial = state.mic.take();
      const pending = new Int16Array(decided.length + partial.length);
      pending.set(decided);
      pending.set(partial, decided.length);
      return pending;
    },
    relearn: () => state.suppressor?.relearn(),
    delay() {
      const estimated = state.estimator?.delaySamples();
      return {
        alignedMs: (state.alignment.aligned * 1000) / sampleRateHz,
        estimatedMs: estimated === undefined ? undefined : (estimated * 1000) / sampleRateHz,
        moves: state.alignment.moves,
      };
    },
    close() {
      state.halfDuplex?.end();
      state.canceller?.close();
      state.canceller = undefined;
    },
  };
}

const energyOf = (block: Int16Array) => {
  let sum = 0;
  for (let i = 0; i < block.length; i++) sum += block[i]! * block[i]!;
  return sum / block.length;
};

/** The guard before the first echo: see {@link createFirstEchoGuard}. */
interface FirstEchoGuard {
  /** The agent spoke 3 s with no echo found: there was none to hold. */
  gaveUp(): boolean;
  /** Given what played over this block (unaligned): whether an echo of unknown delay may be in it. */
  awaited(playedEnergy: number): boolean;
}

/**
 * Before the first echo was heard, its delay is unknown: it may come any time up to the longest delay
 * searched (and the room's tail) after a sample played, long after the suppressor's tail, which would
 * take the silence before it for a converged canceller and the echo after it for the user. Until the
 * estimator found the delay, every block in that span is taken for echo; after 3 s of the agent's speech
 * with no echo found, there is none to hold.
 */
function createFirstEchoGuard(options: { found: () => boolean; blocksAfterPlayed: number }): FirstEchoGuard {
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
