/**
 * Runs of blocks with something in common, reported as spans of session time: one report when a run ends
 * (more than `maxGapBlocks` blocks without it in a row, or `end()`), none while it lasts. A gap that short
 * belongs to the run: its duration counts only the blocks in it.
 *
 * @example
 * ```ts
 * const spans = createBlockSpans(20, 1, (span) => console.log(span)); // { fromMs: 1000, durationMs: 40 }
 * spans.block(1000, true);
 * spans.block(1020, false); // a gap of one block: the run goes on
 * spans.block(1040, true);
 * spans.block(1060, false);
 * spans.block(1080, false); // reports the run: two blocks
 * ```
 */
export interface BlockSpan {
  /** Session time of the run's first block (ms). */
  fromMs: number;
  /** The run's blocks (ms). */
  durationMs: number;
}

export interface BlockSpans {
  /** The block arrived at `atMs`, in the run (`inRun`) or not. */
  block(atMs: number, inRun: boolean): void;
  /** Ends the run in progress, if any (the stream is closing). */
  end(): void;
}

export function createBlockSpans(blockMs: number, maxGapBlocks: number, onSpan: (span: BlockSpan) => void): BlockSpans {
  let span: BlockSpan | undefined;
  let gap = 0;
  const end = () => {
    if (span) onSpan(span);
    span = undefined;
  };
  return {
    block(atMs, inRun) {
      if (!inRun) {
        if (span && ++gap > maxGapBlocks) end();
        return;
      }
      span ??= { fromMs: atMs, durationMs: 0 };
      span.durationMs += blockMs;
      gap = 0;
    },
    end,
  };
}
