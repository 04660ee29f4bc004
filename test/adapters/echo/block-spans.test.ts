/**
 * Block spans: a run of blocks is reported once, when it ends, from its first block's time and with the
 * blocks in it only; a gap up to the allowed length belongs to the run, a longer one ends it.
 */
import { describe, expect, it } from 'vitest';
import { createBlockSpans, type BlockSpan } from '../../../adapters/echo/block-spans.js';

describe('block spans', () => {
  it('reports each run once when it ends, a short gap inside it and a long one between runs', () => {
    const spans: BlockSpan[] = [];
    const runs = createBlockSpans(20, 2, (span) => spans.push(span));
    // 1 1 0 0 1 | 0 0 0 | 1 1, then the end of the stream.
    const pattern = [1, 1, 0, 0, 1, 0, 0, 0, 1, 1];
    pattern.forEach((inRun, i) => runs.block(1000 + 20 * i, inRun === 1));
    expect(spans).toEqual([{ fromMs: 1000, durationMs: 60 }]);
    runs.end();
    expect(spans).toEqual([
      { fromMs: 1000, durationMs: 60 },
      { fromMs: 1160, durationMs: 40 },
    ]);
    runs.end();
    expect(spans).toHaveLength(2);
  });

  it('reports nothing for blocks never in a run', () => {
    const spans: BlockSpan[] = [];
    const runs = createBlockSpans(20, 0, (span) => spans.push(span));
    for (let i = 0; i < 5; i++) runs.block(20 * i, false);
    runs.end();
    expect(spans).toEqual([]);
  });
});
