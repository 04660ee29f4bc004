/** Percentiles over samples (nearest-rank), and a tiny accumulator. */
export interface Percentiles {
  p50: number;
  p99: number;
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(samples: readonly number[]): Percentiles {
  return { p50: round(percentile(samples, 50)), p99: round(percentile(samples, 99)) };
}

export const round = (n: number, digits = 2) => (Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n);
