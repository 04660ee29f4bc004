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

/**
 * `items` shuffled in place (Fisher–Yates) with `next`, a seeded generator of [0, 1): the same seed gives
 * the same order every run.
 *
 * @example
 * ```ts
 * shuffleInPlace(clips, uniform(11));
 * ```
 */
export function shuffleInPlace<T>(items: T[], next: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
