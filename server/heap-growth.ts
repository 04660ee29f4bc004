/**
 * How far V8 lets the old generation grow past the live heap before its next full (mark-compact)
 * collection: `server.heapGrowthPercent`, applied by `serve` for its process.
 *
 * Why serve sets it: a server of many sessions has a small live heap and a high allocation rate, so V8
 * keeps the old generation's limit close to the live heap and marks again as soon as it has finished,
 * in the turns' path to first audio (37 full collections in a ~20 s run at 100 clients). Each turn's
 * state lives long enough to be promoted, so the headroom makes those collections rarer rather than
 * avoiding them. The cost is memory: up to twice the live heap. Measurements: docs/server.md,
 * *Garbage collection*.
 *
 * @example
 * ```ts
 * applyHeapGrowth(100); // the old generation may grow to twice the live heap
 * applyHeapGrowth(0); // V8's own heuristic again
 * ```
 */
import { setFlagsFromString } from 'node:v8';

/** The V8 flag for `percent`: 0 hands the choice back to V8's dynamic heuristic. */
export function heapGrowthFlag(percent: number): string {
  if (!Number.isInteger(percent) || percent < 0) {
    throw new RangeError(
      `server.heapGrowthPercent must be a whole number ≥ 0 (got ${percent}): 0 leaves V8's own heuristic, 100 lets ` +
        `the heap double`,
    );
  }
  return `--heap-growing-percent=${percent}`;
}

/** Sets the growth for the whole process (a V8 flag: it applies to every later limit V8 computes). */
export function applyHeapGrowth(percent: number): void {
  setFlagsFromString(heapGrowthFlag(percent));
}
