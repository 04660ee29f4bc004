/**
 * The inspection hub: who watches which live session. A session is inspected only while someone
 * watches it — the first watcher attaches an observer to the session's actor system
 * (`actor.system.inspect`), the last one to leave detaches it — so a session nobody watches pays
 * nothing. Every watcher of a session shares one converter (`stately-events.ts`), and each message is
 * serialized once for all of them. With only `chart` watchers, the children's messages are not made.
 *
 * A watcher that arrives mid-session first gets `@xstate.actor` for the chart and each of its live
 * children, then their current snapshots, then every message as it happens; when the session ends it
 * gets `onEnd` with the reason.
 *
 * @example
 * ```ts
 * const hub = createInspectionHub({ manager });
 * const watch = hub.watch('s-1a2b3c4d', {
 *   message: (m, json) => ws.send(json()),
 *   end: (reason) => ws.close(1000, reason),
 * });
 * // … later
 * watch?.unsubscribe();
 * ```
 */
import type { AnyActorRef, InspectionEvent, Subscription } from 'xstate';
import type { EndReason, ManagedSession, SessionManager } from '../session-manager.js';
import {
  chartView,
  createStatelyConverter,
  serializeMessage,
  type StatelyConverter,
  type StatelyMessage,
} from './stately-events.js';

export interface InspectionWatcher {
  /**
   * `full` (default): every message of every actor, as Stately's tools expect. `chart`: only the chart's
   * own — its `@xstate.actor` and its `@xstate.snapshot`s (each carries the event and the transitions;
   * of the context only the history) — which is all the inspector page draws: about a third of the
   * messages, each a third of the size.
   */
  feed?: 'full' | 'chart';
  /** A message, and its JSON (made once for every watcher of the session, on first ask). */
  message(message: StatelyMessage, json: () => string): void;
  /** The session ended (or the server drains): no more messages. */
  end(reason: EndReason): void;
}

export interface InspectionHub {
  /** Starts feeding `watcher`; undefined when no such live session runs here. */
  watch(sessionId: string, watcher: InspectionWatcher): { unsubscribe(): void } | undefined;
  /** Watchers of one session (0: not inspected). */
  watchers(sessionId: string): number;
  /** Sessions with at least one watcher. */
  readonly watched: number;
  /**
   * What inspection has cost so far: messages delivered, and the time spent converting and handing them
   * to the watchers (serializing and writing to their sockets included) — only ever while watched. Wall
   * time of that synchronous work (`performance.now`, 50 ns a read; `process.cpuUsage` cost a quarter of
   * what it measured): on a machine with more runnable threads than cores it also holds the moments the
   * process was descheduled mid-message, so it is an upper bound. The routes add their batched socket
   * writes to `busyMs`.
   */
  readonly stats: { messages: number; busyMs: number };
}

export interface InspectionHubOptions {
  manager: Pick<SessionManager, 'get' | 'onEnded'>;
  /** Unix ms for the messages' `createdAt` (default `Date.now`). */
  wallClock?: () => number;
}

interface Watched {
  watchers: Set<InspectionWatcher>;
  /** Watchers of the `full` feed: with none, the children's messages and the chart's events are not even made. */
  full: number;
  convert: StatelyConverter;
  subscription: Subscription;
}

export function createInspectionHub(options: InspectionHubOptions): InspectionHub {
  const { manager } = options;
  const sessions = new Map<string, Watched>();
  const stats = { messages: 0, busyMs: 0 };

  const detach = (sessionId: string) => {
    const entry = sessions.get(sessionId);
    if (!entry) return;
    sessions.delete(sessionId);
    entry.subscription.unsubscribe();
  };

  manager.onEnded((session: ManagedSession, reason: EndReason) => {
    const entry = sessions.get(session.id);
    if (!entry) return;
    detach(session.id);
    for (const w of [...entry.watchers]) w.end(reason);
  });

  const once = (message: StatelyMessage) => {
    let text: string | undefined;
    return () => (text ??= serializeMessage(message));
  };
  const deliver = (entry: Watched, message: StatelyMessage, chartMessage: boolean) => {
    const json = once(message);
    const chart = chartMessage ? chartView(message) : undefined;
    const chartJson = chart ? once(chart) : undefined;
    for (const w of entry.watchers) {
      const forChart = w.feed === 'chart';
      if (forChart && !chart) continue;
      try {
        if (forChart) w.message(chart!, chartJson!);
        else w.message(message, json);
      } catch {
        // A watcher whose socket broke is removed by its own close handler; the others go on.
      }
    }
  };

  return {
    watch(sessionId, watcher) {
      const session = manager.get(sessionId);
      if (!session) return undefined;
      const root = session.handle.actor as unknown as AnyActorRef;
      let entry = sessions.get(sessionId);
      if (!entry) {
        const convert = createStatelyConverter(sessionId, options.wallClock ? { wallClock: options.wallClock } : {});
        const created: Watched = {
          watchers: new Set(),
          full: 0,
          convert,
          subscription: { unsubscribe: () => undefined },
        };
        created.subscription = root.system.inspect((event: InspectionEvent) => {
          // The chart's own registration, microsteps (gathered for its next snapshot) and snapshots.
          const chartMessage = event.actorRef === root && event.type !== '@xstate.event';
          if (!chartMessage && created.full === 0) return;
          const startedAt = performance.now();
          const message = convert(event);
          if (message) {
            deliver(created, message, chartMessage);
            stats.messages++;
          }
          stats.busyMs += performance.now() - startedAt;
        });
        sessions.set(sessionId, (entry = created));
      }
      // What exists already: the chart, its children, and where each of them is now.
      const children = Object.values(
        (root.getSnapshot() as { children: Record<string, AnyActorRef | undefined> }).children,
      ).filter((c): c is AnyActorRef => c !== undefined);
      const full = watcher.feed !== 'chart';
      const catchUp = full
        ? [
            entry.convert.actor(root),
            ...children.map((c) => entry.convert.actor(c)),
            entry.convert.snapshot(root),
            ...children.map((c) => entry.convert.snapshot(c)),
          ]
        : [entry.convert.actor(root), chartView(entry.convert.snapshot(root))];
      for (const m of catchUp) watcher.message(m, once(m));
      entry.watchers.add(watcher);
      if (full) entry.full++;
      const watched = entry;
      let subscribed = true;
      return {
        unsubscribe() {
          if (!subscribed) return;
          subscribed = false;
          watched.watchers.delete(watcher);
          if (full) watched.full--;
          if (watched.watchers.size === 0 && sessions.get(sessionId) === watched) detach(sessionId);
        },
      };
    },
    watchers: (sessionId) => sessions.get(sessionId)?.watchers.size ?? 0,
    get watched() {
      return sessions.size;
    },
    stats,
  };
}
