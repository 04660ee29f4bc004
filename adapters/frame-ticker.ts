/**
 * One periodic tick per clock and period, shared by every subscriber: a process playing 1000 replies
 * wakes once per 20 ms frame instead of 1000 times (one timer, one callback list, no timer object per
 * frame per session). Subscribers run in subscription order; the ticker runs only while someone listens,
 * and its phase is set by the first subscriber after an idle spell. Drift is corrected against the clock,
 * so late ticks do not accumulate.
 *
 * @example
 * ```ts
 * const ticker = frameTickerFor(systemClock, 20);
 * const stop = ticker.subscribe(() => pumpFrames());
 * // … when there is nothing left to pace
 * stop();
 * ```
 */
import type { Clock } from './clock.js';

export interface FrameTicker {
  readonly periodMs: number;
  /** Calls `onTick` every period from the next tick on; returns the unsubscribe (idempotent). */
  subscribe(onTick: () => void): () => void;
  /** Subscribers now (for tests and benchmarks). */
  readonly size: number;
}

const tickers = new WeakMap<Clock, Map<number, FrameTicker>>();

/** The ticker of this clock and period, made on first use (so simulated clocks in tests each get their own). */
export function frameTickerFor(clock: Clock, periodMs: number): FrameTicker {
  let byPeriod = tickers.get(clock);
  if (!byPeriod) tickers.set(clock, (byPeriod = new Map()));
  let ticker = byPeriod.get(periodMs);
  if (!ticker) byPeriod.set(periodMs, (ticker = createFrameTicker(clock, periodMs)));
  return ticker;
}

export function createFrameTicker(clock: Clock, periodMs: number): FrameTicker {
  if (!(periodMs > 0)) throw new Error(`frame ticker period must be a positive number of ms, not ${periodMs}`);
  const subscribers = new Set<() => void>();
  let timer: unknown;
  let nextDueMs = 0;

  const tick = () => {
    timer = undefined;
    // A Set visits what is added during the walk and skips what is deleted: a subscriber that leaves or
    // joins mid-tick is handled without copying the list every 20 ms.
    for (const onTick of subscribers) {
      try {
        onTick();
      } catch (error) {
        // One subscriber's bug must not silence every other session's audio.
        console.error('[frame-ticker] a subscriber threw:', error);
      }
    }
    if (subscribers.size === 0) return;
    nextDueMs += periodMs;
    // Behind by more than a period (a blocked loop): skip the missed ticks instead of firing a burst.
    const now = clock.now();
    if (nextDueMs < now) nextDueMs = now + periodMs - ((now - nextDueMs) % periodMs);
    timer = clock.setTimeout(tick, nextDueMs - now);
  };

  return {
    periodMs,
    get size() {
      return subscribers.size;
    },
    subscribe(onTick) {
      // The same function subscribed twice would be called once: wrap it so each subscription counts.
      const entry = () => onTick();
      subscribers.add(entry);
      if (timer === undefined) {
        nextDueMs = clock.now() + periodMs;
        timer = clock.setTimeout(tick, periodMs);
      }
      return () => {
        if (!subscribers.delete(entry) || subscribers.size > 0 || timer === undefined) return;
        clock.clearTimeout(timer);
        timer = undefined;
      };
    },
  };
}
