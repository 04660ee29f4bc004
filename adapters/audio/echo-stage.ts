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
 * the echo passing meanwhile is never taken for the user. Before the first echo is heard, and while the
 * echo is not where the reference says (see the guards below), the suppressor holds; when the echo path
 * moves where the stage cannot see it (the microphone's timeline jumps, `relearn()`), it relearns.
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
import { refineEchoDelay } from './echo-delay-refine.js';
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

/**
 * Why 30 ms: the reference is read this much before the estimated delay — the estimate's error (±4 ms),
 * the peak's pull towards the early reflections, and speexdsp's blocks — so the direct sound always
 * falls inside the filter.
 */
const ALIGN_MARGIN_MS = 30;
/** Why 10 ms: a smaller move is the estimate's jitter, which the filter's margin absorbs; resetting for it would cost the room. */
const REALIGN_MS = 10;
/**
 * Why 500 ms and ±16 ms: a few syllables of echo at the new delay; the envelope estimate is good to ±4 ms,
 * and an early reflection pulled it 12.1 ms late on the echo matrix's jumping delay, where ±12 found the
 * edge of its range 5 samples off and kept a filter no longer aligned (20 against 35 dB ERLE).
 */
const REFINE_WINDOW_MS = 500;
const REFINE_RADIUS_MS = 16;
/** Why 0.3: an echo's direct sound correlates 0.3–0.6 in the refinement (echo-delay-refine.ts); the user's chance peaks reached 0.21. */
const MOVE_MIN_CORRELATION = 0.3;

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
  const micBlock = new Int16Array(blockSamples);
  const referenceBlock = new Int16Array(blockSamples);
  const lateBlock = new Int16Array(blockSamples);
  const playedBlock = new Int16Array(blockSamples);
  let micFill = 0;
  const silence = new Int16Array(blockSamples);
  let wasHolding = false;
  /** One past the last microphone sample placed on the timeline. */
  let placedEnd: number | undefined;
  let heldAtChanges = 0;

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
    const weak = !refined || refined.correlation < MOVE_MIN_CORRELATION;
    if (weak && exact && !(wasHolding && !missing.early())) {
      estimator.reject();
      return;
    }
    const target = Math.max(0, (refined?.samples ?? coarse) - margin);
    if (Math.abs(target - aligned) < (refined && exact ? 1 : realign)) return;
    aligned = target;
    moves++;
    // A delay known to the sample on both sides moved the reference by exactly the path's shift: the
    // room the filter learnt still holds. Otherwise it learns again.
    if (!(refined && exact)) canceller?.reset();
    exact = refined !== undefined;
    // Half duplex until the filter is seen to cancel at the new delay (at once if it kept the room).
    suppressor?.relearn();
  };
  const missing = createMissingEchoGuard();
  const firstEcho = createFirstEchoGuard({
    found: () => estimator === undefined || estimator.delaySamples() !== undefined,
    blocksAfterPlayed: Math.ceil(((options.maxDelayMs ?? 1600) + options.tailMs) / (options.blockMs ?? 20)),
  });

  return {
    blockSamples,
    process(samples, atMs) {
      canceller ??= createEchoCanceller({
        sampleRateHz,
        blockSamples,
        tailMs: options.tailMs,
        residualSuppression: options.residualSuppression ?? false,
        ...(options.library ? { library: options.library } : {}),
      });
      capture ??= createCaptureClock({ sampleRateHz });
      if (options.suppression) suppressor ??= createEchoSuppressor({ sampleRateHz, blockSamples, tailMs: options.tailMs });
      // Timeline index of the first sample waiting in the block, after the capture clock placed this audio.
      const placed = capture.place(samples.length, atMs);
      // The microphone's timeline jumped (a stall, a new latency shift): its echo moved against the reference.
      if (placedEnd !== undefined && Math.abs(placed - placedEnd) > realign) suppressor?.relearn();
      placedEnd = placed + samples.length;
      let blockStart = placed - micFill;
      const outSamples = Math.floor((micFill + samples.length) / blockSamples) * blockSamples;
      const outBytes = allocBytes(outSamples * 2);
      const out = new Int16Array(outBytes.buffer, outBytes.byteOffset, outSamples);
      let produced = 0;
      for (let at = 0; at < samples.length;) {
        const n = Math.min(blockSamples - micFill, samples.length - at);
        micBlock.set(samples.subarray(at, at + n), micFill);
        micFill += n;
        at += n;
        if (micFill < blockSamples) break;
        if (estimator) {
          // The estimator compares the microphone with what played over the same samples.
          reference.read(blockStart, playedBlock);
          micHistory.copyWithin(0, blockSamples);
          micHistory.set(micBlock, micHistory.length - blockSamples);
          micEnd = blockStart + blockSamples;
          estimator.push(micBlock, playedBlock);
          follow();
        }
        reference.read(blockStart - aligned, referenceBlock);
        const block = out.subarray(produced, produced + blockSamples);
        // The estimator found the delay again (another, or the same): the echo is where the reference now says.
        if (wasHolding && estimator?.found && (estimator.changes !== heldAtChanges || missing.echoBack())) missing.release();
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
        if (canceller.lateOffsetSamples !== undefined) reference.read(blockStart - aligned - canceller.lateOffsetSamples, lateBlock);
        canceller.cancel(micBlock, learnsNothing ? silence : referenceBlock, block, learnsNothing ? silence : lateBlock);
        suppressor?.process(micBlock, referenceBlock, block, holding || firstEcho.awaited(energyOf(playedBlock)));
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
    relearn: () => suppressor?.relearn(),
    delay: () => ({
      alignedMs: (aligned * 1000) / sampleRateHz,
      estimatedMs: estimator?.delaySamples() === undefined ? undefined : (estimator.delaySamples()! * 1000) / sampleRateHz,
      moves,
    }),
    close() {
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

/** Why 150 blocks (3 s of the agent's speech): the estimator finds an echo in its first syllables; none by then is a headset, or a device that cancels its own. */
const NO_ECHO_BLOCKS = 150;

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

/** Why -45 dBFS: the reference plays speech there; below, a pause. */
const ACTIVE_ENERGY = 32768 * 32768 * 10 ** (-45 / 10);
/** Why 20 dB: an echo's level over its reference scatters ±10 dB from block to block; 20 dB under the usual is no echo at all. */
const MISSING_DB = 20;
/** Why 4 blocks (80 ms) after 2 blocks of lead: the echo of a block arrives up to the alignment margin later; a syllable's onset is not a missing echo. */
const MISSING_BLOCKS = 4;
const LEAD_BLOCKS = 2;
/** Why 150 blocks and 25 to start: the echo's usual level over the last 3 s of the agent's speech, after half a second of it. */
const GAIN_WINDOW = 150;
const GAIN_MIN = 25;
/** Why 30 blocks (600 ms): the agent's pauses between sentences are shorter; between replies, longer. */
const PAUSE_BLOCKS = 30;
/** The level of what just played: its peak, decaying by 1 dB per block (the echo's reverberation lasts). */
const PLAYED_DECAY = 10 ** (-1 / 10);
/** Why 10 dB under the usual and 3 blocks: the echo at its usual level over what played, arriving before its reference is due (less would take a normal echo's onset, spread by the room, for an early one). */
const EARLY_DB = 10;
const EARLY_BLOCKS = 3;
/** Why 6 dB over the room's noise for 2 blocks: a reply's soft first syllables, echoed early, are that; the noise's own scatter is not. */
const STIR_DB = 6;
const STIR_BLOCKS = 2;
/** The noise level's minimum rises by 0.05 dB a block (1.5 dB a second) to follow a room getting louder. */
const QUIET_RISE = 10 ** (0.05 / 10);
/** Why 5 blocks: a hundred ms of the echo at its usual level where the reference puts it. */
const ECHO_BACK_BLOCKS = 5;

/**
 * The missing-echo guard: the reference (at the aligned delay) plays, but the microphone stays 20 dB
 * under the echo's usual level for 80 ms — the delay grew (a client or device re-buffered before this
 * reply) — or, at a reply's start, an echo at its usual level comes before the aligned reference plays —
 * the delay shrank (or the user spoke up in the reply's first moments, which the guard cannot tell). Until the estimator has found the delay again (a new one, or the same), the linear
 * filter gets silence as its reference, so it does not unlearn the room (an adaptive filter that hears
 * the reference and no echo learns that there is none), and the suppressor holds.
 */
function createMissingEchoGuard() {
  const gains: number[] = [];
  const leads = new Float64Array(LEAD_BLOCKS + 1);
  let leadAt = 0;
  let run = 0;
  let holding = false;
  let back = 0;
  let preEcho = false;
  let sincePlayed = Number.POSITIVE_INFINITY;
  let playedLevel = 0;
  let earlyRun = 0;
  let stirRun = 0;
  /** The microphone's level while nothing plays (a slow minimum: the room's noise). */
  let quiet = 0;
  let earlyHold = false;
  let usualGain = 0;
  let sinceUsual = 0;
  return {
    /**
     * The block's microphone energy, the aligned reference's and what played over the same samples
     * (unaligned); true while the guard holds.
     */
    update(micEnergy: number, refEnergy: number, playedEnergy: number): boolean {
      leads[leadAt] = refEnergy;
      leadAt = (leadAt + 1) % leads.length;
      // The reference block whose echo is surely in this microphone block: two blocks back.
      const lead = leads[leadAt]!;
      // A reply started (something played after a pause) but its echo is not due yet at the aligned delay.
      if (playedEnergy >= ACTIVE_ENERGY) {
        if (sincePlayed > PAUSE_BLOCKS) preEcho = true;
        sincePlayed = 0;
        playedLevel = Math.max(playedLevel * PLAYED_DECAY, playedEnergy);
      } else {
        sincePlayed++;
        playedLevel *= PLAYED_DECAY;
      }
      if (lead >= ACTIVE_ENERGY) preEcho = false;
      if (holding) {
        if (lead >= ACTIVE_ENERGY) back = usualGain > 0 && micEnergy / lead >= usualGain * 10 ** (-MISSING_DB / 2 / 10) ? back + 1 : 0;
        return true;
      }
      // Before the aligned reference plays, an echo at its usual level over what just played came early: the delay shrank.
      const early = preEcho && gains.length >= GAIN_MIN && micEnergy >= usualGain * playedLevel * 10 ** (-EARLY_DB / 10);
      earlyRun = early ? earlyRun + 1 : 0;
      // Or anything above the room's noise before the reference is due: a reply's first syllables are often soft.
      const stirring = preEcho && gains.length >= GAIN_MIN && quiet > 0 && micEnergy >= quiet * 10 ** (STIR_DB / 10);
      stirRun = stirring ? stirRun + 1 : 0;
      if (playedEnergy < ACTIVE_ENERGY && lead < ACTIVE_ENERGY) quiet = quiet === 0 ? micEnergy : Math.min(micEnergy, quiet * QUIET_RISE);
      if (earlyRun >= EARLY_BLOCKS || stirRun >= STIR_BLOCKS) {
        stirRun = 0;
        holding = true;
        earlyHold = true;
        earlyRun = 0;
        return true;
      }
      if (lead < ACTIVE_ENERGY) {
        run = 0;
        return holding;
      }
      const gain = micEnergy / lead;
      if (gains.length >= GAIN_MIN && gain < usualGain * 10 ** (-MISSING_DB / 10)) run++;
      else run = 0;
      if (run >= MISSING_BLOCKS) {
        holding = true;
        earlyHold = false;
        run = 0;
        return true;
      }
      gains.push(gain);
      if (gains.length > GAIN_WINDOW) gains.shift();
      if (++sinceUsual >= 5 && gains.length >= GAIN_MIN) {
        sinceUsual = 0;
        usualGain = [...gains].sort((a, b) => a - b)[gains.length >> 1]!;
      }
      return false;
    },
    /** Whether the hold is for an echo that came early (the delay shrank), not one that is missing (it grew). */
    early: () => earlyHold,
    /** The delay was found again: the echo is where the reference now says. */
    release() {
      holding = false;
      run = 0;
      back = 0;
      // The echo is where the reference now says: what came before it is no longer early.
      preEcho = false;
      earlyRun = 0;
      stirRun = 0;
    },
    /** While holding: the echo's usual level came back where the reference says, for a few blocks (the delay did not move). */
    echoBack: () => back >= ECHO_BACK_BLOCKS,
  };
}
