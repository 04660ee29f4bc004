/**
 * What the stop spotter hears of each block the built-in echo stage processes (the stage's `keep`): the
 * block as its two searches hear it (after speexdsp's residual suppressor, and before it), as the stage
 * passed it on (the second search's levels) and what the linear filter made of it (the own-voice check),
 * handed on together with the audio of the same `process` call.
 *
 * @example
 * ```ts
 * const kept = createFilteredKeep(320, 16_000);
 * canceller.cancel(mic, reference, out, late, kept.linear);
 * kept.keep(passedOn, filterOut, cancels);
 * const { heard, linear, levels, parts } = kept.take(); // the same samples
 * ```
 */
import type { EchoBlockKeep, EchoParts, KeptBlocks } from '../../adapters/echo/index.js';

/**
 * The blocks kept, joined when taken, and beside them the linear filter's output before any suppressor
 * and its echo estimate (`linear`, which `cancel` writes). Why at most 1 s: the stage takes them every
 * `process` call; a call longer than that keeps its last second.
 */
export function createFilteredKeep(blockSamples: number, sampleRateHz: number): EchoBlockKeep {
  const most = Math.ceil(sampleRateHz / blockSamples);
  const kept = {
    heard: [] as Int16Array[],
    linear: [] as Int16Array[],
    levels: [] as Int16Array[],
    residual: [] as Int16Array[],
    estimate: [] as Int16Array[],
  };
  const linear: EchoParts = { residual: new Int16Array(blockSamples), estimate: new Int16Array(blockSamples) };
  const join = (blocks: Int16Array[]): Int16Array => {
    // One block a microphone frame, the usual case: that block, not a copy of it.
    if (blocks.length === 1) return blocks.pop()!;
    const out = new Int16Array(blocks.length * blockSamples);
    blocks.forEach((block, i) => out.set(block, i * blockSamples));
    blocks.length = 0;
    return out;
  };
  return {
    /** Where the canceller writes the block's linear parts, kept with the next `keep`. */
    linear,
    /**
     * The block as the stage passed it on (`passedOn`, the second search's levels) and as the canceller
     * left it, before the stage's suppressor (`filterOut`). Where the filter is seen to cancel (`cancels`),
     * the first search hears `filterOut` and the second, from before speexdsp's residual suppressor,
     * {@link linear}'s residual; elsewhere both hear the block as passed on.
     */
    keep(passedOn: Int16Array, filterOut: Int16Array, cancels: boolean) {
      if (kept.heard.length >= most) for (const blocks of Object.values(kept)) blocks.shift();
      kept.heard.push((cancels ? filterOut : passedOn).slice());
      kept.linear.push((cancels ? linear.residual : passedOn).slice());
      kept.levels.push(passedOn.slice());
      kept.residual.push(linear.residual.slice());
      kept.estimate.push(linear.estimate.slice());
    },
    take: (): KeptBlocks => ({
      heard: join(kept.heard),
      linear: join(kept.linear),
      levels: join(kept.levels),
      parts: { residual: join(kept.residual), estimate: join(kept.estimate) },
    }),
  };
}
