/**
 * The spotter benches' further orders of the real recordings (`--orders N`): the manifest's order first,
 * then shuffles that hold every clip once and repeat from run to run.
 */
import { describe, expect, it } from 'vitest';
import { inOrders } from '../human-spotting.js';

describe('inOrders', () => {
  const clips = Array.from({ length: 40 }, (_, i) => `clip${i}`);

  it('gives the order it was given first, then shuffles of the same clips', () => {
    const orders = inOrders(clips, 4);
    expect(orders).toHaveLength(4);
    expect(orders[0]).toEqual(clips);
    for (const order of orders.slice(1)) {
      expect([...order].sort()).toEqual([...clips].sort());
      expect(order).not.toEqual(clips);
    }
    expect(new Set(orders.map((o) => o.join())).size).toBe(4);
  });

  it('repeats its shuffles from run to run, and gives one order for 1', () => {
    expect(inOrders(clips, 3)).toEqual(inOrders(clips, 3));
    expect(inOrders(clips, 1)).toEqual([clips]);
  });
});
