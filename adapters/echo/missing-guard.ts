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
  LEAD_BLOCKS,
  GAIN_WINDOW,
  GAIN_MIN,
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
 * The missing-echo guard: the reference (at the aligned delay) plays, but the microphone stays 20 dB
 * under the echo's usual level for 80 ms — the delay grew (a client or device re-buffered before this
 * reply) — or, at a reply's start, an echo at its usual level comes before the aligned reference plays —
 * the delay shrank (or the user spoke up in the reply's first moments, which the guard cannot tell). Until the estimator has found the delay again (a new one, or the same), the linear
 * filter gets silence as its reference, so it does not unlearn the room (an adaptive filter that hears
 * the reference and no echo learns that there is none), and the suppressor holds.
 */
export function createMissingEchoGuard() {
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
    /** The room's noise (block energy) and the echo's usual gain over what played, energy ratio (0 while unknown). */
    levels: () => ({ noiseEnergy: quiet, echoGain: gains.length >= GAIN_MIN ? usualGain : 0 }),
  };
}
