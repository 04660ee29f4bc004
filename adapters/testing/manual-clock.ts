/**
 * A deterministic clock for tests and model-based runs, shared by the session actor (XState's `clock`
 * option), the actors and the fakes. Time moves only when `advance`/`advanceTo` is awaited; between
 * timers it lets promise continuations settle, so async adapters behave exactly as on a real clock.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * clock.setTimeout(() => console.log(clock.now()), 30);
 * await clock.advance(100); // logs 30
 * ```
 */
import type { Clock } from '../clock.js';

interface Timer {
  id: number;
  dueMs: number;
  fn: () => void;
}

/** Lets every pending promise continuation and microtask-delivered bus message run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  private nowMs = 0;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, timeoutMs: number): number {
    const id = this.nextId++;
    this.timers.set(id, { id, dueMs: this.nowMs + Math.max(0, timeoutMs), fn });
    return id;
  }

  clearTimeout(id: unknown): void {
    this.timers.delete(id as number);
  }

  /** Due time of the earliest pending timer, or `undefined`. */
  nextDueMs(): number | undefined {
    let min: number | undefined;
    for (const t of this.timers.values()) if (min === undefined || t.dueMs < min) min = t.dueMs;
    return min;
  }

  pendingTimers(): number {
    return this.timers.size;
  }

  /** Runs timers in due order up to `targetMs`, settling async work after each one. */
  async advanceTo(targetMs: number): Promise<void> {
    await settle();
    for (;;) {
      const next = this.earliest();
      if (!next || next.dueMs > targetMs) break;
      this.timers.delete(next.id);
      this.nowMs = Math.max(this.nowMs, next.dueMs);
      next.fn();
      await settle();
    }
    this.nowMs = Math.max(this.nowMs, targetMs);
    await settle();
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(this.nowMs + ms);
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    // Ties fire in creation order (lower id first), like Node's timer lists.
    for (const t of this.timers.values())
      if (!best || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.id < best.id)) best = t;
    return best;
  }
}
