import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFrameTicker, frameTickerFor } from '../../adapters/frame-ticker.js';
import { ManualClock } from '../../adapters/testing/index.js';

describe('frame ticker', () => {
  afterEach(() => vi.restoreAllMocks());

  it('wakes all its subscribers with one timer, in subscription order, every period', async () => {
    const clock = new ManualClock();
    const ticker = createFrameTicker(clock, 20);
    const calls: Array<[number, number]> = [];
    const stops = Array.from({ length: 100 }, (_, i) => ticker.subscribe(() => calls.push([clock.now(), i])));
    expect(clock.pendingTimers()).toBe(1);
    await clock.advance(45);
    expect(calls.filter(([, i]) => i === 0).map(([t]) => t)).toEqual([20, 40]);
    expect(calls.slice(0, 100).map(([, i]) => i)).toEqual([...Array(100).keys()]);
    for (const stop of stops) stop();
    // Nobody listens: no timer left, and nothing more is called.
    expect(clock.pendingTimers()).toBe(0);
    await clock.advance(100);
    expect(calls).toHaveLength(200);
  });

  it('a subscriber that leaves during a tick is not called again; one that joins waits for the next tick', async () => {
    const clock = new ManualClock();
    const ticker = createFrameTicker(clock, 10);
    const seen: string[] = [];
    let stopB: () => void = () => undefined;
    ticker.subscribe(() => {
      seen.push(`a${clock.now()}`);
      stopB();
      if (clock.now() === 10) ticker.subscribe(() => seen.push(`c${clock.now()}`));
    });
    stopB = ticker.subscribe(() => seen.push(`b${clock.now()}`));
    await clock.advance(20);
    // c joined during the tick at 10 and, being added to the set being walked, runs in that same tick.
    expect(seen).toEqual(['a10', 'c10', 'a20', 'c20']);
  });

  it("one subscriber's error does not stop the others", async () => {
    const clock = new ManualClock();
    const ticker = createFrameTicker(clock, 20);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let after = 0;
    ticker.subscribe(() => {
      throw new Error('bug');
    });
    ticker.subscribe(() => after++);
    await clock.advance(60);
    expect(after).toBe(3);
    expect(error).toHaveBeenCalledTimes(3);
  });

  it('skips missed ticks after a stall instead of firing a burst, and keeps its phase', async () => {
    // A clock whose time jumps 55 ms inside the tick at 20: the event loop was blocked that long.
    const manual = new ManualClock();
    let stalledMs = 0;
    const clock = {
      now: () => manual.now() + stalledMs,
      setTimeout: manual.setTimeout.bind(manual),
      clearTimeout: manual.clearTimeout.bind(manual),
    };
    const ticker = createFrameTicker(clock, 20);
    const at: number[] = [];
    ticker.subscribe(() => {
      at.push(clock.now());
      if (clock.now() === 20) stalledMs = 55;
    });
    await manual.advance(65);
    expect(at).toEqual([20, 80, 100, 120]);
  });

  it('is shared per clock and period', () => {
    const clock = new ManualClock();
    expect(frameTickerFor(clock, 20)).toBe(frameTickerFor(clock, 20));
    expect(frameTickerFor(clock, 20)).not.toBe(frameTickerFor(clock, 10));
    expect(frameTickerFor(new ManualClock(), 20)).not.toBe(frameTickerFor(clock, 20));
    expect(() => createFrameTicker(clock, 0)).toThrow(/positive number of ms/);
  });
});
