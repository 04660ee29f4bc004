/**
 * The echo delay estimator's running correlation of onsets (`delay.ts`): for every lag from 0 to
 * `lags - 1` hops, the reference's onsets that many hops ago against the microphone's now, and both
 * powers, each accumulated with exponential forgetting. An onset is the rise of a log energy envelope over
 * `riseHops` hops; `push` takes the envelopes, in dB, one hop at a time.
 *
 * @example
 * ```ts
 * const onsets = createOnsetCorrelation({ lags: 401, riseHops: 1, forget: 0.996 });
 * onsets.push(refDb, micDb, true); // every 4 ms hop
 * onsets.ncc(75); // normalized correlation at a 300 ms lag, 0..1
 * ```
 */

export interface OnsetCorrelation {
  /**
   * One hop of both envelopes (dB over the floor); `learn`: accumulate it (the reference played within the search
   * range).
   */
  push(refDb: number, micDb: number, learn: boolean): void;
  /** Normalized correlation at `lag` hops (0 outside the range or before any evidence). */
  ncc(lag: number): number;
  /** The lag with the highest normalized correlation, and that correlation (lag -1: no evidence yet). */
  best(): { lag: number; value: number };
  /** Weighs what was accumulated so far by `weight` (0: forgets it all). */
  discount(weight: number): void;
}

export function createOnsetCorrelation(options: { lags: number; riseHops: number; forget: number }): OnsetCorrelation {
  const { lags, riseHops, forget } = options;
  /** The reference's onsets of the last `lags` hops (ring). */
  const refOnsets = new Float64Array(lags);
  let refAt = 0;
  let filled = 0;
  const correlation = new Float64Array(lags);
  const refPower = new Float64Array(lags);
  let micPower = 0;
  /** The last `riseHops` envelope values of each, for the rise (ring). */
  const refHistory = new Float64Array(riseHops);
  const micHistory = new Float64Array(riseHops);
  let historyAt = 0;

  const ncc = (lag: number) => {
    if (lag < 0 || lag >= lags) return 0;
    const d = Math.sqrt(refPower[lag]! * micPower);
    return d > 0 ? correlation[lag]! / d : 0;
  };
  return {
    push(refDb, micDb, learn) {
      refOnsets[refAt] = Math.max(0, refDb - refHistory[historyAt]!);
      const micOnset = Math.max(0, micDb - micHistory[historyAt]!);
      refHistory[historyAt] = refDb;
      micHistory[historyAt] = micDb;
      historyAt = (historyAt + 1) % riseHops;
      filled = Math.min(filled + 1, lags);
      if (learn) {
        micPower = forget * micPower + micOnset * micOnset;
        for (let l = 0; l < filled; l++) {
          const r = refOnsets[(refAt - l + lags) % lags]!;
          correlation[l] = forget * correlation[l]! + micOnset * r;
          refPower[l] = forget * refPower[l]! + r * r;
        }
      }
      refAt = (refAt + 1) % lags;
    },
    ncc,
    best() {
      let lag = -1;
      let value = -1;
      for (let l = 0; l < lags; l++) {
        const c = ncc(l);
        if (refPower[l]! > 0 && c > value) [lag, value] = [l, c];
      }
      return { lag, value };
    },
    discount(weight) {
      for (let l = 0; l < lags; l++) {
        correlation[l]! *= weight;
        refPower[l]! *= weight;
      }
      micPower *= weight;
    },
  };
}
