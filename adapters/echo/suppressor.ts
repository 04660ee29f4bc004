/**
 * Echo suppressor: the non-linear stage after the echo canceller's linear filter. An adaptive filter
 * needs a few seconds of the agent's speech to learn the room, and until then much of the echo passes —
 * enough for the VAD to hear the agent and interrupt it. The suppressor closes that gap.
 *
 * While the agent speaks (the reference was active within the echo tail), every block is taken for echo
 * unless it holds the user's voice:
 *
 * - **Always**: a block far louder than the echo could be is the user's: the microphone
 *   `LOUD_OVER_ECHO_DB` above what the agent's speech usually brings back (its 90th percentile over the
 *   reference's envelope, which holds its peak for 100 ms and then decays 60 dB over the tail). That test needs no filter, so it holds while
 *   the filter learns and where it cannot converge (a drifting path: the virtual room's resampling
 *   loopback), for a user nearer the microphone than the speaker.
 * - **Learning** (half duplex for anyone quieter): until the canceller has converged, nothing else
 *   passes — but the weak sounds between a loud user's syllables, for `USER_GAP_BLOCKS`, and the user
 *   goes on as the microphone heard them (a learning filter's output is no better). Converged means its
 *   typical ERLE (median of microphone over output energy, per block) reached `convergedErleDb`, or its
 *   output stays within 6 dB of the room's noise in four blocks of five (a weak echo, or none at all:
 *   a headset, a device that cancels its own), counted only where an echo is due (the decaying envelope
 *   still active: never the silence after a reply). Typical is over the last second while learning — so
 *   half duplex ends about a second after convergence, ~3 s into the agent's speech — and over the last
 *   three once converged, with 6 dB of hysteresis, so a barge-in cannot knock it back.
 * - **Converged**: a block also holds the user's voice when it is clearly above the room's noise and,
 *   behind a strong echo, far less cancelled than echo usually is (ERLE `marginDb` below typical and under
 *   15 dB; a voice over the echo holds ERLE to 10·log10(1 + echo/voice)) — or, behind a weak echo, far
 *   louder than what the canceller usually leaves. Two such blocks in a row, so one odd block never opens
 *   the path. The user's blocks stay out of the statistics (unless "the user" talks over the agent for
 *   2 s, which is the echo path changing).
 *
 * A block the canceller made louder than the microphone is replaced by the microphone's own, and a
 * canceller whose output stays louder for half a second has diverged (it learned the user's voice during
 * double talk): `diverged()` says so once, and the caller resets it.
 *
 * Echo blocks are replaced by comfort noise: a block of the room's own noise floor, recorded while the
 * agent was silent, replayed at a random offset and polarity — never silence, nor the echo turned down.
 * A VAD that hears digital silence lowers its noise model, and the room's noise coming back then sounds
 * like speech to it; an attenuated echo keeps the shape of speech.
 *
 * @example
 * ```ts
 * const suppressor = createEchoSuppressor({ sampleRateHz: 16_000, blockSamples: 320, tailMs: 250 });
 * canceller.cancel(mic, reference, out);
 * suppressor.process(mic, reference, out); // replaces `out` by comfort noise when it holds only echo
 * ```
 */
import { energyOfDbfs } from '../audio/levels.js';
import { ECHO_TUNING, valuesOf } from './tuning.js';

export interface EchoSuppressorOptions {
  sampleRateHz: number;
  blockSamples: number;
  /** How long after a reference block its echo can still be heard (the canceller's tail). */
  tailMs: number;
  /**
   * Why 18 dB: a learning canceller removes a few dB, a converged one 25 dB and more (the split filter,
   * canceller.ts). At 12, a path the filter can only model to 10-15 dB (the virtual room's resampling
   * loopback) counted as converged, and a reply's first syllable, before the filter caught up with it,
   * passed as the user's voice: better half duplex there than an agent that interrupts itself.
   */
  convergedErleDb?: number;
  /** Why 10 dB: echo blocks scatter a few dB around the median ERLE; the user's voice falls 20 dB and more below it. */
  marginDb?: number;
}

export interface EchoSuppressor {
  /**
   * Replaces `out` (the canceller's output for `mic`) in place by comfort noise if it holds only echo of
   * `reference`. `hold`: the echo is not where `reference` says (its delay is being found again): the
   * block is taken for echo whatever it holds, and says nothing about the canceller or the room.
   */
  process(mic: Int16Array, reference: Int16Array, out: Int16Array, hold?: boolean): void;
  /** Whether the last block passed (true) or was taken for echo (false). */
  lastPassed(): boolean;
  /**
   * The last block began the user's voice over the echo: it and the one before were voice-like (the
   * one before was taken for echo, waiting for this confirmation; the caller may still pass it on).
   */
  startedUser(): boolean;
  /**
   * Whether `out` (the canceller's output for `mic`) would pass the double-talk test as the user's voice,
   * on the statistics as they stand (nothing changes): for a block held while its echo was not yet known.
   */
  voiceLike(mic: Int16Array, out: Int16Array): boolean;
  /** The canceller's typical ERLE in dB over the last seconds of the agent's speech (undefined before any). */
  typicalErleDb(): number | undefined;
  /** Whether the canceller has converged: the user can interrupt the agent (until then, half duplex). */
  converged(): boolean;
  /**
   * True once when the canceller has diverged — its output typically louder than the microphone while
   * the agent speaks (it learned the user's voice during double talk, or the room changed): reset it.
   */
  diverged(): boolean;
  /**
   * The echo path changed (the canceller was reset for a new delay): back to learning — half duplex until
   * the canceller has converged again — so the echo it lets through meanwhile is not taken for the user.
   */
  relearn(): void;
}

const {
  ACTIVE_DBFS,
  WINDOW_BLOCKS,
  LEARNING_WINDOW_BLOCKS,
  MIN_HISTORY,
  FLOOR_WINDOW_BLOCKS,
  FLOOR_PERCENTILE,
  RECOMPUTE_EVERY,
  NOISE_BLOCK_DB,
  VOICE_ABOVE_FLOOR_DB,
  RESIDUAL_NEAR_FLOOR_DB,
  RESIDUAL_PERCENTILE,
  CONVERGED_HYSTERESIS_DB,
  VOICE_MAX_ERLE_DB,
  DIVERGED_ERLE_DB,
  DIVERGED_BLOCKS,
  ABOVE_LEFTOVER_DB,
  USER_RUN_LEARN_BLOCKS,
  AUDIBLE_ECHO_DB,
  ECHO_GAIN_PERCENTILE,
  LOUD_OVER_ECHO_DB,
  USER_GAP_BLOCKS,
  ENVELOPE_HOLD_BLOCKS,
} = valuesOf(ECHO_TUNING.suppressor);

const energyOf = (block: Int16Array) => {
  let sum = 0;
  for (let i = 0; i < block.length; i++) sum += block[i]! * block[i]!;
  return sum / block.length;
};
const db = (ratio: number) => 10 * Math.log10(ratio);

const scratch: number[] = [];
/** The `p` quantile of `values` (a few hundred at most: sorting a copy is cheap). */
function percentile(values: readonly number[], p: number): number {
  scratch.length = 0;
  scratch.push(...values);
  scratch.sort((a, b) => a - b);
  return scratch[Math.floor(p * (scratch.length - 1))]!;
}

export function createEchoSuppressor(options: EchoSuppressorOptions): EchoSuppressor {
  const { sampleRateHz, blockSamples } = options;
  const convergedErleDb = options.convergedErleDb ?? 18;
  const marginDb = options.marginDb ?? 10;
  const activeEnergy = energyOfDbfs(ACTIVE_DBFS);
  // The reference blocks whose echo may be in the current block: this one and the tail before it.
  const tailBlocks = Math.ceil((options.tailMs * sampleRateHz) / 1000 / blockSamples) + 1;
  const recent = new Float64Array(tailBlocks);
  // The reference's envelope holds its peak while the echo may still be on its way, then decays 60 dB over
  // the rest of the tail: no echo the tail covers outlasts that.
  const holdBlocks = Math.min(ENVELOPE_HOLD_BLOCKS, tailBlocks - 1);
  const decayPerBlock = 10 ** (-60 / 10 / (tailBlocks - holdBlocks));
  /** The reference's envelope with `newest` the current block: each older block's energy decayed by its age. */
  const echoEnvelope = (newest: number) => {
    let envelope = 0;
    let weight = 1;
    for (let age = 0; age < tailBlocks; age++) {
      envelope = Math.max(envelope, recent[(newest - age + tailBlocks) % tailBlocks]! * weight);
      if (age >= holdBlocks) weight *= decayPerBlock;
    }
    return envelope;
  };
  /** The microphone over the reference's envelope (dB) in blocks of the agent's audible echo, oldest first. */
  const echoGains: number[] = [];
  /** What the agent's speech usually brings back to the microphone, over its envelope (dB; undefined before any). */
  let usualEchoGainDb: number | undefined;
  /** Far louder than any echo the agent's speech brings back: the user's voice, whatever the filter does. */
  const loudOverEcho = (micOverEchoDb: number, aboveFloorDb: number) =>
    usualEchoGainDb !== undefined && aboveFloorDb > VOICE_ABOVE_FLOOR_DB && micOverEchoDb > usualEchoGainDb + LOUD_OVER_ECHO_DB;
  /** The microphone's energy in the same blocks where it held the agent's echo (0 elsewhere). */
  const echoLevels = new Float64Array(tailBlocks);
  let recentAt = 0;
  /** Per-block ERLE (dB) of audible blocks while the agent spoke, oldest first. */
  const erles: number[] = [];
  /** Output energies of the last blocks while the agent was silent, for the noise floor. */
  const quiet: number[] = [];
  let floorEnergy = 0;
  let sinceFloor = RECOMPUTE_EVERY;
  let usualErle: number | undefined;
  let converged = false;
  /** Converged on the canceller's ERLE alone (its output not near the room's noise): the echo it removes is strong. */
  let convergedOnErle = false;
  /** Per-block output level over the noise floor (dB) while the agent spoke, oldest first. */
  const residuals: number[] = [];
  /** The output's level over the floor that most blocks while the agent speaks stay under (the echo left). */
  let usualResidualDb = Number.POSITIVE_INFINITY;
  let sinceUsual = RECOMPUTE_EVERY;
  /** The room's noise floor, recorded while the agent was silent. */
  const noise = new Int16Array(blockSamples);
  const comfort = new Int16Array(blockSamples);
  // Numerical Recipes LCG for the comfort noise's offset and polarity: no Math.random, runs repeat.
  let seed = 1;
  let gain = 1;
  let previousVoiceLike = false;
  /** The last block began a run of the user's voice (the block before it was voice-like too). */
  let startedUser = false;
  /** Blocks in a row taken for the user's voice while the agent speaks. */
  let userRun = 0;
  /** Blocks since the last one far louder than the echo. */
  let sinceLoud = Number.POSITIVE_INFINITY;
  /** ERLE (dB) of the last blocks with something above the noise in the output while the agent spoke. */
  const recentErles: number[] = [];
  let divergedFlag = false;

  const fillComfort = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const offset = seed % blockSamples;
    const sign = seed & 0x8000 ? 1 : -1;
    for (let i = 0; i < blockSamples; i++) comfort[i] = sign * noise[(i + offset) % blockSamples]!;
    return comfort;
  };

  return {
    lastPassed: () => gain === 1,
    voiceLike(mic, out) {
      // The double-talk test below, on the statistics as they stand, changing nothing.
      const micEnergy = energyOf(mic);
      const outEnergy = Math.min(energyOf(out), micEnergy);
      const rawErleDb = db((micEnergy + 1) / (energyOf(out) + 1));
      const aboveFloorDb = db((outEnergy + 1) / (floorEnergy + 1));
      const strongEcho = usualErle !== undefined && (usualErle >= convergedErleDb || convergedOnErle);
      if (loudOverEcho(db((micEnergy + 1) / (echoEnvelope((recentAt - 1 + tailBlocks) % tailBlocks) + 1)), aboveFloorDb)) return true;
      if (!converged || aboveFloorDb <= VOICE_ABOVE_FLOOR_DB) return false;
      if (!strongEcho) return aboveFloorDb > usualResidualDb + marginDb;
      let echoPeak = 0;
      for (let i = 0; i < tailBlocks; i++) echoPeak = Math.max(echoPeak, echoLevels[i]!);
      const aboveLeftoverDb = db((outEnergy + 1) / (echoPeak * 10 ** (-usualErle! / 10) + 1));
      return (
        rawErleDb >= DIVERGED_ERLE_DB && Math.max(0, rawErleDb) < Math.min(usualErle! - marginDb, VOICE_MAX_ERLE_DB) && aboveLeftoverDb > ABOVE_LEFTOVER_DB
      );
    },
    startedUser: () => startedUser,
    typicalErleDb: () => usualErle,
    converged: () => converged,
    relearn() {
      residuals.length = 0;
      erles.length = 0;
      recentErles.length = 0;
      converged = false;
      convergedOnErle = false;
      usualErle = undefined;
      usualResidualDb = Number.POSITIVE_INFINITY;
      previousVoiceLike = false;
      userRun = 0;
    },
    diverged() {
      const was = divergedFlag;
      divergedFlag = false;
      return was;
    },
    process(mic, reference, out, hold = false) {
      const micEnergy = energyOf(mic);
      recent[recentAt] = energyOf(reference);
      // The echo level of the block (set below when the agent speaks; the user's voice and silence: 0).
      let echoLevel = hold ? micEnergy : 0;
      let envelope = 0;
      for (let i = 0; i < tailBlocks; i++) envelope = Math.max(envelope, recent[i]!);
      let outEnergy = energyOf(out);
      let next = 1;
      startedUser = false;
      if (hold) {
        next = 0;
        previousVoiceLike = false;
        userRun = 0;
      } else if (envelope < activeEnergy) {
        quiet.push(outEnergy);
        if (quiet.length > FLOOR_WINDOW_BLOCKS) quiet.shift();
        previousVoiceLike = false;
        userRun = 0;
        if (++sinceFloor >= RECOMPUTE_EVERY || quiet.length < RECOMPUTE_EVERY) {
          sinceFloor = 0;
          floorEnergy = percentile(quiet, FLOOR_PERCENTILE);
        }
        if (outEnergy <= floorEnergy * 10 ** (NOISE_BLOCK_DB / 10)) noise.set(out);
      } else {
        // The loudness test's envelope: only while the agent speaks (a 26-step loop per block otherwise for nothing).
        const echoEnvelopeEnergy = echoEnvelope(recentAt);
        const micOverEchoDb = db((micEnergy + 1) / (echoEnvelopeEnergy + 1));
        // ERLE as the canceller made it: negative when it added more than it removed (misadjusted).
        const rawErleDb = db((micEnergy + 1) / (outEnergy + 1));
        if (outEnergy > micEnergy) {
          // Never worse than the microphone: a block the canceller made louder is the microphone's own.
          out.set(mic);
          outEnergy = micEnergy;
        }
        const erleDb = Math.max(0, rawErleDb);
        const aboveFloorDb = db((outEnergy + 1) / (floorEnergy + 1));
        // The user's voice is in the microphone, clearly above the room's noise, and clear of the echo:
        // where the canceller removes a strong echo, far less cancelled than echo usually is (and not a
        // block the canceller misadjusted on, where the echo itself would look uncancelled: more than the
        // divergence test's 3 dB louder than the microphone; a voice far over the echo leaves the output
        // within ±2 dB of the microphone, the filter's estimate adding to it as often as not); where the
        // echo is weak (or none), far louder than what the canceller usually leaves. Two blocks in a row,
        // so one odd block never opens the path.
        // Strong: the canceller removes much (ERLE over `convergedErleDb`), or it was taken for converged on its ERLE and
        // now removes less (down to 6 dB under it, the hysteresis) — its leftover is then loud, and the voice test
        // must be the double-talk one, never "louder than what it usually leaves".
        const strongEcho = usualErle !== undefined && (usualErle >= convergedErleDb || convergedOnErle);
        // What the canceller usually leaves of the loudest echo of the last tail: a block between two
        // syllables holds that leftover, not its own echo cancelled, so its own ERLE is low (7 dB, not 23).
        let echoPeak = 0;
        for (let i = 0; i < tailBlocks; i++) echoPeak = Math.max(echoPeak, echoLevels[i]!);
        const aboveLeftoverDb = strongEcho ? db((outEnergy + 1) / (echoPeak * 10 ** (-usualErle! / 10) + 1)) : 0;
        const clearOfEcho = strongEcho
          ? rawErleDb >= DIVERGED_ERLE_DB && erleDb < Math.min(usualErle! - marginDb, VOICE_MAX_ERLE_DB) && aboveLeftoverDb > ABOVE_LEFTOVER_DB
          : aboveFloorDb > usualResidualDb + marginDb;
        // The user's voice: far louder than any echo (whatever the filter does), or, once the filter has
        // converged, clear of what it leaves.
        const loud = loudOverEcho(micOverEchoDb, aboveFloorDb);
        sinceLoud = loud ? 0 : sinceLoud + 1;
        // While the filter learns, the weak sounds between a loud user's syllables fail the one test there
        // is; they stay the user's for a moment (the robot stops for them within a few hundred ms), or a
        // command reaches the recognizer in pieces. Not once converged: the filter's own test hears them,
        // and the echo a hangover lets through cost real "stop"s over a reply in the echo matrix.
        const voiceLike =
          loud ||
          (converged && aboveFloorDb > VOICE_ABOVE_FLOOR_DB && clearOfEcho) ||
          (!converged && userRun > 0 && sinceLoud <= USER_GAP_BLOCKS && aboveFloorDb > VOICE_ABOVE_FLOOR_DB);
        // The user's voice is no echo: only the rest sets the echo's level.
        echoLevel = voiceLike ? 0 : micEnergy;
        const user = voiceLike && previousVoiceLike;
        previousVoiceLike = voiceLike;
        userRun = user ? userRun + 1 : 0;
        // A filter still learning removes little of the echo and, in double talk, adds its own errors to
        // the voice: the user it cannot hear past goes on as the microphone heard them.
        if (user && !converged) out.set(mic);
        startedUser = userRun === 1;
        if (aboveFloorDb > RESIDUAL_NEAR_FLOOR_DB) {
          recentErles.push(rawErleDb);
          if (recentErles.length > DIVERGED_BLOCKS) recentErles.shift();
          if (recentErles.length === DIVERGED_BLOCKS && percentile(recentErles, 0.5) < DIVERGED_ERLE_DB) {
            divergedFlag = true;
            recentErles.length = 0;
            if (strongEcho) {
              // The reset canceller lets a strong echo through until it has learned again: half duplex
              // until then. A weak echo (or none) stays out anyway: blocks the canceller made louder are
              // the microphone's own.
              residuals.length = 0;
              erles.length = 0;
              converged = false;
              convergedOnErle = false;
              usualErle = undefined;
              usualResidualDb = Number.POSITIVE_INFINITY;
            }
          }
        }
        // The user's voice says nothing about the echo: it stays out of the statistics — unless "the user"
        // talks on for longer than any barge-in takes to stop the agent, which is the echo path changing.
        const learn = userRun === 0 || userRun > USER_RUN_LEARN_BLOCKS;
        // What the canceller leaves says something only where an echo is due: not in the tail after a reply
        // (a cut one's too), where an output at the room's noise would pass for a canceller that removed it all.
        if (learn && echoEnvelopeEnergy >= activeEnergy) {
          residuals.push(aboveFloorDb);
          if (residuals.length > WINDOW_BLOCKS) residuals.shift();
        }
        if (learn && micEnergy > floorEnergy * 10 ** (AUDIBLE_ECHO_DB / 10)) {
          erles.push(erleDb);
          if (erles.length > WINDOW_BLOCKS) erles.shift();
          echoGains.push(micOverEchoDb);
          if (echoGains.length > WINDOW_BLOCKS) echoGains.shift();
        }
        if (residuals.length >= MIN_HISTORY && ++sinceUsual >= RECOMPUTE_EVERY) {
          sinceUsual = 0;
          // Learning: the last second only, so half duplex ends soon after the canceller has converged.
          const recentOf = (values: number[]) => (converged ? values : values.slice(-LEARNING_WINDOW_BLOCKS));
          usualErle = erles.length >= MIN_HISTORY ? percentile(recentOf(erles), 0.5) : undefined;
          usualResidualDb = percentile(recentOf(residuals), RESIDUAL_PERCENTILE);
          // Not `recentOf`: the echo's loudness is the speaker's and the room's, kept over a relearn.
          if (echoGains.length >= MIN_HISTORY) usualEchoGainDb = percentile(echoGains, ECHO_GAIN_PERCENTILE);
          // Hysteresis: once converged, only a clearly worse canceller (6 dB) goes back to half duplex.
          const slack = converged ? CONVERGED_HYSTERESIS_DB : 0;
          const residualNearFloor = usualResidualDb <= RESIDUAL_NEAR_FLOOR_DB + slack;
          converged = residualNearFloor || (usualErle !== undefined && usualErle >= convergedErleDb - slack);
          convergedOnErle = converged && !residualNearFloor;
        }
        if (!user) next = 0;
      }
      echoLevels[recentAt] = echoLevel;
      recentAt = (recentAt + 1) % tailBlocks;
      // Ramp from the last block's gain (a step would click), filling what is taken away with comfort noise.
      // But a hold closes the path on an echo nothing cancels (its delay moved): at once. Ramped over the
      // block, half of it passed, 12-20 dB over the room's noise, and in the echo matrix's jumping-delay
      // cells the VAD took 1-2 replies in 35 for the user; the output goes to the VAD and the STT, not to
      // anyone's ear, and one step per hold is no sound they mistake for speech.
      const from = gain;
      gain = next;
      if (from === 1 && next === 1) return;
      const filler = fillComfort();
      const ramp = hold ? 1 : out.length;
      const step = (next - from) / ramp;
      for (let i = 0; i < out.length; i++) {
        const g = i < ramp ? from + step * (i + 1) : next;
        out[i] = Math.round(out[i]! * g + filler[i]! * (1 - g));
      }
    },
  };
}
