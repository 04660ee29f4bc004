/**
 * Echo delay estimation: how long after the session's sink played a sample the microphone hears it (the
 * device's output buffer, a client's playout buffer, the distance, the input buffer). Robots without a
 * canceller of their own report 0.3 to 1.4 s, changing between utterances: far more than an adaptive
 * filter should model, and not constant. The estimate lets the input conditioner delay the reference so
 * the linear filter only has to learn the room (see `input-conditioner.ts`).
 *
 * Method: normalized cross-correlation of onsets. Every `hopMs` (4 ms) the log energy of the reference
 * and of the microphone is taken, and its rise (the syllables' onsets; the slow level drops out); for
 * every lag from 0 to `maxDelayMs` the correlation, and both powers, are accumulated with exponential
 * forgetting over `windowMs` (a sliding ~1 s window, updated in O(lags) per hop: ~0.2 M multiply-adds a
 * second for the two onset widths, `onset-correlation.ts`). Only hops where the reference was playing
 * within the search range count, so silence between replies keeps the estimate. The lag with the highest
 * normalized correlation of the rises over 16 ms, placed by the one-hop rises' peak near it and refined to
 * the sample by a parabola through its neighbours, becomes the delay
 * once it is clear of the floor (`minCorrelation`) and has held for `holdMs`. A reply after a pause in the
 * agent's speech discounts the older evidence (`newReplyWeight`): devices re-buffer between replies, so a
 * delay that jumped is followed within a few hundred ms of the next reply.
 *
 * Envelopes, not waveforms: they survive reverberation (onsets stay where the direct sound puts them, the
 * reverberation only lengthens the decays), non-linear speakers, resampling and clock drift, and cost a
 * fraction of a waveform correlation over 1.5 s of lags.
 *
 * @example
 * ```ts
 * const estimator = createEchoDelayEstimator({ sampleRateHz: 16_000 });
 * estimator.push(micBlock, referenceBlock); // both the same span of the timeline, any length
 * estimator.delaySamples(); // undefined until an echo was heard; then e.g. 4800 (300 ms)
 * ```
 */

import { createOnsetCorrelation, type OnsetCorrelation } from './onset-correlation.js';
import { energyOfDbfs, SPEECH_ACTIVE_DBFS } from '../audio/levels.js';
import { ECHO_TUNING, MAX_DELAY_MS, valuesOf } from './tuning.js';

/** The estimator's options; each default is in `ECHO_TUNING.delay` (tuning.ts), with why it has that value. */
export interface EchoDelayOptions {
  sampleRateHz: number;
  /** The longest delay searched (default `MAX_DELAY_MS`). */
  maxDelayMs?: number;
  /** Envelope resolution (`HOP_MS`). */
  hopMs?: number;
  /** Forgetting time of the correlation (`WINDOW_MS`). */
  windowMs?: number;
  /** Correlation to take a new delay (`MIN_CORRELATION`); once taken, it is kept above `keepCorrelation`. */
  minCorrelation?: number;
  /** Correlation to keep the delay taken (`KEEP_CORRELATION`). */
  keepCorrelation?: number;
  /** How long a new delay must be the best before it is taken (`HOLD_MS`). */
  holdMs?: number;
  /** What the evidence so far counts when a new reply starts after a pause (`NEW_REPLY_WEIGHT`). */
  newReplyWeight?: number;
  /** A pause in what played this long starts a new reply (`NEW_REPLY_AFTER_MS`). */
  newReplyAfterMs?: number;
}

export interface EchoDelayEstimate {
  /** Delay in samples (refined below the hop). */
  samples: number;
  /** Normalized correlation at that delay, 0–1. */
  correlation: number;
}

export interface EchoDelayEstimator {
  /** Feeds one span of microphone audio and the reference played over the same span of the timeline. */
  push(mic: Int16Array, reference: Int16Array): void;
  /** The current delay in samples, or undefined before any echo was heard. */
  delaySamples(): number | undefined;
  /** The current estimate with its correlation (undefined before any echo was heard). */
  estimate(): EchoDelayEstimate | undefined;
  /** Times the delay changed (the first estimate included). */
  readonly changes: number;
  /**
   * The echo is not where the current delay puts it (the caller saw the reference play and no echo come
   * back): the evidence so far is dropped, and the next clear peak becomes the delay without having to
   * beat the old one.
   */
  forget(): void;
  /** False from `forget()` until the delay is found again (the same one, or a new one). */
  readonly found: boolean;
  /**
   * The last change was no move of the echo (the caller found no waveform peak at the new delay while the
   * echo stayed where the old one put it): the old delay is back, and the rival must hold anew to return.
   */
  reject(): void;
  /**
   * The caller found the echo at `samples` itself (its waveforms, where the microphone's quiet left no
   * other delay): that is the delay now, and the evidence for the old one goes.
   */
  adopt(samples: number): void;
}

const {
  HOP_MS,
  WINDOW_MS,
  MIN_CORRELATION,
  KEEP_CORRELATION,
  HOLD_MS,
  NEW_REPLY_WEIGHT,
  NEW_REPLY_AFTER_MS,
  FLOOR_DBFS,
  RISE_MS,
  PLACE_RADIUS_HOPS,
  MIN_EVIDENCE_HOPS,
  SMALL_MOVE_HOPS,
  SWITCH_MARGIN,
} = valuesOf(ECHO_TUNING.delay);

/** The options as the estimator uses them: in hops, and the envelope's floor as an energy. */
interface DelayConfig {
  /** Samples per hop. */
  readonly hop: number;
  /** Lags searched, hops (0 to the longest delay). */
  readonly lags: number;
  readonly minCorrelation: number;
  readonly keepCorrelation: number;
  readonly holdHops: number;
  readonly newReplyWeight: number;
  readonly newReplyHops: number;
  readonly floorEnergy: number;
  /** What counts as the reference playing, dB over the envelope's floor. */
  readonly activeDb: number;
}

/**
 * The delay decided on. Its phases: no echo heard yet (`estimate` undefined), found, and in doubt
 * (`doubt`: the echo went missing, and the next clear peak is taken without having to beat the old one).
 * In any of them a rival lag may be pending, taken once it has been the best for `holdHops`.
 */
interface DelayDecision {
  estimate: EchoDelayEstimate | undefined;
  doubt: boolean;
  /** The rival lag pending, and the hop since which it (or a lag next to it) has been the best. */
  rival: { lag: number; sinceHop: number } | undefined;
  /** The delay before the last one taken, and whether it was in doubt (what `reject` restores). */
  previous: { estimate: EchoDelayEstimate | undefined; doubt: boolean };
  /** Times the delay changed (the first estimate included). */
  changes: number;
}

/** The estimator's state: the hop being summed, the onsets' evidence, and the delay decided on. */
interface DelayState {
  readonly config: DelayConfig;
  /** Onsets over 16 ms find the echo; onsets over one hop place it (see {@link RISE_MS}). */
  readonly finding: OnsetCorrelation;
  readonly placing: OnsetCorrelation;
  /** The hop being summed: the microphone's and the reference's sums of squares, and its samples so far. */
  readonly sums: { mic: number; ref: number; samples: number };
  /** Whether the reference was active in each of the last `lags` hops (ring, next at `refAt`). */
  readonly refActive: Uint8Array;
  refAt: number;
  /** Hops of the ring in which the reference was active. */
  activeInRange: number;
  /** Hops since the reference was last active (a pause longer than `newReplyHops` starts a new reply). */
  sinceActive: number;
  hops: number;
  /** Hops accumulated while the reference played: a correlation over a few hops is chance. */
  evidenceHops: number;
  /** The correlation moved since the last decision (decisions are made once per `push`, not per hop). */
  learned: boolean;
  readonly decision: DelayDecision;
}

function initialDelayState(options: EchoDelayOptions): DelayState {
  const hopMs = options.hopMs ?? HOP_MS;
  const lags = Math.ceil((options.maxDelayMs ?? MAX_DELAY_MS) / hopMs) + 1;
  const forget = Math.exp(-hopMs / (options.windowMs ?? WINDOW_MS));
  const config: DelayConfig = {
    hop: Math.max(1, Math.round((hopMs * options.sampleRateHz) / 1000)),
    lags,
    minCorrelation: options.minCorrelation ?? MIN_CORRELATION,
    keepCorrelation: options.keepCorrelation ?? KEEP_CORRELATION,
    holdHops: Math.ceil((options.holdMs ?? HOLD_MS) / hopMs),
    newReplyWeight: options.newReplyWeight ?? NEW_REPLY_WEIGHT,
    newReplyHops: Math.ceil((options.newReplyAfterMs ?? NEW_REPLY_AFTER_MS) / hopMs),
    floorEnergy: energyOfDbfs(FLOOR_DBFS),
    activeDb: SPEECH_ACTIVE_DBFS - FLOOR_DBFS,
  };
  return {
    config,
    finding: createOnsetCorrelation({ lags, riseHops: Math.max(1, Math.round(RISE_MS / hopMs)), forget }),
    placing: createOnsetCorrelation({ lags, riseHops: 1, forget }),
    sums: { mic: 0, ref: 0, samples: 0 },
    refActive: new Uint8Array(lags),
    refAt: 0,
    activeInRange: 0,
    sinceActive: Number.POSITIVE_INFINITY,
    hops: 0,
    evidenceHops: 0,
    learned: false,
    decision: {
      estimate: undefined,
      doubt: false,
      rival: undefined,
      previous: { estimate: undefined, doubt: false },
      changes: 0,
    },
  };
}

/** One span of the microphone and the reference: summed into hops, and a decision if the evidence moved. */
function pushSpan(state: DelayState, mic: Int16Array, reference: Int16Array): void {
  const { sums } = state;
  const n = Math.min(mic.length, reference.length);
  for (let i = 0; i < n; i++) {
    sums.mic += mic[i]! * mic[i]!;
    sums.ref += reference[i]! * reference[i]!;
    if (++sums.samples === state.config.hop) advanceHop(state);
  }
  if (state.learned) {
    state.learned = false;
    decide(state);
  }
}

/** The envelope's dB over the floor, for a hop's sum of squares. */
function logEnergy(config: DelayConfig, sum: number): number {
  const { hop, floorEnergy } = config;
  return 10 * Math.log10(sum / hop + floorEnergy) - 10 * Math.log10(floorEnergy);
}

/** A whole hop summed: its onsets go into the correlations (if the reference played within the range). */
function advanceHop(state: DelayState): void {
  const { config, finding, placing, sums } = state;
  const refDb = logEnergy(config, sums.ref);
  const micDb = logEnergy(config, sums.mic);
  const active = refDb >= config.activeDb ? 1 : 0;
  state.activeInRange += active - state.refActive[state.refAt]!;
  state.refActive[state.refAt] = active;
  if (active) {
    if (state.sinceActive > config.newReplyHops) {
      // A new reply after a pause: what the last one said about the delay may no longer hold.
      finding.discount(config.newReplyWeight);
      placing.discount(config.newReplyWeight);
    }
    state.sinceActive = 0;
  } else state.sinceActive++;
  // Nothing played within the search range: the microphone holds no echo to learn from.
  const learn = state.activeInRange > 0;
  // Onsets: the rise of the log envelope (reverberation lengthens decays, not rises).
  finding.push(refDb, micDb, learn);
  placing.push(refDb, micDb, learn);
  if (learn) {
    state.evidenceHops++;
    state.learned = true;
  }
  state.hops++;
  state.refAt = (state.refAt + 1) % config.lags;
  sums.mic = 0;
  sums.ref = 0;
  sums.samples = 0;
}

/** The delay the evidence points to now: the same one refined, a rival held long enough, or no change. */
function decide(state: DelayState): void {
  const { config, finding, decision } = state;
  if (state.evidenceHops < MIN_EVIDENCE_HOPS) return;
  const { lag, value } = finding.best();
  const currentLag = decision.estimate ? Math.round(decision.estimate.samples / config.hop) : -2;
  const same = Math.abs(lag - currentLag) <= 1;
  if (lag < 0 || value < (same ? config.keepCorrelation : config.minCorrelation)) {
    decision.rival = undefined;
    return;
  }
  if (same) {
    // Still the same delay: follow its refinement and its correlation (and, in doubt, confirm it).
    decision.estimate = { samples: placeDelay(state, lag), correlation: value };
    if (value >= config.minCorrelation) decision.doubt = false;
    decision.rival = undefined;
    return;
  }
  // A rival must beat the current delay by a clear margin: the reference's own rhythm makes side peaks.
  if (decision.estimate && !decision.doubt && value < finding.ncc(currentLag) + SWITCH_MARGIN) {
    decision.rival = undefined;
    return;
  }
  // In doubt (little fresh evidence), the peak wanders over the room's early reflections: a few hops count as the same.
  const { rival } = decision;
  const moved = !rival || Math.abs(lag - rival.lag) > (decision.doubt ? SMALL_MOVE_HOPS : 1);
  const sinceHop = moved ? state.hops : rival.sinceHop;
  decision.rival = { lag, sinceHop };
  if (state.hops - sinceHop < config.holdHops) return;
  // A move of a few hops is the peak wandering over the room's early reflections, not a new delay.
  if (!decision.estimate || Math.abs(lag - currentLag) > SMALL_MOVE_HOPS) decision.changes++;
  takeDelay(decision, { samples: placeDelay(state, lag), correlation: value });
}

/** The delay in samples near `found` (a lag of the 16 ms onsets): the one-hop onsets' peak, refined by a parabola. */
function placeDelay(state: DelayState, found: number): number {
  const { hop, lags } = state.config;
  const at = state.placing.ncc;
  let lag = found;
  for (let l = found - PLACE_RADIUS_HOPS; l <= found + PLACE_RADIUS_HOPS; l++) if (at(l) > at(lag)) lag = l;
  if (lag <= 0 || lag >= lags - 1) return Math.max(0, lag) * hop;
  const [a, b, c] = [at(lag - 1), at(lag), at(lag + 1)];
  const curve = a - 2 * b + c;
  const offset = curve < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / curve)) : 0;
  return Math.round((lag + offset) * hop);
}

/** `estimate` becomes the delay, found; the one before is kept for `reject`. */
function takeDelay(decision: DelayDecision, estimate: EchoDelayEstimate): void {
  decision.previous = { estimate: decision.estimate, doubt: decision.doubt };
  decision.estimate = estimate;
  decision.rival = undefined;
  decision.doubt = false;
}

/** The evidence so far goes: the next peak stands on fresh hops (half the evidence a first estimate needs). */
function dropEvidence(state: DelayState): void {
  state.finding.discount(0);
  state.placing.discount(0);
  state.evidenceHops = MIN_EVIDENCE_HOPS / 2;
}

export function createEchoDelayEstimator(options: EchoDelayOptions): EchoDelayEstimator {
  const state = initialDelayState(options);
  const { decision } = state;
  return {
    get changes() {
      return decision.changes;
    },
    get found() {
      return decision.estimate !== undefined && !decision.doubt;
    },
    push: (mic, reference) => pushSpan(state, mic, reference),
    forget() {
      dropEvidence(state);
      decision.doubt = true;
      decision.rival = undefined;
    },
    reject() {
      if (decision.previous.estimate) decision.estimate = decision.previous.estimate;
      // A delay in doubt before (its echo went missing) is in doubt again: it is not found by a rival refused.
      decision.doubt = decision.previous.doubt;
      decision.rival = undefined;
    },
    adopt(samples) {
      takeDelay(decision, { samples, correlation: state.config.minCorrelation });
      decision.changes++;
      dropEvidence(state);
    },
    delaySamples: () => decision.estimate?.samples,
    estimate: () => decision.estimate,
  };
}
