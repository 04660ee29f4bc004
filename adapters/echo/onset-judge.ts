/**
 * Whether a sound that starts while the echo step holds (`stage.ts`: the echo is not where the
 * aligned reference says, its delay moved) is the agent's echo or the user. Held, the stage cannot cancel,
 * so it takes everything for echo until the delay is found again — which takes the echo's first syllables
 * when the delay shrank, and the echo's coming back when it grew (1.4 s into a reply, long after a user
 * who talked over it). But the microphone's quiet since the reply began already rules most delays out.
 *
 * Every block where the microphone stays under the room's noise plus 6 dB rules out every delay at which
 * what played would have been heard by then (at the echo's usual gain less 10 dB). When a sound starts
 * there, the only delays left that explain it are those at which something loud enough played just
 * before — at a reply's start, the sound's onset less the reply's first syllable. The pre-whitened
 * waveforms (`delay-refine.ts`) are then correlated at those delays only, over the sound's first
 * 120–240 ms: a peak of 0.3 is the echo, at that delay (the stage moves there at once); under 0.15 at every
 * delay left, or no delay left at all, it is no echo: the user, whom the stage lets through (`userHeard`)
 * until the microphone is quiet again — or until the echo shows under the user's voice at one of the
 * last delays it was found at (every 40 ms over the last 120 ms, twice in a row at the same delay),
 * where it comes when a device re-buffers between a few states.
 *
 * @example
 * ```ts
 * const judge = createEchoOnsetJudge({ sampleRateHz: 16_000, blockSamples: 320, maxDelayMs: 1600, reference });
 * const verdict = judge.push({ micEnergy, playedEnergy, noiseEnergy, echoGain, holding, mic: lastHalfSecond, micEnd });
 * if (verdict?.echo) moveTo(verdict.samples);
 * ```
 */
import { refineEchoDelay } from './delay-refine.js';
import type { EchoReference } from './reference.js';
// The guard's levels: what counts as playing, as a sound over the room's noise, and as a pause between replies.
import { ACTIVE_ENERGY } from './missing-guard.js';
import { ECHO_TUNING, valuesOf } from './tuning.js';

export interface EchoOnsetJudgeOptions {
  sampleRateHz: number;
  blockSamples: number;
  /** The longest echo delay searched. */
  maxDelayMs: number;
  reference: Pick<EchoReference, 'read'>;
}

export interface EchoOnsetBlock {
  /** The microphone's energy over the block (mean square). */
  micEnergy: number;
  /** What played over the same samples of the timeline (unaligned), energy. */
  playedEnergy: number;
  /** The room's noise, block energy (0 while unknown). */
  noiseEnergy: number;
  /** The echo's usual energy over what played (0 while unknown). */
  echoGain: number;
  /** The stage holds (the echo is not where the aligned reference says): only then is a sound judged. */
  holding: boolean;
  /** The microphone's last samples, oldest first (at least the sound's 240 ms), ending at `micEnd`. */
  mic: Int16Array;
  /** Timeline index one past the block's last sample. */
  micEnd: number;
}

export type EchoOnsetVerdict = { echo: true; samples: number; correlation: number } | { echo: false };

export interface EchoOnsetJudge {
  /** One block, in order; a verdict once per sound, while holding. */
  push(block: EchoOnsetBlock): EchoOnsetVerdict | undefined;
  /** The last sound was judged to be the user, and the microphone has not been quiet since. */
  readonly userHeard: boolean;
  /** A sound started while holding and is being judged (no verdict yet). */
  readonly judging: boolean;
  /** The hold is over (the delay was found): what was judged is done with. */
  release(): void;
  /** The echo was found at `samples` (to the sample): while the user is let through, that delay is watched. */
  remember(samples: number): void;
}

const {
  RULE_OUT_UNDER_DB,
  EXPLAIN_OVER_DB,
  FIRST_TEST_BLOCKS,
  TEST_EVERY_BLOCKS,
  LAST_TEST_BLOCKS,
  ECHO_MIN_CORRELATION,
  USER_MAX_CORRELATION,
  USER_MAX_LATER_CORRELATION,
  LATER_BLOCKS,
  QUIET_END_BLOCKS,
  MAX_OPEN_BLOCKS,
  SAME_DELAY_SAMPLES,
  KNOWN_DELAYS,
} = valuesOf(ECHO_TUNING.onsetJudge);
const { PAUSE_BLOCKS, STIR_DB } = valuesOf(ECHO_TUNING.missingGuard);

/**
 * The judge's phases: `quiet` (no sound since the microphone was last quiet long enough) and `sound` (one
 * started at block `block`, timeline index `start`, explained by the delays `open`). A sound's verdict is
 * `pending`, `given` (the echo, no verdict by the last test, or the hold ended) or `user`, after which the
 * echo is watched for under the user's voice (`lastUnder`: where it peaked at the last test).
 */
type OnsetPhase =
  | { readonly name: 'quiet' }
  | {
      readonly name: 'sound';
      readonly block: number;
      readonly start: number;
      readonly open: readonly number[];
      verdict: 'pending' | 'given' | 'user';
      lastUnder: number | undefined;
    };
type Sound = Extract<OnsetPhase, { name: 'sound' }>;
/** A block's verdict, or none (undefined). */
type Verdict = EchoOnsetVerdict | undefined;
const QUIET: OnsetPhase = { name: 'quiet' };

/** The judge's state: what played and what the quiet ruled out, by block, and the sound it is on. */
interface OnsetJudgeState {
  readonly options: EchoOnsetJudgeOptions;
  /** Delays searched, blocks (0 to the longest delay). */
  readonly lagBlocks: number;
  /** What played per block, the last `lagBlocks + 2` (ring, by block index). */
  readonly played: Float64Array;
  /** Delays (in blocks) the microphone's quiet ruled out since the reply began. */
  readonly ruledOut: Uint8Array;
  /** The last delays the echo was found at, samples (a device re-buffers between a few states). */
  readonly known: number[];
  /** The block being pushed, counted from the first. */
  block: number;
  sincePlayed: number;
  /** Quiet blocks in a row. */
  quietRun: number;
  phase: OnsetPhase;
}

function initialOnsetJudge(options: EchoOnsetJudgeOptions): OnsetJudgeState {
  const lagBlocks = Math.ceil((options.maxDelayMs * options.sampleRateHz) / 1000 / options.blockSamples) + 1;
  return {
    options,
    lagBlocks,
    played: new Float64Array(lagBlocks + 2),
    ruledOut: new Uint8Array(lagBlocks + 1),
    known: [],
    block: 0,
    sincePlayed: Number.POSITIVE_INFINITY,
    quietRun: 0,
    phase: QUIET,
  };
}

/** One block: what played is kept, and the block is quiet (it rules delays out) or part of a sound. */
function pushBlock(state: OnsetJudgeState, input: EchoOnsetBlock): Verdict {
  const { micEnergy, playedEnergy, noiseEnergy, echoGain } = input;
  state.played[state.block % state.played.length] = playedEnergy;
  if (playedEnergy >= ACTIVE_ENERGY) {
    // A new reply: the delay may have moved in the pause before it, so the quiet before rules out nothing.
    if (state.sincePlayed > PAUSE_BLOCKS) state.ruledOut.fill(0);
    state.sincePlayed = 0;
  } else state.sincePlayed++;
  const levelsKnown = noiseEnergy > 0 && echoGain > 0;
  const stirLevel = noiseEnergy * 10 ** (STIR_DB / 10);
  let verdict: EchoOnsetVerdict | undefined;
  if (!levelsKnown || micEnergy < stirLevel) {
    state.quietRun++;
    if (levelsKnown) ruleOut(state, echoGain, stirLevel);
    if (state.quietRun >= QUIET_END_BLOCKS) state.phase = QUIET;
  } else verdict = soundBlock(state, input, stirLevel);
  state.block++;
  return verdict;
}

/** A block over the room's noise: a sound starts after quiet, and is judged (while held) at its tests. */
function soundBlock(state: OnsetJudgeState, input: EchoOnsetBlock, stirLevel: number): Verdict {
  const { holding, mic, micEnd } = input;
  if (state.phase.name === 'quiet' && state.quietRun > 0) {
    const open = explaining(state, input.echoGain, stirLevel);
    const start = micEnd - state.options.blockSamples;
    state.phase = { name: 'sound', block: state.block, start, open, verdict: 'pending', lastUnder: undefined };
  }
  state.quietRun = 0;
  const sound = state.phase;
  if (sound.name === 'quiet' || !holding) return undefined;
  const length = state.block - sound.block + 1;
  const judgeable = sound.verdict === 'pending' && sound.open.length <= MAX_OPEN_BLOCKS;
  if (judgeable && testDue(length) && micEnd - sound.start <= mic.length) {
    const verdict = judgeSound(state, sound, length, mic, micEnd);
    if (verdict || length >= LAST_TEST_BLOCKS) sound.verdict = 'given';
    if (verdict && !verdict.echo) {
      sound.verdict = 'user';
      sound.lastUnder = undefined;
    }
    return verdict;
  }
  if (sound.verdict !== 'user' || state.block % TEST_EVERY_BLOCKS !== 0) return undefined;
  return echoUnderUser(state, sound, mic, micEnd);
}

/** Whether a sound `length` blocks long is tested now: `FIRST_TEST_BLOCKS` in, then every `TEST_EVERY_BLOCKS`. */
function testDue(length: number): boolean {
  if (length < FIRST_TEST_BLOCKS || length > LAST_TEST_BLOCKS) return false;
  return (length - FIRST_TEST_BLOCKS) % TEST_EVERY_BLOCKS === 0;
}

/** What played at block `index` (0 outside the ring). */
const playedAt = (state: OnsetJudgeState, index: number) =>
  index < 0 || state.block - index >= state.played.length ? 0 : state.played[index % state.played.length]!;

/** Quiet: no delay at which what played would be heard by now (both blocks it may come from loud). */
function ruleOut(state: OnsetJudgeState, echoGain: number, stirLevel: number): void {
  const { block } = state;
  for (let lag = 0; lag <= state.lagBlocks; lag++) {
    const quieter = Math.min(playedAt(state, block - lag), playedAt(state, block - lag - 1));
    if (quieter * echoGain * 10 ** (-RULE_OUT_UNDER_DB / 10) >= stirLevel) state.ruledOut[lag] = 1;
  }
}

/** A sound starts: the delays that explain it are those left at which something loud enough just played. */
function explaining(state: OnsetJudgeState, echoGain: number, stirLevel: number): number[] {
  const { block } = state;
  const lags: number[] = [];
  for (let lag = 0; lag <= state.lagBlocks; lag++) {
    const louder = Math.max(playedAt(state, block - lag), playedAt(state, block - lag - 1));
    if (!state.ruledOut[lag] && louder * echoGain * 10 ** (EXPLAIN_OVER_DB / 10) >= stirLevel) lags.push(lag);
  }
  return lags;
}

/** The sound, `length` blocks in: the echo at a delay left, the user, or undecided (undefined). */
function judgeSound(state: OnsetJudgeState, sound: Sound, length: number, mic: Int16Array, micEnd: number): Verdict {
  const peak = sound.open.length > 0 ? correlate(state, mic, micEnd, sound.start, sound.open) : undefined;
  const userMax = length >= LATER_BLOCKS ? USER_MAX_LATER_CORRELATION : USER_MAX_CORRELATION;
  if (peak && peak.correlation >= ECHO_MIN_CORRELATION) return { echo: true, ...peak };
  return !peak || peak.correlation < userMax ? { echo: false } : undefined;
}

/**
 * While the user is let through: their voice may run into the echo, at one of the delays seen before —
 * twice in a row at the same delay (the user's voice against the reply made a single chance peak of
 * 0.46 at 337 ms, 37 ms off the delay seen before, over 120 ms).
 */
function echoUnderUser(state: OnsetJudgeState, sound: Sound, mic: Int16Array, micEnd: number): Verdict {
  const { blockSamples } = state.options;
  const lags = [...new Set(state.known.map((samples) => Math.floor(samples / blockSamples)))].sort((a, b) => a - b);
  const from = micEnd - FIRST_TEST_BLOCKS * blockSamples;
  const peak = lags.length > 0 ? correlate(state, mic, micEnd, from, lags) : undefined;
  const strong = peak && peak.correlation >= ECHO_MIN_CORRELATION ? peak : undefined;
  const last = sound.lastUnder;
  const again = strong && last !== undefined && Math.abs(strong.samples - last) <= SAME_DELAY_SAMPLES;
  sound.lastUnder = strong?.samples;
  return again ? { echo: true, ...strong } : undefined;
}

/**
 * The best pre-whitened correlation of the microphone since `from` with what played, at the delays `lags`
 * (blocks, ascending).
 */
function correlate(state: OnsetJudgeState, mic: Int16Array, micEnd: number, from: number, lags: readonly number[]) {
  const { blockSamples, reference } = state.options;
  const sound = mic.subarray(mic.length - (micEnd - from));
  let best: { samples: number; correlation: number } | undefined;
  for (let i = 0; i < lags.length;) {
    // Consecutive delays are one span (delay `lag` is [lag, lag + 1) blocks), a block wider each side.
    let j = i;
    while (j + 1 < lags.length && lags[j + 1] === lags[j]! + 1) j++;
    const low = Math.max(0, (lags[i]! - 1) * blockSamples);
    const radius = ((lags[j]! + 2) * blockSamples - low) >> 1;
    const peak = refineEchoDelay({ mic: sound, micEnd, reference, coarse: low + radius, radius, minCorrelation: 0 });
    if (peak && (!best || peak.correlation > best.correlation)) best = peak;
    i = j + 1;
  }
  return best;
}

export function createEchoOnsetJudge(options: EchoOnsetJudgeOptions): EchoOnsetJudge {
  const state = initialOnsetJudge(options);
  return {
    get userHeard() {
      return state.phase.name === 'sound' && state.phase.verdict === 'user';
    },
    get judging() {
      const { phase } = state;
      return phase.name === 'sound' && phase.verdict === 'pending' && phase.open.length <= MAX_OPEN_BLOCKS;
    },
    release() {
      if (state.phase.name === 'sound') state.phase.verdict = 'given';
    },
    remember(samples) {
      const { known } = state;
      if (known.some((k) => Math.abs(k - samples) < options.blockSamples)) return;
      known.push(samples);
      if (known.length > KNOWN_DELAYS) known.shift();
    },
    push: (block) => pushBlock(state, block),
  };
}
