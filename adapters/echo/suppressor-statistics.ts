/**
 * What the echo suppressor knows of the room and the canceller, learned block by block: the room's noise
 * floor (while the agent is silent), and while it speaks the canceller's typical ERLE, the level its
 * output usually stays under, and how loud the agent's speech usually comes back over its envelope. From
 * these: whether the canceller has converged (its typical ERLE reached `convergedErleDb`, or its output
 * stays near the room's noise), and whether it has diverged (its output typically louder than the
 * microphone).
 *
 * Typical is over the last second while learning, so half duplex ends about a second after convergence,
 * and over the last three once converged, with 6 dB of hysteresis, so a barge-in cannot knock it back.
 *
 * @example
 * ```ts
 * const stats = createSuppressorStatistics({ convergedErleDb: 18 });
 * stats.noiseBlock(outEnergy); // agent silent: true when the block is at the room's noise floor
 * stats.learn({ echoDue: true, micEnergy, aboveFloorDb, erleDb, micOverEchoDb }); // agent speaking
 * stats.converged(); // the user can interrupt
 * ```
 */
import { ECHO_TUNING, valuesOf } from './tuning.js';

const {
  WINDOW_BLOCKS,
  LEARNING_WINDOW_BLOCKS,
  MIN_HISTORY,
  FLOOR_WINDOW_BLOCKS,
  FLOOR_PERCENTILE,
  RECOMPUTE_EVERY,
  NOISE_BLOCK_DB,
  RESIDUAL_NEAR_FLOOR_DB,
  RESIDUAL_PERCENTILE,
  CONVERGED_HYSTERESIS_DB,
  DIVERGED_ERLE_DB,
  DIVERGED_BLOCKS,
  AUDIBLE_ECHO_DB,
  ECHO_GAIN_PERCENTILE,
} = valuesOf(ECHO_TUNING.suppressor);

const db = (ratio: number) => 10 * Math.log10(ratio);

const scratch: number[] = [];
/** The `p` quantile of `values` (a few hundred at most: sorting a copy is cheap). */
function percentile(values: readonly number[], p: number): number {
  scratch.length = 0;
  scratch.push(...values);
  scratch.sort((a, b) => a - b);
  return scratch[Math.floor(p * (scratch.length - 1))]!;
}

const pushWindow = (values: number[], value: number, size: number) => {
  values.push(value);
  if (values.length > size) values.shift();
};

/** One block of the agent's speech, as the statistics learn from it. */
export interface EchoBlockEvidence {
  /** An echo is due (the reference's decaying envelope is active): what the canceller leaves says something. */
  echoDue: boolean;
  micEnergy: number;
  /** The canceller's output over the room's noise floor (dB). */
  aboveFloorDb: number;
  /** ERLE of the block (dB, 0 at least). */
  erleDb: number;
  /** The microphone over the reference's envelope (dB). */
  micOverEchoDb: number;
}

export interface SuppressorStatistics {
  /** A block while the agent is silent (the canceller's output energy): whether it is at the room's noise floor. */
  noiseBlock(outEnergy: number): boolean;
  /** `energy` over the room's noise floor (dB). */
  aboveFloorDb(energy: number): number;
  /** A block of the agent's speech that was not the user's voice. */
  learn(evidence: EchoBlockEvidence): void;
  /**
   * A block's ERLE as the canceller made it (negative: louder than the microphone): true once its output
   * has typically been louder for `DIVERGED_BLOCKS`; after a strong echo, the canceller is learned again.
   */
  trackDivergence(rawErleDb: number, aboveFloorDb: number): boolean;
  /** Ends a block of the agent's speech: every `RECOMPUTE_EVERY` of them, the typical values are computed again. */
  endSpeechBlock(): void;
  /** The echo path changed: everything about the canceller is learned again (the room's noise and echo level stay). */
  relearn(): void;
  converged(): boolean;
  /**
   * The canceller removes a strong echo (ERLE over `convergedErleDb`, or converged on its ERLE): its leftover is loud.
   */
  strongEcho(): boolean;
  /** The canceller's typical ERLE (dB; undefined before any). */
  usualErleDb(): number | undefined;
  /** The level over the floor that most of the canceller's output stays under while the agent speaks (dB). */
  usualResidualDb(): number;
  /** What the agent's speech usually brings back to the microphone over its envelope (dB; undefined before any). */
  usualEchoGainDb(): number | undefined;
}

/**
 * The canceller as the statistics see it: `learning` (half duplex), or `converged` — on its ERLE alone
 * (`onErle`: its output not near the room's noise, so the echo it removes is strong), or on an output near
 * the room's noise.
 */
type CancellerPhase = { readonly name: 'learning' } | { readonly name: 'converged'; readonly onErle: boolean };
const LEARNING: CancellerPhase = { name: 'learning' };

/** What the statistics hold: the last blocks' values, and what was computed from them. */
interface StatisticsState {
  readonly convergedErleDb: number;
  /** Per-block ERLE (dB) of audible blocks while the agent spoke, oldest first. */
  readonly erles: number[];
  /** Per-block output level over the noise floor (dB) while an echo was due, oldest first. */
  readonly residuals: number[];
  /** The microphone over the reference's envelope (dB) in blocks of the agent's audible echo, oldest first. */
  readonly echoGains: number[];
  /** Output energies of the last blocks while the agent was silent, for the noise floor. */
  readonly quiet: number[];
  /** ERLE (dB) of the last blocks with something above the noise in the output while the agent spoke. */
  readonly recentErles: number[];
  /** The room's noise floor (energy), and the quiet blocks since it was computed. */
  floorEnergy: number;
  sinceFloor: number;
  /** The typical values (dB; see {@link SuppressorStatistics}), and the blocks of speech since they were computed. */
  usual: { erle: number | undefined; residual: number; echoGain: number | undefined };
  sinceUsual: number;
  phase: CancellerPhase;
}

const strongEcho = ({ usual, convergedErleDb, phase }: StatisticsState) =>
  usual.erle !== undefined && (usual.erle >= convergedErleDb || (phase.name === 'converged' && phase.onErle));

function forgetCanceller(state: StatisticsState): void {
  state.residuals.length = 0;
  state.erles.length = 0;
  state.phase = LEARNING;
  state.usual.erle = undefined;
  state.usual.residual = Number.POSITIVE_INFINITY;
}

/** The typical values from the blocks kept, and whether the canceller has converged on them. */
function recompute(state: StatisticsState): void {
  const { usual, erles, residuals, echoGains } = state;
  const converged = state.phase.name === 'converged';
  // Learning: the last second only, so half duplex ends soon after the canceller has converged.
  const recentOf = (values: number[]) => (converged ? values : values.slice(-LEARNING_WINDOW_BLOCKS));
  usual.erle = erles.length >= MIN_HISTORY ? percentile(recentOf(erles), 0.5) : undefined;
  usual.residual = percentile(recentOf(residuals), RESIDUAL_PERCENTILE);
  // Not `recentOf`: the echo's loudness is the speaker's and the room's, kept over a relearn.
  if (echoGains.length >= MIN_HISTORY) usual.echoGain = percentile(echoGains, ECHO_GAIN_PERCENTILE);
  // Hysteresis: once converged, only a clearly worse canceller (6 dB) goes back to half duplex.
  const slack = converged ? CONVERGED_HYSTERESIS_DB : 0;
  const residualNearFloor = usual.residual <= RESIDUAL_NEAR_FLOOR_DB + slack;
  const erleReached = usual.erle !== undefined && usual.erle >= state.convergedErleDb - slack;
  state.phase = residualNearFloor || erleReached ? { name: 'converged', onErle: !residualNearFloor } : LEARNING;
}

function noiseBlock(state: StatisticsState, outEnergy: number): boolean {
  const { quiet } = state;
  pushWindow(quiet, outEnergy, FLOOR_WINDOW_BLOCKS);
  if (++state.sinceFloor >= RECOMPUTE_EVERY || quiet.length < RECOMPUTE_EVERY) {
    state.sinceFloor = 0;
    state.floorEnergy = percentile(quiet, FLOOR_PERCENTILE);
  }
  return outEnergy <= state.floorEnergy * 10 ** (NOISE_BLOCK_DB / 10);
}

function learn(state: StatisticsState, evidence: EchoBlockEvidence): void {
  const { echoDue, micEnergy, aboveFloorDb, erleDb, micOverEchoDb } = evidence;
  // What the canceller leaves says something only where an echo is due: not in the tail after a reply
  // (a cut one's too), where an output at the room's noise would pass for a canceller that removed it all.
  if (echoDue) pushWindow(state.residuals, aboveFloorDb, WINDOW_BLOCKS);
  if (micEnergy > state.floorEnergy * 10 ** (AUDIBLE_ECHO_DB / 10)) {
    pushWindow(state.erles, erleDb, WINDOW_BLOCKS);
    pushWindow(state.echoGains, micOverEchoDb, WINDOW_BLOCKS);
  }
}

function trackDivergence(state: StatisticsState, rawErleDb: number, aboveFloorDb: number): boolean {
  const { recentErles } = state;
  if (aboveFloorDb <= RESIDUAL_NEAR_FLOOR_DB) return false;
  pushWindow(recentErles, rawErleDb, DIVERGED_BLOCKS);
  if (recentErles.length < DIVERGED_BLOCKS || percentile(recentErles, 0.5) >= DIVERGED_ERLE_DB) return false;
  recentErles.length = 0;
  // The reset canceller lets a strong echo through until it has learned again: half duplex until then.
  // A weak echo (or none) stays out anyway: blocks the canceller made louder are the microphone's own.
  if (strongEcho(state)) forgetCanceller(state);
  return true;
}

export function createSuppressorStatistics(options: { convergedErleDb: number }): SuppressorStatistics {
  const state: StatisticsState = {
    convergedErleDb: options.convergedErleDb,
    erles: [],
    residuals: [],
    echoGains: [],
    quiet: [],
    recentErles: [],
    floorEnergy: 0,
    sinceFloor: RECOMPUTE_EVERY,
    usual: { erle: undefined, residual: Number.POSITIVE_INFINITY, echoGain: undefined },
    sinceUsual: RECOMPUTE_EVERY,
    phase: LEARNING,
  };
  return {
    noiseBlock: (outEnergy) => noiseBlock(state, outEnergy),
    aboveFloorDb: (energy) => db((energy + 1) / (state.floorEnergy + 1)),
    learn: (evidence) => learn(state, evidence),
    trackDivergence: (rawErleDb, aboveFloorDb) => trackDivergence(state, rawErleDb, aboveFloorDb),
    endSpeechBlock() {
      if (state.residuals.length < MIN_HISTORY || ++state.sinceUsual < RECOMPUTE_EVERY) return;
      state.sinceUsual = 0;
      recompute(state);
    },
    relearn() {
      forgetCanceller(state);
      state.recentErles.length = 0;
    },
    converged: () => state.phase.name === 'converged',
    strongEcho: () => strongEcho(state),
    usualErleDb: () => state.usual.erle,
    usualResidualDb: () => state.usual.residual,
    usualEchoGainDb: () => state.usual.echoGain,
  };
}
