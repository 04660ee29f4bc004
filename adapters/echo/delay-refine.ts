/**
 * The echo delay to the sample: the envelope estimate (`delay.ts`) is good to a few ms, which is
 * enough to place the reference but not to keep what the linear filter learnt when the delay moves — a
 * filter shifted by 2 ms cancels little above 250 Hz. So when the delay changes, the waveforms are
 * correlated around the estimate (± `radiusMs`) over the last half second: first differences of both
 * (a pre-whitening that sharpens speech's broad autocorrelation to a peak a sample or two wide), the lag
 * of the highest normalized correlation. A path that only moved in time (a device or client re-buffering
 * between replies: the room is the same) then keeps its learnt filter: the reference moves by exactly
 * the delay's change.
 *
 * @example
 * ```ts
 * const refined = refineEchoDelay({ mic, micEnd, reference, coarse: 4800, radius: 160 });
 * if (refined) aligned = refined.samples - margin;
 * ```
 */
import type { EchoReference } from './reference.js';
import { fft, powerOfTwoAtLeast } from './fft.js';
import { ECHO_TUNING, valuesOf } from './tuning.js';

export interface RefineEchoDelayInput {
  /** The microphone's last samples, oldest first. */
  mic: Int16Array;
  /** Timeline index one past the last sample of `mic`. */
  micEnd: number;
  reference: Pick<EchoReference, 'read'>;
  /** The envelope estimate, samples. */
  coarse: number;
  /** Lags searched either side of `coarse`, samples. */
  radius: number;
  /** The weakest peak returned (default 0.2: under it, no echo stands out); 0 returns the best whatever it is. */
  minCorrelation?: number;
}

export interface RefinedEchoDelay {
  samples: number;
  /** Normalized correlation at the peak (pre-whitened): an echo's direct sound gives 0.3 and more. */
  correlation: number;
}

const { MIN_CORRELATION } = valuesOf(ECHO_TUNING.delayRefine);

/** The delay to the sample near `coarse`, or undefined when no clear peak stands out (double talk, no echo). */
export function refineEchoDelay({
  mic,
  micEnd,
  reference,
  coarse,
  radius,
  minCorrelation = MIN_CORRELATION,
}: RefineEchoDelayInput): RefinedEchoDelay | undefined {
  const n = mic.length;
  const from = Math.max(0, coarse - radius);
  const to = coarse + radius;
  // The reference span that any lag in [from, to] lines up with the microphone.
  const refStart = micEnd - n - to;
  const span = n + (to - from);
  const ref = new Int16Array(span + 1);
  reference.read(refStart - 1, ref);
  const dRef = new Float64Array(span);
  for (let i = 0; i < span; i++) dRef[i] = ref[i + 1]! - ref[i]!;
  const dMic = new Float64Array(n - 1);
  let micPower = 0;
  for (let i = 1; i < n; i++) {
    dMic[i - 1] = mic[i]! - mic[i - 1]!;
    micPower += dMic[i - 1]! * dMic[i - 1]!;
  }
  if (micPower === 0) return undefined;
  const dots = crossCorrelate(dRef, dMic);
  // The reference's power under the microphone at each offset, from running sums (exact: integers).
  const refSums = new Float64Array(span + 1);
  for (let i = 0; i < span; i++) refSums[i + 1] = refSums[i]! + dRef[i]! * dRef[i]!;
  let best: RefinedEchoDelay | undefined;
  for (let lag = from; lag <= to; lag++) {
    // Microphone sample i (of dMic, index i + 1 of mic) lines up with reference index micEnd - n + i + 1 - lag.
    const offset = to - lag + 1;
    const refPower = refSums[offset + n - 1]! - refSums[offset]!;
    if (refPower === 0) continue;
    const correlation = dots[offset]! / Math.sqrt(micPower * refPower);
    if (!best || correlation > best.correlation) best = { samples: lag, correlation };
  }
  return best && best.correlation >= minCorrelation ? best : undefined;
}

/** `out[k]` = Σ `b[i]` · `a[k + i]` for every k where `b` fits in `a`, through the frequency domain. */
function crossCorrelate(a: Float64Array, b: Float64Array): Float64Array {
  const size = powerOfTwoAtLeast(a.length);
  const [aRe, aIm, bRe, bIm] = [
    new Float64Array(size),
    new Float64Array(size),
    new Float64Array(size),
    new Float64Array(size),
  ];
  aRe.set(a);
  bRe.set(b);
  fft(aRe, aIm);
  fft(bRe, bIm);
  // A times the conjugate of B: the correlation's spectrum.
  for (let k = 0; k < size; k++) {
    const re = aRe[k]! * bRe[k]! + aIm[k]! * bIm[k]!;
    const im = aIm[k]! * bRe[k]! - aRe[k]! * bIm[k]!;
    aRe[k] = re;
    aIm[k] = im;
  }
  fft(aRe, aIm, true);
  for (let k = 0; k < size; k++) aRe[k]! /= size;
  return aRe;
}
