import { SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import { sleeper } from '../../adapters/clock.js';

describe('sleeper', () => {
  it('sleeps on the clock, one sleep after another', async () => {
    const clock = new SimulatedClock();
    const wait = sleeper(clock, new AbortController().signal);
    const woke: number[] = [];
    const run = (async () => {
      for (let i = 0; i < 3; i++) {
        await wait(20);
        woke.push(clock.now());
      }
    })();
    for (let t = 0; t < 6; t++) {
      clock.increment(10);
      await Promise.resolve();
      await Promise.resolve();
    }
    await run;
    expect(woke).toEqual([20, 40, 60]);
  });

  it('rejects the sleep in progress on abort, with the reason, and every later one at once', async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    const wait = sleeper(clock, controller.signal);
    const pending = wait(50);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await expect(wait(10)).rejects.toBe(reason);
    // The cancelled timer never fires into a settled promise.
    clock.increment(100);
  });

  it('adds one abort listener however many times it sleeps', async () => {
    const clock = new SimulatedClock();
    const controller = new AbortController();
    let added = 0;
    const add = controller.signal.addEventListener.bind(controller.signal);
    controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added++;
      return add(...args);
    }) as typeof add;
    const wait = sleeper(clock, controller.signal);
    for (let i = 0; i < 5; i++) {
      const slept = wait(1);
      clock.increment(1);
      await slept;
    }
    expect(added).toBe(1);
  });
});
