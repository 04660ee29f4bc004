/**
 * How far V8 lets the old generation grow past the live heap before its next full (mark-compact)
 * collection: `server.heapGrowthPercent`, applied by `serve` for its process.
 *
 * Why serve sets it: a server of many sessions has a small live heap (~40 MB at 100 Realtime clients)
 * and a high allocation rate (JSON, base64 and audio per 20 ms frame per client). V8 then sets the old
 * generation's limit at only ~1.6× the live heap (40 of 63 MB), and each incremental marking starts as
 * soon as the last one ends: 37 full collections in one ~20 s run of the server bench at 100 clients,
 * with marking steps of up to 12 ms on the event loop and final pauses of 3–9 ms, right in the turns'
 * path to first audio. At 100 % (the old generation may double) two such runs had 8 and 9, and first
 * audio's p99 fell from a median of +52.7 to +28.1 ms over seven alternating pairs (docs/server.md).
 * Each turn's state lives about a second, long enough to be promoted (~97 KB a turn, sampled), so the
 * old generation fills steadily at any size; the headroom makes its collections rarer. The cost is
 * memory: up to twice the live heap, up to ~40 MB more at 100 sessions.
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
    throw new RangeError(`server.heapGrowthPercent must be a whole number ≥ 0 (got ${percent}): 0 leaves V8's own heuristic, 100 lets the heap double`);
  }
  return `--heap-growing-percent=${percent}`;
}

/** Sets the growth for the whole process (a V8 flag: it applies to every later limit V8 computes). */
export function applyHeapGrowth(percent: number): void {
  setFlagsFromString(heapGrowthFlag(percent));
}
