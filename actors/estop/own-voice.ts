/**
 * How much of a stretch of the microphone is the robot's own voice that the echo canceller's linear filter
 * let through. The filter's echo estimate is the reference played through the room it learnt, so it holds
 * the robot's voice and nothing of the user's. Where the path drifted (a sound server's loopback, a device
 * whose clock runs apart from the speaker's, a loopback whose latency jumps), the filter lags it by a
 * fraction of a sample to a few ms, and what it lets through is its own estimate again, shifted and
 * scaled: a short filter on the estimate explains it. A user's voice, which the estimate does not hold, it
 * explains only by chance.
 *
 * The stop spotter asks this before it stops the robot: a "stop" mostly explained by the estimate is a
 * burst of the robot's own speech (`estop_own_voice`), not the user's.
 *
 * @example
 * ```ts
 * const record = createOwnVoiceRecord({ sampleRateHz: 16_000 });
 * record.push(block.echoParts); // a ConditionedBlock's: beside the audio the spotter hears, sample for sample
 * record.explainedShare(startSample, endSample); // 0.02: the user; 0.9: the robot's echo
 * ```
 */
import type { EchoParts } from '../../adapters/echo/index.js';
import { ESTOP_TUNING, valuesOf } from './tuning.js';

export interface OwnVoiceRecordOptions {
  sampleRateHz: number;
  /** How much is kept, ms (default `ESTOP_TUNING.ownVoice.KEPT_MS`: 3 s). */
  keptMs?: number;
}

export interface OwnVoiceRecord {
  /**
   * The parts of the next samples (in order; their count advances the record's clock). `atSample`: where
   * they begin, when samples before them came without parts (those count as silence).
   */
  push(parts: EchoParts, atSample?: number): void;
  /** Samples pushed so far. */
  readonly samples: number;
  /**
   * The share (0..1) of the residual's energy over samples [from, to) that a short filter on the
   * estimate explains; 0 where the record holds none of it or the estimate is silent.
   */
  explainedShare(from: number, to: number): number;
}

const { KEPT_MS, SHIFT_MS } = valuesOf(ESTOP_TUNING.ownVoice);
/** Why 4 (an RMS of 2): the estimate is rounded to whole samples twice (the filter's output, then here). */
const ROUNDING_ENERGY = 4;

export function createOwnVoiceRecord({ sampleRateHz, keptMs = KEPT_MS }: OwnVoiceRecordOptions): OwnVoiceRecord {
  const size = Math.round((keptMs * sampleRateHz) / 1000);
  const residual = new Int16Array(size);
  const estimate = new Int16Array(size);
  const shift = Math.max(1, Math.round((SHIFT_MS * sampleRateHz) / 1000));
  let written = 0;
  return {
    push(parts, atSample = written) {
      if (atSample > written) {
        for (let i = Math.max(written, atSample - size); i < atSample; i++) residual[i % size] = estimate[i % size] = 0;
        written = atSample;
      }
      const n = Math.min(parts.residual.length, parts.estimate.length);
      let at = written % size;
      for (let i = 0; i < n; i++) {
        residual[at] = parts.residual[i]!;
        estimate[at] = parts.estimate[i]!;
        if (++at === size) at = 0;
      }
      written += n;
    },
    get samples() {
      return written;
    },
    explainedShare(from, to) {
      // The estimate is read `shift` samples either side of the stretch: those must be kept too.
      const first = Math.max(from, written - size + shift);
      const last = Math.min(to, written - shift);
      if (last - first < 4 * shift) return 0;
      const target = new Float64Array(last - first);
      const source = new Float64Array(last - first + 2 * shift);
      for (let n = 0; n < target.length; n++) target[n] = residual[(first + n) % size]!;
      for (let n = 0; n < source.length; n++) source[n] = estimate[(first - shift + n) % size]!;
      return fitShare(target, source, shift);
    },
  };
}

/**
 * Least squares of `target` on `source` delayed by −shift..shift samples (`source[n + shift]` is aligned
 * with `target[n]`; it is `2·shift` longer): the share of the target's energy the best such filter explains.
 */
export function fitShare(target: Float64Array, source: Float64Array, shift: number): number {
  const taps = 2 * shift + 1;
  const expected = target.length + 2 * shift;
  if (source.length !== expected) {
    throw new RangeError(`fitShare: source must be ${expected} samples (target + 2·shift), not ${source.length}`);
  }
  const targetEnergy = energyOf(target);
  if (targetEnergy === 0) return 0;
  // An estimate no louder than its rounding (the robot silent) holds no echo: nothing to fit.
  if (energyOf(source) <= ROUNDING_ENERGY * source.length) return 0;
  // The normal equations: the source's correlation at each pair of lags (Toeplitz, read from one row
  // computed over the whole source), and its correlation with the target at each lag.
  const lagCorrelation = autocorrelation(source, taps);
  const cross = crossCorrelation(target, source, taps);
  const weights = solve(normalMatrix(lagCorrelation), Float64Array.from(cross));
  return Math.min(1, Math.max(0, dot(weights, cross) / targetEnergy));
}

/** The sum of the squares of `x`'s samples. */
function energyOf(x: Float64Array): number {
  let energy = 0;
  for (let n = 0; n < x.length; n++) energy += x[n]! * x[n]!;
  return energy;
}

/** The sum of `a[k]·b[k]` over `a`'s length. */
function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k]! * b[k]!;
  return sum;
}

/** `source`'s correlation with itself at lags 0..taps−1, over the whole source. */
function autocorrelation(source: Float64Array, taps: number): Float64Array {
  const correlation = new Float64Array(taps);
  for (let lag = 0; lag < taps; lag++) {
    let sum = 0;
    for (let n = 0; n + lag < source.length; n++) sum += source[n]! * source[n + lag]!;
    correlation[lag] = sum;
  }
  return correlation;
}

/** `target`'s correlation with `source` read from each of its first `taps` samples on. */
function crossCorrelation(target: Float64Array, source: Float64Array, taps: number): Float64Array {
  const cross = new Float64Array(taps);
  for (let k = 0; k < taps; k++) {
    let sum = 0;
    for (let n = 0; n < target.length; n++) sum += target[n]! * source[n + k]!;
    cross[k] = sum;
  }
  return cross;
}

/** The Toeplitz matrix of the lag correlations, with a little ridge on its diagonal. */
function normalMatrix(lagCorrelation: Float64Array): Float64Array[] {
  const taps = lagCorrelation.length;
  const row = (i: number) => Float64Array.from({ length: taps }, (_, j) => lagCorrelation[Math.abs(i - j)]!);
  const matrix = Array.from({ length: taps }, (_, i) => row(i));
  // A little ridge: a band-limited estimate makes neighbouring lags nearly alike.
  for (let i = 0; i < taps; i++) matrix[i]![i]! += lagCorrelation[0]! * 1e-6;
  return matrix;
}

/** Solves a symmetric positive definite system by Cholesky; `matrix` and `rhs` are overwritten. */
function solve(matrix: Float64Array[], rhs: Float64Array): Float64Array {
  const n = rhs.length;
  for (let j = 0; j < n; j++) if (!factorColumn(matrix, j)) return new Float64Array(n);
  return solveUpper(matrix, solveLower(matrix, rhs));
}

/**
 * Column `j` of the Cholesky factor, in place in the lower triangle of `matrix` (columns before it
 * factored); false when the matrix is not positive definite.
 */
function factorColumn(matrix: Float64Array[], j: number): boolean {
  const n = matrix.length;
  const row = matrix[j]!;
  let diagonal = row[j]!;
  for (let k = 0; k < j; k++) diagonal -= row[k]! ** 2;
  if (!(diagonal > 0)) return false;
  row[j] = Math.sqrt(diagonal);
  for (let i = j + 1; i < n; i++) {
    const other = matrix[i]!;
    let sum = other[j]!;
    for (let k = 0; k < j; k++) sum -= other[k]! * row[k]!;
    other[j] = sum / row[j]!;
  }
  return true;
}

/** `y` with `L·y = rhs`, `L` the factor in `matrix`'s lower triangle. */
function solveLower(matrix: Float64Array[], rhs: Float64Array): Float64Array {
  const n = rhs.length;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = rhs[i]!;
    for (let k = 0; k < i; k++) sum -= matrix[i]![k]! * y[k]!;
    y[i] = sum / matrix[i]![i]!;
  }
  return y;
}

/** `x` with `Lᵀ·x = y`, `L` the factor in `matrix`'s lower triangle. */
function solveUpper(matrix: Float64Array[], y: Float64Array): Float64Array {
  const n = y.length;
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= matrix[k]![i]! * x[k]!;
    x[i] = sum / matrix[i]![i]!;
  }
  return x;
}
