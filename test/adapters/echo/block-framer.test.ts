import { describe, expect, it } from 'vitest';
import { createBlockFramer } from '../../../adapters/echo/block-framer.js';

describe('block framer', () => {
  it('cuts pushes of any length into whole blocks in order, keeping the rest for the next push', () => {
    const framer = createBlockFramer(4);
    const blocks: Array<[number[], number]> = [];
    const keep = (block: Int16Array, index: number) => blocks.push([[...block], index]);
    framer.push(Int16Array.of(1, 2, 3), keep);
    expect(blocks).toEqual([]);
    expect(framer.pending).toBe(3);
    framer.push(Int16Array.of(4, 5, 6, 7, 8, 9, 10), keep);
    expect(blocks).toEqual([
      [[1, 2, 3, 4], 0],
      [[5, 6, 7, 8], 1],
    ]);
    expect([...framer.take()]).toEqual([9, 10]);
    expect(framer.pending).toBe(0);
  });
});
