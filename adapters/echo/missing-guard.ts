/**
 * The echo step's missing-echo guard (`stage.ts`): whether the echo is where the aligned reference
 * says. The reference (at the aligned delay) plays, but the microphone stays 20 dB under the echo's usual
 * level for 80 ms — the delay grew (a client or device re-buffered before this reply) — or, at a reply's
 * start, something comes before the aligned reference is due — the delay shrank (or the user spoke up in
 * the reply's first moments, which the guard cannot tell). Until the stage releases it (the delay was
 * found again), the guard holds: the suppressor takes every block for echo.
 *
 * @example
 * ```ts
 * const missing = createMissingEchoGuard();
 * const holding = missing.update(micEnergy, alignedReferenceEnergy, playedEnergy); // per block
 * if (holding && delayFoundAgain) missing.release();
 * ```
 */
import { energyOfDbfs, SPEECH_ACTIVE_DBFS } from '../audio/levels.js';
import { ECHO_TUNING, valuesOf } from './tuning.js';

/** A block of what played at or above this is speech; below, a pause. */
export const ACTIVE_ENERGY = energyOfDbfs(SPEECH_ACTIVE_DBFS);
const {
  PLAYED_DECAY_DB,
  QUIET_RISE_DB,
  MISSING_DB,
  MISSING_BLOCKS,
  BACK_DB,
  LEAD_BLOCKS,
  GAIN_WINDOW,
  GAIN_MIN,
  RECOMPUTE_EVERY,
  PAUSE_BLOCKS,
  EARLY_DB,
  EARLY_BLOCKS,
  STIR_DB,
  STIR_BLOCKS,
  ECHO_BACK_BLOCKS,
} = valuesOf(ECHO_TUNING.missingGuard);
const PLAYED_DECAY = 10 ** (-PLAYED_DECAY_DB / 10);
const QUIET_RISE = 10 ** (QUIET_RISE_DB / 10);

/**
 * The guard's phases: `watching` (the echo is where the reference says; runs of blocks that say otherwise
 * are counted) and `holding` (it is not, until `release`; `back` counts the blocks of the echo at its
 * usual level where the reference says, which tell the delay did not move).
 */
type MissingGuardPhase = Watching | { readonly name: 'holding'; back: number };
/** Watching: the blocks in a row in which the echo was missing, came early, or something stirred early. */
interface Watching {
  readonly name: 'watching';
  missingRun: number;
  earlyRun: number;
  stirRun: number;
}

/** The guard's state: what it learnt of the echo and the room, what just played, and its phase. */
interface MissingGuardState {
  /** The echo's gain over the reference (energy ratio) in the last blocks of the agent's speech. */
  readonly gains: number[];
  /** Their median, recomputed every `RECOMPUTE_EVERY` blocks (0 until `GAIN_MIN` blocks). */
  usualGain: number;
  sinceUsual: number;
  /** The aligned reference's last blocks (ring, next at `leadAt`): the oldest's echo is surely in this block. */
  readonly leads: Float64Array;
  leadAt: number;
  /** Blocks since something played (unaligned), and its level: its peak, decaying (the echo's reverberation lasts). */
  sincePlayed: number;
  playedLevel: number;
  /** A reply started (something played after a pause) but its echo is not due yet at the aligned delay. */
  preEcho: boolean;
  /** The microphone's level while nothing plays (a slow minimum: the room's noise; 0 while unknown). */
  quiet: number;
  /** The hold (the current one, or the last) is for an echo that came early, not one that is missing. */
  early: boolean;
  phase: MissingGuardPhase;
}

const watching = (): Watching => ({ name: 'watching', missingRun: 0, earlyRun: 0, stirRun: 0 });

function initialMissingGuard(): MissingGuardState {
  return {
    gains: [],
    usualGain: 0,
    sinceUsual: 0,
    leads: new Float64Array(LEAD_BLOCKS + 1),
    leadAt: 0,
    sincePlayed: Number.POSITIVE_INFINITY,
    playedLevel: 0,
    preEcho: false,
    quiet: 0,
    early: false,
    phase: watching(),
  };
}

/** `energy` lowered, or raised, by `db`. */
const under = (energy: number, db: number) => energy * 10 ** (-db / 10);
const over = (energy: number, db: number) => energy * 10 ** (db / 10);

/** One block: the microphone's energy, the aligned reference's and what played (unaligned); true while holding. */
function updateGuard(state: MissingGuardState, micEnergy: number, refEnergy: number, playedEnergy: number): boolean {
  const lead = nextLead(state, refEnergy);
  trackPlayed(state, playedEnergy);
  if (lead >= ACTIVE_ENERGY) state.preEcho = false;
  const { phase } = state;
  if (phase.name === 'holding') {
    if (lead >= ACTIVE_ENERGY) {
      const usual = state.usualGain > 0 && micEnergy / lead >= under(state.usualGain, BACK_DB);
      phase.back = usual ? phase.back + 1 : 0;
    }
    return true;
  }
  if (cameEarly(state, phase, micEnergy, playedEnergy < ACTIVE_ENERGY && lead < ACTIVE_ENERGY)) {
    state.phase = { name: 'holding', back: 0 };
    state.early = true;
    return true;
  }
  if (lead < ACTIVE_ENERGY) {
    phase.missingRun = 0;
    return false;
  }
  const gain = micEnergy / lead;
  const missing = state.gains.length >= GAIN_MIN && gain < under(state.usualGain, MISSING_DB);
  phase.missingRun = missing ? phase.missingRun + 1 : 0;
  if (phase.missingRun >= MISSING_BLOCKS) {
    state.phase = { name: 'holding', back: 0 };
    state.early = false;
    return true;
  }
  learnGain(state, gain);
  return false;
}

/** The aligned reference's block whose echo is surely in this microphone block: `LEAD_BLOCKS` back. */
function nextLead(state: MissingGuardState, refEnergy: number): number {
  state.leads[state.leadAt] = refEnergy;
  state.leadAt = (state.leadAt + 1) % state.leads.length;
  return state.leads[state.leadAt]!;
}

/** What played (unaligned): a reply starting after a pause, and the decaying level of what just played. */
function trackPlayed(state: MissingGuardState, playedEnergy: number): void {
  if (playedEnergy >= ACTIVE_ENERGY) {
    // A reply started, but its echo is not due yet at the aligned delay.
    if (state.sincePlayed > PAUSE_BLOCKS) state.preEcho = true;
    state.sincePlayed = 0;
    state.playedLevel = Math.max(state.playedLevel * PLAYED_DECAY, playedEnergy);
  } else {
    state.sincePlayed++;
    state.playedLevel *= PLAYED_DECAY;
  }
}

/**
 * Before the aligned reference plays, the echo at its usual level over what just played, or anything over
 * the room's noise (a reply's first syllables are often soft), for a few blocks: the delay shrank. `silent`:
 * nothing plays nor is due, so the block is the room's noise.
 */
function cameEarly(state: MissingGuardState, runs: Watching, micEnergy: number, silent: boolean): boolean {
  const { preEcho, quiet } = state;
  const known = preEcho && state.gains.length >= GAIN_MIN;
  const early = known && micEnergy >= under(state.usualGain * state.playedLevel, EARLY_DB);
  runs.earlyRun = early ? runs.earlyRun + 1 : 0;
  const stirring = known && quiet > 0 && micEnergy >= over(quiet, STIR_DB);
  runs.stirRun = stirring ? runs.stirRun + 1 : 0;
  if (silent) state.quiet = quiet === 0 ? micEnergy : Math.min(micEnergy, quiet * QUIET_RISE);
  return runs.earlyRun >= EARLY_BLOCKS || runs.stirRun >= STIR_BLOCKS;
}

/** The echo's gain in a block where it was where the reference says: its usual level, a median. */
function learnGain(state: MissingGuardState, gain: number): void {
  const { gains } = state;
  gains.push(gain);
  if (gains.length > GAIN_WINDOW) gains.shift();
  if (++state.sinceUsual >= RECOMPUTE_EVERY && gains.length >= GAIN_MIN) {
    state.sinceUsual = 0;
    state.usualGain = [...gains].sort((a, b) => a - b)[gains.length >> 1]!;
  }
}

/** The missing-echo guard, per block: see {@link createMissingEchoGuard}. */
export interface MissingEchoGuard {
  /**
   * The block's microphone energy, the aligned reference's and what played over the same samples
   * (unaligned); true while the guard holds.
   */
  update(micEnergy: number, refEnergy: number, playedEnergy: number): boolean;
  /** Whether the hold is for an echo that came early (the delay shrank), not one that is missing (it grew). */
  early(): boolean;
  /** The delay was found again: the echo is where the reference now says. */
  release(): void;
  /**
   * While holding: the echo's usual level came back where the reference says, for a few blocks (the delay
   * did not move).
   */
  echoBack(): boolean;
  /** The room's noise (block energy) and the echo's usual gain over what played, energy ratio (0 while unknown). */
  levels(): { noiseEnergy: number; echoGain: number };
}

/**
 * The missing-echo guard: the reference (at the aligned delay) plays, but the microphone stays 20 dB
 * under the echo's usual level for 80 ms — the delay grew (a client or device re-buffered before this
 * reply) — or, at a reply's start, an echo at its usual level comes before the aligned reference plays —
 * the delay shrank (or the user spoke up in the reply's first moments, which the guard cannot tell).
 * Until the estimator has found the delay again (a new one, or the same), the linear filter gets silence
 * as its reference, so it does not unlearn the room (an adaptive filter that hears the reference and no
 * echo learns that there is none), and the suppressor holds.
 */
export function createMissingEchoGuard(): MissingEchoGuard {
  const state = initialMissingGuard();
  return {
    update: (micEnergy, refEnergy, playedEnergy) => updateGuard(state, micEnergy, refEnergy, playedEnergy),
    early: () => state.early,
    release() {
      state.phase = watching();
      // The echo is where the reference now says: what came before it is no longer early.
      state.preEcho = false;
    },
    echoBack: () => state.phase.name === 'holding' && state.phase.back >= ECHO_BACK_BLOCKS,
    levels: () => ({ noiseEnergy: state.quiet, echoGain: state.gains.length >= GAIN_MIN ? state.usualGain : 0 }),
  };
}
