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
import { createComfortNoise } from './comfort-noise.js';
import { createEchoTail } from './echo-tail.js';
import { createSuppressorStatistics, type EchoBlockEvidence } from './suppressor-statistics.js';
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
   * The last block was the agent's speech while the canceller had not converged: half duplex, where only
   * a user far louder than the echo passes and anyone quieter is not heard.
   */
  halfDuplex(): boolean;
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
  VOICE_ABOVE_FLOOR_DB,
  VOICE_MAX_ERLE_DB,
  DIVERGED_ERLE_DB,
  ABOVE_LEFTOVER_DB,
  USER_RUN_LEARN_BLOCKS,
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

export function createEchoSuppressor(options: EchoSuppressorOptions): EchoSuppressor {
  const { sampleRateHz, blockSamples } = options;
  const marginDb = options.marginDb ?? 10;
  const activeEnergy = energyOfDbfs(ACTIVE_DBFS);
  // The reference blocks whose echo may be in the current block: this one and the tail before it.
  const tail = createEchoTail(Math.ceil((options.tailMs * sampleRateHz) / 1000 / blockSamples) + 1, ENVELOPE_HOLD_BLOCKS);
  const stats = createSuppressorStatistics({ convergedErleDb: options.convergedErleDb ?? 18 });
  const comfort = createComfortNoise(blockSamples);
  let gain = 1;
  let previousVoiceLike = false;
  /** The last block began a run of the user's voice (the block before it was voice-like too). */
  let startedUser = false;
  /** Blocks in a row taken for the user's voice while the agent speaks. */
  let userRun = 0;
  /** Blocks since the last one far louder than the echo. */
  let sinceLoud = Number.POSITIVE_INFINITY;
  let divergedFlag = false;
  let halfDuplex = false;

  /** Far louder than any echo the agent's speech brings back: the user's voice, whatever the filter does. */
  const loudOverEcho = (micOverEchoDb: number, aboveFloorDb: number) => {
    const usualEchoGainDb = stats.usualEchoGainDb();
    return usualEchoGainDb !== undefined && aboveFloorDb > VOICE_ABOVE_FLOOR_DB && micOverEchoDb > usualEchoGainDb + LOUD_OVER_ECHO_DB;
  };
  /**
   * The user's voice clear of the echo, behind a converged filter: where the canceller removes a strong
   * echo, far less cancelled than echo usually is (and not a block the canceller misadjusted on, where the
   * echo itself would look uncancelled: more than the divergence test's 3 dB louder than the microphone;
   * a voice far over the echo leaves the output within ±2 dB of the microphone, the filter's estimate
   * adding to it as often as not), and above what it usually leaves of the tail's loudest echo (a block
   * between two syllables holds that leftover, not its own echo cancelled, so its own ERLE is low: 7 dB,
   * not 23); where the echo is weak (or none), far louder than what the canceller usually leaves.
   */
  const clearOfEcho = (rawErleDb: number, outEnergy: number, aboveFloorDb: number) => {
    if (!stats.strongEcho()) return aboveFloorDb > stats.usualResidualDb() + marginDb;
    const usualErle = stats.usualErleDb()!;
    const aboveLeftoverDb = db((outEnergy + 1) / (tail.echoPeak() * 10 ** (-usualErle / 10) + 1));
    return rawErleDb >= DIVERGED_ERLE_DB && Math.max(0, rawErleDb) < Math.min(usualErle - marginDb, VOICE_MAX_ERLE_DB) && aboveLeftoverDb > ABOVE_LEFTOVER_DB;
  };

  /** A block while the agent is silent: the room's noise, for the floor and the comfort noise. */
  const quietBlock = (out: Int16Array, outEnergy: number) => {
    previousVoiceLike = false;
    userRun = 0;
    if (stats.noiseBlock(outEnergy)) comfort.record(out);
  };

  /** What a block of the agent's speech tells the statistics: one object, refilled each block (no allocation per frame). */
  const evidence: EchoBlockEvidence = { echoDue: false, micEnergy: 0, aboveFloorDb: 0, erleDb: 0, micOverEchoDb: 0 };

  /**
   * A block while the agent speaks: its echo level (0 where it held the user's voice). The user's voice is
   * two voice-like blocks in a row, and it passes while `userRun` is above 0.
   */
  const speechBlock = (mic: Int16Array, micEnergy: number, out: Int16Array, outEnergyIn: number): number => {
    const echoEnvelopeEnergy = tail.envelope();
    const micOverEchoDb = db((micEnergy + 1) / (echoEnvelopeEnergy + 1));
    // ERLE as the canceller made it: negative when it added more than it removed (misadjusted).
    const rawErleDb = db((micEnergy + 1) / (outEnergyIn + 1));
    let outEnergy = outEnergyIn;
    if (outEnergy > micEnergy) {
      // Never worse than the microphone: a block the canceller made louder is the microphone's own.
      out.set(mic);
      outEnergy = micEnergy;
    }
    const aboveFloorDb = stats.aboveFloorDb(outEnergy);
    const converged = stats.converged();
    halfDuplex = !converged;
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
      (converged && aboveFloorDb > VOICE_ABOVE_FLOOR_DB && clearOfEcho(rawErleDb, outEnergy, aboveFloorDb)) ||
      (!converged && userRun > 0 && sinceLoud <= USER_GAP_BLOCKS && aboveFloorDb > VOICE_ABOVE_FLOOR_DB);
    // Two blocks in a row, so one odd block never opens the path.
    const user = voiceLike && previousVoiceLike;
    previousVoiceLike = voiceLike;
    userRun = user ? userRun + 1 : 0;
    // A filter still learning removes little of the echo and, in double talk, adds its own errors to
    // the voice: the user it cannot hear past goes on as the microphone heard them.
    if (user && !converged) out.set(mic);
    startedUser = userRun === 1;
    if (stats.trackDivergence(rawErleDb, aboveFloorDb)) divergedFlag = true;
    // The user's voice says nothing about the echo: it stays out of the statistics — unless "the user"
    // talks on for longer than any barge-in takes to stop the agent, which is the echo path changing.
    if (userRun === 0 || userRun > USER_RUN_LEARN_BLOCKS) {
      evidence.echoDue = echoEnvelopeEnergy >= activeEnergy;
      evidence.micEnergy = micEnergy;
      evidence.aboveFloorDb = aboveFloorDb;
      evidence.erleDb = Math.max(0, rawErleDb);
      evidence.micOverEchoDb = micOverEchoDb;
      stats.learn(evidence);
    }
    stats.endSpeechBlock();
    // The user's voice is no echo: only the rest sets the echo's level.
    return voiceLike ? 0 : micEnergy;
  };

  return {
    lastPassed: () => gain === 1,
    voiceLike(mic, out) {
      // The double-talk test of `speechBlock`, on the statistics as they stand, changing nothing.
      const micEnergy = energyOf(mic);
      const outEnergy = Math.min(energyOf(out), micEnergy);
      const rawErleDb = db((micEnergy + 1) / (energyOf(out) + 1));
      const aboveFloorDb = stats.aboveFloorDb(outEnergy);
      if (loudOverEcho(db((micEnergy + 1) / (tail.lastEnvelope() + 1)), aboveFloorDb)) return true;
      if (!stats.converged() || aboveFloorDb <= VOICE_ABOVE_FLOOR_DB) return false;
      return clearOfEcho(rawErleDb, outEnergy, aboveFloorDb);
    },
    startedUser: () => startedUser,
    typicalErleDb: () => stats.usualErleDb(),
    converged: () => stats.converged(),
    halfDuplex: () => halfDuplex,
    relearn() {
      stats.relearn();
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
      tail.push(energyOf(reference));
      // The echo level of the block (the user's voice and silence: 0).
      let echoLevel = hold ? micEnergy : 0;
      let next = 1;
      startedUser = false;
      halfDuplex = false;
      if (hold) {
        next = 0;
        previousVoiceLike = false;
        userRun = 0;
      } else if (tail.peak() < activeEnergy) quietBlock(out, energyOf(out));
      else {
        echoLevel = speechBlock(mic, micEnergy, out, energyOf(out));
        if (userRun === 0) next = 0;
      }
      tail.close(echoLevel);
      // Ramp from the last block's gain (a step would click), filling what is taken away with comfort noise.
      // But a hold closes the path on an echo nothing cancels (its delay moved): at once. Ramped over the
      // block, half of it passed, 12-20 dB over the room's noise, and in the echo matrix's jumping-delay
      // cells the VAD took 1-2 replies in 35 for the user; the output goes to the VAD and the STT, not to
      // anyone's ear, and one step per hold is no sound they mistake for speech.
      const from = gain;
      gain = next;
      if (from !== 1 || next !== 1) comfort.crossfade(out, from, next, hold ? 1 : out.length);
    },
  };
}
