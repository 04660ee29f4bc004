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
 *   reference's envelope, which holds its peak for 100 ms and then decays 60 dB over the tail). That test needs no
 *   filter, so it holds while
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
import { createComfortNoise, type ComfortNoise } from './comfort-noise.js';
import { createEchoTail, type EchoTail } from './echo-tail.js';
import { createSuppressorStatistics } from './suppressor-statistics.js';
import type { EchoBlockEvidence, SuppressorStatistics } from './suppressor-statistics.js';
import { ECHO_TUNING, valuesOf } from './tuning.js';

/** The suppressor's options; each default is in `ECHO_TUNING.suppressor` (tuning.ts), with why it has that value. */
export interface EchoSuppressorOptions {
  sampleRateHz: number;
  blockSamples: number;
  /** How long after a reference block its echo can still be heard (the canceller's tail). */
  tailMs: number;
  /** The canceller's typical ERLE at which it counts as converged (`CONVERGED_ERLE_DB`). */
  convergedErleDb?: number;
  /** How far under the typical ERLE a block of the user's voice is cancelled (`MARGIN_DB`). */
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
  CONVERGED_ERLE_DB,
  MARGIN_DB,
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

/**
 * The user's voice over the echo, block by block: `echo` (the last block was not voice-like), `voice-like`
 * (it was, waiting for a second to confirm it), and `user` (`run` blocks in a row taken for the user).
 */
type VoicePhase = { readonly name: 'echo' } | { readonly name: 'voice-like' } | { readonly name: 'user'; run: number };
const ECHO: VoicePhase = { name: 'echo' };
const VOICE_LIKE: VoicePhase = { name: 'voice-like' };

/** The suppressor's state: what it knows of the room and the canceller, and the user's voice. */
interface SuppressorState {
  readonly marginDb: number;
  readonly activeEnergy: number;
  /** The reference blocks whose echo may be in the current block: this one and the tail before it. */
  readonly tail: EchoTail;
  readonly stats: SuppressorStatistics;
  readonly comfort: ComfortNoise;
  /** What a block of the agent's speech tells the statistics: one object, refilled each block (no allocation). */
  readonly evidence: EchoBlockEvidence;
  /** The path's gain at the last block's end: 1 passed, 0 taken for echo (comfort noise). */
  gain: number;
  voice: VoicePhase;
  /** Blocks since the last one far louder than the echo. */
  sinceLoud: number;
  /** The last block began a run of the user's voice (the block before it was voice-like too). */
  startedUser: boolean;
  /** The last block was the agent's speech while the canceller had not converged. */
  halfDuplex: boolean;
  /** The canceller diverged, not yet told by `diverged()`. */
  diverged: boolean;
}

const userRun = (state: SuppressorState) => (state.voice.name === 'user' ? state.voice.run : 0);

function initialSuppressor(options: EchoSuppressorOptions): SuppressorState {
  const { sampleRateHz, blockSamples } = options;
  const tailBlocks = Math.ceil((options.tailMs * sampleRateHz) / 1000 / blockSamples) + 1;
  return {
    marginDb: options.marginDb ?? MARGIN_DB,
    activeEnergy: energyOfDbfs(ACTIVE_DBFS),
    tail: createEchoTail(tailBlocks, ENVELOPE_HOLD_BLOCKS),
    stats: createSuppressorStatistics({ convergedErleDb: options.convergedErleDb ?? CONVERGED_ERLE_DB }),
    comfort: createComfortNoise(blockSamples),
    evidence: { echoDue: false, micEnergy: 0, aboveFloorDb: 0, erleDb: 0, micOverEchoDb: 0 },
    gain: 1,
    voice: ECHO,
    sinceLoud: Number.POSITIVE_INFINITY,
    startedUser: false,
    halfDuplex: false,
    diverged: false,
  };
}

/** Far louder than any echo the agent's speech brings back: the user's voice, whatever the filter does. */
function loudOverEcho(state: SuppressorState, micOverEchoDb: number, aboveFloorDb: number): boolean {
  const usualEchoGainDb = state.stats.usualEchoGainDb();
  if (usualEchoGainDb === undefined) return false;
  return aboveFloorDb > VOICE_ABOVE_FLOOR_DB && micOverEchoDb > usualEchoGainDb + LOUD_OVER_ECHO_DB;
}

/**
 * The user's voice clear of the echo, behind a converged filter: where the canceller removes a strong
 * echo, far less cancelled than echo usually is (and not a block the canceller misadjusted on, where the
 * echo itself would look uncancelled: more than the divergence test's 3 dB louder than the microphone;
 * a voice far over the echo leaves the output within ±2 dB of the microphone, the filter's estimate
 * adding to it as often as not), and above what it usually leaves of the tail's loudest echo (a block
 * between two syllables holds that leftover, not its own echo cancelled, so its own ERLE is low: 7 dB,
 * not 23); where the echo is weak (or none), far louder than what the canceller usually leaves.
 */
function clearOfEcho(state: SuppressorState, rawErleDb: number, outEnergy: number, aboveFloorDb: number): boolean {
  const { stats, marginDb } = state;
  if (!stats.strongEcho()) return aboveFloorDb > stats.usualResidualDb() + marginDb;
  const usualErle = stats.usualErleDb()!;
  const aboveLeftoverDb = db((outEnergy + 1) / (state.tail.echoPeak() * 10 ** (-usualErle / 10) + 1));
  const uncancelled = Math.max(0, rawErleDb) < Math.min(usualErle - marginDb, VOICE_MAX_ERLE_DB);
  return rawErleDb >= DIVERGED_ERLE_DB && uncancelled && aboveLeftoverDb > ABOVE_LEFTOVER_DB;
}

/** The double-talk test of `speechBlock` on the statistics as they stand, changing nothing. */
function voiceLikeNow(state: SuppressorState, mic: Int16Array, out: Int16Array): boolean {
  const { stats } = state;
  const micEnergy = energyOf(mic);
  const outEnergy = Math.min(energyOf(out), micEnergy);
  const rawErleDb = db((micEnergy + 1) / (energyOf(out) + 1));
  const aboveFloorDb = stats.aboveFloorDb(outEnergy);
  if (loudOverEcho(state, db((micEnergy + 1) / (state.tail.lastEnvelope() + 1)), aboveFloorDb)) return true;
  if (!stats.converged() || aboveFloorDb <= VOICE_ABOVE_FLOOR_DB) return false;
  return clearOfEcho(state, rawErleDb, outEnergy, aboveFloorDb);
}

/** One block: `out` (the canceller's output for `mic`) passed, or replaced by comfort noise. */
function processBlock(state: SuppressorState, mic: Int16Array, reference: Int16Array, out: Int16Array, hold: boolean) {
  const { tail } = state;
  const micEnergy = energyOf(mic);
  tail.push(energyOf(reference));
  // The echo level of the block (the user's voice and silence: 0).
  let echoLevel = hold ? micEnergy : 0;
  let next = 1;
  state.startedUser = false;
  state.halfDuplex = false;
  if (hold) {
    next = 0;
    state.voice = ECHO;
  } else if (tail.peak() < state.activeEnergy) quietBlock(state, out, energyOf(out));
  else {
    echoLevel = speechBlock(state, mic, micEnergy, out, energyOf(out));
    if (userRun(state) === 0) next = 0;
  }
  tail.close(echoLevel);
  // Ramp from the last block's gain (a step would click), filling what is taken away with comfort noise.
  // But a hold closes the path on an echo nothing cancels (its delay moved): at once. Ramped over the
  // block, half of it passed, 12-20 dB over the room's noise, and in the echo matrix's jumping-delay
  // cells the VAD took 1-2 replies in 35 for the user; the output goes to the VAD and the STT, not to
  // anyone's ear, and one step per hold is no sound they mistake for speech.
  const from = state.gain;
  state.gain = next;
  if (from !== 1 || next !== 1) state.comfort.crossfade(out, from, next, hold ? 1 : out.length);
}

/** A block while the agent is silent: the room's noise, for the floor and the comfort noise. */
function quietBlock(state: SuppressorState, out: Int16Array, outEnergy: number): void {
  state.voice = ECHO;
  if (state.stats.noiseBlock(outEnergy)) state.comfort.record(out);
}

/**
 * A block while the agent speaks: its echo level (0 where it held the user's voice). The user's voice is
 * two voice-like blocks in a row, and it passes while the run lasts.
 */
function speechBlock(state: SuppressorState, mic: Int16Array, micEnergy: number, out: Int16Array, outEnergyIn: number) {
  const { stats, tail } = state;
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
  state.halfDuplex = !converged;
  const voiceLike = isVoiceLike(state, { micOverEchoDb, rawErleDb, outEnergy, aboveFloorDb, converged });
  // Two blocks in a row, so one odd block never opens the path.
  const { voice } = state;
  state.voice = !voiceLike ? ECHO : voice.name === 'echo' ? VOICE_LIKE : { name: 'user', run: userRun(state) + 1 };
  const run = userRun(state);
  // A filter still learning removes little of the echo and, in double talk, adds its own errors to
  // the voice: the user it cannot hear past goes on as the microphone heard them.
  if (run > 0 && !converged) out.set(mic);
  state.startedUser = run === 1;
  if (stats.trackDivergence(rawErleDb, aboveFloorDb)) state.diverged = true;
  // The user's voice says nothing about the echo: it stays out of the statistics — unless "the user"
  // talks on for longer than any barge-in takes to stop the agent, which is the echo path changing.
  if (run === 0 || run > USER_RUN_LEARN_BLOCKS) {
    const { evidence } = state;
    evidence.echoDue = echoEnvelopeEnergy >= state.activeEnergy;
    evidence.micEnergy = micEnergy;
    evidence.aboveFloorDb = aboveFloorDb;
    evidence.erleDb = Math.max(0, rawErleDb);
    evidence.micOverEchoDb = micOverEchoDb;
    stats.learn(evidence);
  }
  stats.endSpeechBlock();
  // The user's voice is no echo: only the rest sets the echo's level.
  return voiceLike ? 0 : micEnergy;
}

/** A block of the agent's speech as the double-talk test sees it. */
interface SpeechBlockLevels {
  micOverEchoDb: number;
  rawErleDb: number;
  outEnergy: number;
  aboveFloorDb: number;
  converged: boolean;
}

/** The user's voice: far louder than any echo (whatever the filter does), or, once converged, clear of its leftover. */
function isVoiceLike(state: SuppressorState, levels: SpeechBlockLevels): boolean {
  const { micOverEchoDb, rawErleDb, outEnergy, aboveFloorDb, converged } = levels;
  const loud = loudOverEcho(state, micOverEchoDb, aboveFloorDb);
  state.sinceLoud = loud ? 0 : state.sinceLoud + 1;
  const overNoise = aboveFloorDb > VOICE_ABOVE_FLOOR_DB;
  // While the filter learns, the weak sounds between a loud user's syllables fail the one test there
  // is; they stay the user's for a moment (the robot stops for them within a few hundred ms), or a
  // command reaches the recognizer in pieces. Not once converged: the filter's own test hears them,
  // and the echo a hangover lets through cost real "stop"s over a reply in the echo matrix.
  const betweenSyllables = !converged && userRun(state) > 0 && state.sinceLoud <= USER_GAP_BLOCKS && overNoise;
  return loud || (converged && overNoise && clearOfEcho(state, rawErleDb, outEnergy, aboveFloorDb)) || betweenSyllables;
}

export function createEchoSuppressor(options: EchoSuppressorOptions): EchoSuppressor {
  const state = initialSuppressor(options);
  const { stats } = state;
  return {
    lastPassed: () => state.gain === 1,
    voiceLike: (mic, out) => voiceLikeNow(state, mic, out),
    startedUser: () => state.startedUser,
    typicalErleDb: () => stats.usualErleDb(),
    converged: () => stats.converged(),
    halfDuplex: () => state.halfDuplex,
    relearn() {
      stats.relearn();
      state.voice = ECHO;
    },
    diverged() {
      const was = state.diverged;
      state.diverged = false;
      return was;
    },
    process: (mic, reference, out, hold = false) => processBlock(state, mic, reference, out, hold),
  };
}
