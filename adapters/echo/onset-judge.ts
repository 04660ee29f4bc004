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

export function createEchoOnsetJudge(options: EchoOnsetJudgeOptions): EchoOnsetJudge {
  const { blockSamples } = options;
  const lagBlocks = Math.ceil((options.maxDelayMs * options.sampleRateHz) / 1000 / blockSamples) + 1;
  /** What played per block, the last `lagBlocks + 2` (ring, by block index). */
  const played = new Float64Array(lagBlocks + 2);
  /** Delays (in blocks) the microphone's quiet ruled out since the reply began. */
  const ruledOut = new Uint8Array(lagBlocks + 1);
  let block = 0;
  let sincePlayed = Number.POSITIVE_INFINITY;
  let quietRun = 0;
  /** The block the sound started in, and the timeline index of its first sample (undefined: quiet). */
  let onsetBlock: number | undefined;
  let onsetStart = 0;
  /** The delays that explain the sound (blocks), judged already (one verdict per sound). */
  let open: number[] = [];
  let judged = false;
  let userHeard = false;
  /** The last delays the echo was found at, samples (a device re-buffers between a few states). */
  const known: number[] = [];

  const playedAt = (index: number) => (index < 0 || block - index >= played.length ? 0 : played[index % played.length]!);

  /** The best pre-whitened correlation of the microphone since `from` with what played, at the delays `lags` (blocks, ascending). */
  const correlate = (mic: Int16Array, micEnd: number, from: number, lags: readonly number[]) => {
    const sound = mic.subarray(mic.length - (micEnd - from));
    let best: { samples: number; correlation: number } | undefined;
    for (let i = 0; i < lags.length;) {
      // Consecutive delays are one span (delay `lag` is [lag, lag + 1) blocks), a block wider each side.
      let j = i;
      while (j + 1 < lags.length && lags[j + 1] === lags[j]! + 1) j++;
      const low = Math.max(0, (lags[i]! - 1) * blockSamples);
      const radius = ((lags[j]! + 2) * blockSamples - low) >> 1;
      const peak = refineEchoDelay({ mic: sound, micEnd, reference: options.reference, coarse: low + radius, radius, minCorrelation: 0 });
      if (peak && (!best || peak.correlation > best.correlation)) best = peak;
      i = j + 1;
    }
    return best;
  };

  /** Quiet: no delay at which what played would be heard by now (both blocks it may come from loud). */
  const ruleOut = (echoGain: number, stirLevel: number) => {
    for (let lag = 0; lag <= lagBlocks; lag++) {
      const quieter = Math.min(playedAt(block - lag), playedAt(block - lag - 1));
      if (quieter * echoGain * 10 ** (-RULE_OUT_UNDER_DB / 10) >= stirLevel) ruledOut[lag] = 1;
    }
  };

  /** A sound starts: the delays that explain it are those left at which something loud enough just played. */
  const explaining = (echoGain: number, stirLevel: number) => {
    const lags: number[] = [];
    for (let lag = 0; lag <= lagBlocks; lag++) {
      const louder = Math.max(playedAt(block - lag), playedAt(block - lag - 1));
      if (!ruledOut[lag] && louder * echoGain * 10 ** (EXPLAIN_OVER_DB / 10) >= stirLevel) lags.push(lag);
    }
    return lags;
  };

  /** The sound, `length` blocks in: the echo at a delay left, the user, or undecided (undefined). */
  const judgeSound = (length: number, mic: Int16Array, micEnd: number): EchoOnsetVerdict | undefined => {
    const peak = open.length > 0 ? correlate(mic, micEnd, onsetStart, open) : undefined;
    const userMax = length >= LATER_BLOCKS ? USER_MAX_LATER_CORRELATION : USER_MAX_CORRELATION;
    if (peak && peak.correlation >= ECHO_MIN_CORRELATION) return { echo: true, ...peak };
    return !peak || peak.correlation < userMax ? { echo: false } : undefined;
  };

  /**
   * While the user is let through: their voice may run into the echo, at one of the delays seen before —
   * twice in a row at the same delay (the user's voice against the reply made a single chance peak of
   * 0.46 at 337 ms, 37 ms off the delay seen before, over 120 ms).
   */
  let lastUnder: number | undefined;
  const echoUnderUser = (mic: Int16Array, micEnd: number): EchoOnsetVerdict | undefined => {
    const lags = [...new Set(known.map((samples) => Math.floor(samples / blockSamples)))].sort((a, b) => a - b);
    const peak = lags.length > 0 ? correlate(mic, micEnd, micEnd - FIRST_TEST_BLOCKS * blockSamples, lags) : undefined;
    const strong = peak && peak.correlation >= ECHO_MIN_CORRELATION ? peak : undefined;
    const again = strong && lastUnder !== undefined && Math.abs(strong.samples - lastUnder) <= SAME_DELAY_SAMPLES;
    lastUnder = strong?.samples;
    return again ? { echo: true, ...strong } : undefined;
  };

  return {
    get userHeard() {
      return userHeard;
    },
    get judging() {
      return onsetBlock !== undefined && !judged && open.length <= MAX_OPEN_BLOCKS;
    },
    release() {
      userHeard = false;
      judged = true;
    },
    remember(samples) {
      if (known.some((k) => Math.abs(k - samples) < blockSamples)) return;
      known.push(samples);
      if (known.length > KNOWN_DELAYS) known.shift();
    },
    push({ micEnergy, playedEnergy, noiseEnergy, echoGain, holding, mic, micEnd }) {
      played[block % played.length] = playedEnergy;
      if (playedEnergy >= ACTIVE_ENERGY) {
        // A new reply: the delay may have moved in the pause before it, so the quiet before rules out nothing.
        if (sincePlayed > PAUSE_BLOCKS) ruledOut.fill(0);
        sincePlayed = 0;
      } else sincePlayed++;
      const levelsKnown = noiseEnergy > 0 && echoGain > 0;
      const stirLevel = noiseEnergy * 10 ** (STIR_DB / 10);
      let verdict: EchoOnsetVerdict | undefined;
      if (!levelsKnown || micEnergy < stirLevel) {
        quietRun++;
        if (levelsKnown) ruleOut(echoGain, stirLevel);
        if (quietRun >= QUIET_END_BLOCKS) {
          onsetBlock = undefined;
          userHeard = false;
        }
      } else {
        if (onsetBlock === undefined && quietRun > 0) {
          onsetBlock = block;
          onsetStart = micEnd - blockSamples;
          judged = false;
          open = explaining(echoGain, stirLevel);
        }
        quietRun = 0;
        const length = onsetBlock === undefined ? 0 : block - onsetBlock + 1;
        const due = length >= FIRST_TEST_BLOCKS && length <= LAST_TEST_BLOCKS && (length - FIRST_TEST_BLOCKS) % TEST_EVERY_BLOCKS === 0;
        if (holding && !judged && due && open.length <= MAX_OPEN_BLOCKS && micEnd - onsetStart <= mic.length) {
          verdict = judgeSound(length, mic, micEnd);
          if (verdict || length >= LAST_TEST_BLOCKS) judged = true;
          if (verdict && !verdict.echo) {
            userHeard = true;
            lastUnder = undefined;
          }
        } else if (holding && userHeard && block % TEST_EVERY_BLOCKS === 0) verdict = echoUnderUser(mic, micEnd);
      }
      block++;
      return verdict;
    },
  };
}
