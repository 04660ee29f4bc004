/**
 * What the echo stage keeps for the stop spotter (`keepFiltered`): each block as its two searches hear it
 * (after speexdsp's residual suppressor, and before it), the block as the stage passed it on (the second
 * search's levels) and what the linear filter made of it, drained together once per microphone frame.
 *
 * @example
 * ```ts
 * const kept = createFilteredKeep(320, 16_000);
 * canceller.cancel(mic, reference, out, late, kept.linear);
 * kept.keep(passedOn, filterOut, cancels);
 * kept.drain(); kept.drainLinear(); kept.drainLevels(); kept.drainParts(); // the same samples
 * ```
 */
import type { EchoParts } from './own-voice.js';

/**
 * The blocks kept for `drainFiltered`, joined when drained, and beside them the linear filter's output
 * before any suppressor and its echo estimate (`linear`, which `cancel` writes), for `drainEchoParts`.
 * Why at most 1 s: it is drained every microphone frame; a caller that stops draining must not make it grow.
 */
export function createFilteredKeep(blockSamples: number, sampleRateHz: number) {
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
    drain: (): Int16Array => join(kept.heard),
    drainLinear: (): Int16Array => join(kept.linear),
    drainLevels: (): Int16Array => join(kept.levels),
    drainParts: (): EchoParts => ({ residual: join(kept.residual), estimate: join(kept.estimate) }),
  };
}
