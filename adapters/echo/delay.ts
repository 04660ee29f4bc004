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

import { createOnsetCorrelation } from './onset-correlation.js';
import { energyOfDbfs, SPEECH_ACTIVE_DBFS } from '../audio/levels.js';
import { ECHO_TUNING, MAX_DELAY_MS, valuesOf } from './tuning.js';

export interface EchoDelayOptions {
  sampleRateHz: number;
  /** The longest delay searched. Why 1.6 s: robots report up to 1.4 s between playback and microphone. */
  maxDelayMs?: number;
  /** Envelope resolution. Why 4 ms: a syllable's onset is ~10 ms; finer costs lags for nothing (the parabola refines it). */
  hopMs?: number;
  /** Forgetting time of the correlation. Why 1 s: a few syllables of echo, short enough to follow a changing delay. */
  windowMs?: number;
  /**
   * Why 0.6 to take a new delay: an echo's onsets correlate 0.8–0.9 with the reference's (the room's
   * reverberation and noise included); the user's speech against the agent's reaches 0.55 by chance over a
   * short window. Once taken, a delay is kept while its correlation stays above `keepCorrelation`.
   */
  minCorrelation?: number;
  /** Why 0.35: double talk and quiet echo lower the echo's correlation without moving its peak. */
  keepCorrelation?: number;
  /** Why 120 ms: a new delay must be the best for a syllable or so before the filter is moved. */
  holdMs?: number;
  /** Why 0.25: after a pause, the last reply's evidence counts a quarter of the next reply's first syllables. */
  newReplyWeight?: number;
  /** Why 600 ms: the agent's pauses between sentences are shorter; between replies, longer. */
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

const { FLOOR_DBFS, RISE_MS, PLACE_RADIUS_HOPS, MIN_EVIDENCE_HOPS, SMALL_MOVE_HOPS, SWITCH_MARGIN } = valuesOf(ECHO_TUNING.delay);

export function createEchoDelayEstimator(options: EchoDelayOptions): EchoDelayEstimator {
  const { sampleRateHz } = options;
  const hopMs = options.hopMs ?? 4;
  const hop = Math.max(1, Math.round((hopMs * sampleRateHz) / 1000));
  const lags = Math.ceil((options.maxDelayMs ?? MAX_DELAY_MS) / hopMs) + 1;
  const forget = Math.exp(-hopMs / (options.windowMs ?? 1000));
  const minCorrelation = options.minCorrelation ?? 0.6;
  const keepCorrelation = options.keepCorrelation ?? 0.35;
  const holdHops = Math.ceil((options.holdMs ?? 120) / hopMs);
  const newReplyWeight = options.newReplyWeight ?? 0.25;
  const newReplyHops = Math.ceil((options.newReplyAfterMs ?? 600) / hopMs);
  const floorEnergy = energyOfDbfs(FLOOR_DBFS);
  const activeDb = SPEECH_ACTIVE_DBFS - FLOOR_DBFS;

  /** Onsets over 16 ms find the echo; onsets over one hop place it (see {@link RISE_MS}). */
  const finding = createOnsetCorrelation({ lags, riseHops: Math.max(1, Math.round(RISE_MS / hopMs)), forget });
  const placing = createOnsetCorrelation({ lags, riseHops: 1, forget });
  /** Whether the reference was active in each of the last `lags` hops (ring). */
  const refActive = new Uint8Array(lags);
  let activeInRange = 0;
  let refAt = 0;
  /** Hops since the reference was last active (a pause longer than `newReplyHops` starts a new reply). */
  let sinceActive = Number.POSITIVE_INFINITY;
  let micSum = 0;
  let refSum = 0;
  let current: EchoDelayEstimate | undefined;
  let candidateLag = -1;
  /** A candidate delay is pending, best since hop `candidateSince`. */
  let pending = false;
  let candidateSince = 0;
  let hopCount = 0;
  /** The correlation moved since the last decision (decisions are made once per `push`, not per hop). */
  let learned = false;
  let changes = 0;
  /** Hops accumulated while the reference played: a correlation over a few hops is chance. */
  let evidenceHops = 0;
  /** `forget()` was called: the current delay is in doubt until a new one is found. */
  let contested = false;
  /** The delay before the last one taken, and whether it was in doubt (what `reject` restores). */
  let previous: EchoDelayEstimate | undefined;
  let previousContested = false;

  const logEnergy = (sum: number) => 10 * Math.log10(sum / hop + floorEnergy) - 10 * Math.log10(floorEnergy);

  /** The delay in samples near `found` (a lag of the 16 ms onsets): the one-hop onsets' peak, refined by a parabola. */
  const refined = (found: number): number => {
    const at = placing.ncc;
    let lag = found;
    for (let l = found - PLACE_RADIUS_HOPS; l <= found + PLACE_RADIUS_HOPS; l++) if (at(l) > at(lag)) lag = l;
    if (lag <= 0 || lag >= lags - 1) return Math.max(0, lag) * hop;
    const [a, b, c] = [at(lag - 1), at(lag), at(lag + 1)];
    const curve = a - 2 * b + c;
    const offset = curve < 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / curve)) : 0;
    return Math.round((lag + offset) * hop);
  };

  const decide = () => {
    if (evidenceHops < MIN_EVIDENCE_HOPS) return;
    const { lag, value } = finding.best();
    const currentLag = current ? Math.round(current.samples / hop) : -2;
    if (lag < 0 || value < (Math.abs(lag - currentLag) <= 1 ? keepCorrelation : minCorrelation)) {
      pending = false;
      return;
    }
    if (Math.abs(lag - currentLag) <= 1) {
      // Still the same delay: follow its refinement and its correlation (and, in doubt, confirm it).
      current = { samples: refined(lag), correlation: value };
      if (value >= minCorrelation) contested = false;
      pending = false;
      return;
    }
    // A rival must beat the current delay by a clear margin: the reference's own rhythm makes side peaks.
    if (current && !contested && value < finding.ncc(currentLag) + SWITCH_MARGIN) {
      pending = false;
      return;
    }
    // In doubt (little fresh evidence), the peak wanders over the room's early reflections: a few hops count as the same.
    if (!pending || Math.abs(lag - candidateLag) > (contested ? SMALL_MOVE_HOPS : 1)) candidateSince = hopCount;
    pending = true;
    candidateLag = lag;
    if (hopCount - candidateSince >= holdHops) {
      // A move of a few hops is the peak wandering over the room's early reflections, not a new delay.
      if (!current || Math.abs(lag - currentLag) > SMALL_MOVE_HOPS) changes++;
      previous = current;
      previousContested = contested;
      current = { samples: refined(lag), correlation: value };
      pending = false;
      contested = false;
    }
  };

  const step = (micEnergySum: number, refEnergySum: number) => {
    const refDb = logEnergy(refEnergySum);
    const micDb = logEnergy(micEnergySum);
    const active = refDb >= activeDb ? 1 : 0;
    activeInRange += active - refActive[refAt]!;
    refActive[refAt] = active;
    if (active) {
      if (sinceActive > newReplyHops) {
        // A new reply after a pause: what the last one said about the delay may no longer hold.
        finding.discount(newReplyWeight);
        placing.discount(newReplyWeight);
      }
      sinceActive = 0;
    } else sinceActive++;
    // Nothing played within the search range: the microphone holds no echo to learn from.
    const learn = activeInRange > 0;
    // Onsets: the rise of the log envelope (reverberation lengthens decays, not rises).
    finding.push(refDb, micDb, learn);
    placing.push(refDb, micDb, learn);
    if (learn) {
      evidenceHops++;
      learned = true;
    }
    hopCount++;
    refAt = (refAt + 1) % lags;
  };

  let fill = 0;
  return {
    get changes() {
      return changes;
    },
    get found() {
      return current !== undefined && !contested;
    },
    push(mic, reference) {
      const n = Math.min(mic.length, reference.length);
      for (let i = 0; i < n; i++) {
        micSum += mic[i]! * mic[i]!;
        refSum += reference[i]! * reference[i]!;
        if (++fill === hop) {
          step(micSum, refSum);
          micSum = 0;
          refSum = 0;
          fill = 0;
        }
      }
      if (learned) {
        learned = false;
        decide();
      }
    },
    forget() {
      finding.discount(0);
      placing.discount(0);
      evidenceHops = MIN_EVIDENCE_HOPS / 2;
      contested = true;
      pending = false;
    },
    reject() {
      if (previous) current = previous;
      // A delay in doubt before (its echo went missing) is in doubt again: it is not found by a rival refused.
      contested = previousContested;
      pending = false;
    },
    adopt(samples) {
      previous = current;
      previousContested = contested;
      current = { samples, correlation: minCorrelation };
      changes++;
      finding.discount(0);
      placing.discount(0);
      evidenceHops = MIN_EVIDENCE_HOPS / 2;
      contested = false;
      pending = false;
    },
    delaySamples: () => current?.samples,
    estimate: () => current,
  };
}
