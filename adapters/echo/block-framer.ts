/**
 * Cuts a stream of microphone samples into the fixed blocks a canceller works on, keeping a partial block
 * for the next push: what every echo stage does before anything else.
 *
 * @example
 * ```ts
 * const framer = createBlockFramer(160);
 * framer.push(samples, (block, index) => cancel(block)); // once per whole block; `index`: its place in this push
 * framer.pending; // samples waiting for the next push
 * ```
 */
export interface BlockFramer {
  /** Samples of a partial block waiting for the next push. */
  readonly pending: number;
  /** Calls `onBlock` for each block `samples` completes, in order; the block's array is reused after the call. */
  push(samples: Int16Array, onBlock: (block: Int16Array, index: number) => void): void;
  /** The waiting partial block (a copy), and an empty framer. */
  take(): Int16Array;
}

export function createBlockFramer(blockSamples: number): BlockFramer {
  const block = new Int16Array(blockSamples);
  let fill = 0;
  return {
    get pending() {
      return fill;
    },
    push(samples, onBlock) {
      let index = 0;
      for (let at = 0; at < samples.length;) {
        const n = Math.min(blockSamples - fill, samples.length - at);
        block.set(samples.subarray(at, at + n), fill);
        fill += n;
        at += n;
        if (fill < blockSamples) return;
        fill = 0;
        onBlock(block, index++);
      }
    },
    take() {
      const partial = block.slice(0, fill);
      fill = 0;
      return partial;
    },
  };
}
