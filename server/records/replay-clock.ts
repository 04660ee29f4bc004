/**
 * The simulated clock replay runs the chart on. Its timers never fire on their own: replay fires the
 * timer of a delayed event (`xstate.after.*`) exactly when the recording says that event happened, after
 * checking that the chart really has that timer pending and that it was due by then.
 *
 * To know which timer belongs to which delayed event it reads XState's scheduled events (the public
 * `actor.system.getSnapshot()`): XState records a delayed event there immediately before it asks the
 * clock for the timer, so the newest entry is the one being scheduled.
 *
 * @example
 * ```ts
 * const clock = new ReplayClock();
 * const actor = createActor(sessionMachine, { input, clock });
 * clock.bind(actor.system);
 * actor.start();
 * clock.pending('xstate.after.noInput.session.idle.waiting'); // { dueMs: 8000, … }
 * ```
 */
import type { EventObject } from 'xstate';
import type { Clock } from '../../adapters/clock.js';

export interface ReplayTimer {
  id: number;
  dueMs: number;
  /** The delayed event this timer delivers, e.g. `xstate.after.noInput.session.idle.waiting`. */
  eventType: string;
  fn: () => void;
}

interface SchedulingSystem {
  getSnapshot(): { _scheduledEvents: Record<string, { event: EventObject; delay: number }> };
}

export class ReplayClock implements Clock {
  private nowMs = 0;
  private nextId = 1;
  private readonly timers = new Map<number, ReplayTimer>();
  private system: SchedulingSystem | undefined;

  /** Call before the actor starts, with `actor.system`. */
  bind(system: SchedulingSystem): void {
    this.system = system;
  }

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, timeoutMs: number): number {
    const id = this.nextId++;
    const scheduled = this.system ? Object.values(this.system.getSnapshot()._scheduledEvents) : [];
    const newest = scheduled[scheduled.length - 1];
    // Anything else (no system bound, or a timer XState did not schedule) keeps an empty type and can
    // never be fired by a recorded event.
    const eventType = newest && newest.delay === timeoutMs ? newest.event.type : '';
    this.timers.set(id, { id, dueMs: this.nowMs + Math.max(0, timeoutMs), eventType, fn });
    return id;
  }

  clearTimeout(id: unknown): void {
    this.timers.delete(id as number);
  }

  /** Moves time forward (never back: events recorded out of order by a hair keep the clock monotonic). */
  advanceTo(ms: number): void {
    this.nowMs = Math.max(this.nowMs, ms);
  }

  /** The pending timer of a delayed event, if the chart has one. */
  pending(eventType: string): ReplayTimer | undefined {
    for (const t of this.timers.values()) if (t.eventType === eventType) return t;
    return undefined;
  }

  /** Fires a timer now: XState delivers its delayed event to the chart synchronously. */
  fire(timer: ReplayTimer): void {
    this.timers.delete(timer.id);
    timer.fn();
  }
}
