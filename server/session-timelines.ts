/**
 * The per-turn timelines of every session this process hosts, built once (`timeline.ts` from one set of
 * wildcard subscriptions) and shared by whoever shows latency: `/metrics`, the Realtime connections
 * (`voice_agent.turn.latency`) and the inspector. Each turn's figures are `turn-latency.ts`'s, so the page,
 * the inspector and the histograms say the same thing about the same turn.
 *
 * Listeners hear a turn each time one of its figures changes (a handful of times per turn), with the
 * figures before, so a histogram can take each figure once.
 *
 * @example
 * ```ts
 * const timelines = createSessionTimelines({ bus, isHosted: (id) => manager.get(id) !== undefined });
 * const stop = timelines.watch('s1', (latency) => console.log(latency.turnId, latency.firstAudioMs));
 * timelines.turns('s1'); // every turn so far (its recent 200)
 * ```
 */
import type { MessageBus } from '../bus/message-bus.js';
import type { Stage } from '../bus/subjects.js';
import type { BusMessage } from '../bus/messages.js';
import type { Subscription } from '../bus/transport.js';
import { createTimelineBuilder, TIMELINE_MESSAGE_TYPES, type TimelineBuilder } from '../runtime/timeline.js';
import { turnLatency, type TurnLatency } from '../runtime/turn-latency.js';

export type TurnListener = (latency: TurnLatency, before: TurnLatency | undefined, sessionId: string) => void;

export interface SessionTimelines {
  /** The turns of a session so far (the recent {@link MAX_TURNS_PER_SESSION}), oldest first. */
  turns(sessionId: string): TurnLatency[];
  /** Hears the session's turns as their figures change; returns the unsubscribe. */
  watch(sessionId: string, listener: TurnListener): () => void;
  /** Hears every hosted session's turns. */
  watchAll(listener: TurnListener): () => void;
  /** The session ended: its timelines go (call after its last messages were delivered: the manager's `onEnded`). */
  forget(sessionId: string): void;
  close(): void;
}

export interface SessionTimelinesOptions {
  bus: MessageBus;
  /** Only this process's own sessions (on NATS the wildcards see every host's). */
  isHosted: (sessionId: string) => boolean;
}

/** Why 200: a live view shows a session's recent past; the records keep every turn. */
const MAX_TURNS_PER_SESSION = 200;

export function createSessionTimelines(options: SessionTimelinesOptions): SessionTimelines {
  const { bus, isHosted } = options;
  const sessions = new Map<
    string,
    { builder: TimelineBuilder; last: Map<string, string>; figures: Map<string, TurnLatency> }
  >();
  const listeners = new Map<string, Set<TurnListener>>();
  const everyone = new Set<TurnListener>();

  const onMessage = (m: BusMessage) => {
    let session = sessions.get(m.sessionId);
    // A session being stopped is no longer listed as hosted, yet its last reports (what was heard of a
    // reply cut by the end) are still to come: a session already followed is followed until `forget`.
    if (!session && !isHosted(m.sessionId)) return;
    if (!session)
      sessions.set(
        m.sessionId,
        (session = {
          builder: createTimelineBuilder(m.sessionId, { maxTurns: MAX_TURNS_PER_SESSION }),
          last: new Map(),
          figures: new Map(),
        }),
      );
    session.builder.add(m);
    // One message changes at most a turn or two (a reply with an id of its own folds into its user turn).
    for (const turn of session.builder.turns().slice(-3)) {
      const latency = turnLatency(turn);
      if (!latency) continue;
      const json = JSON.stringify(latency);
      if (session.last.get(turn.turnId) === json) continue;
      const before = session.figures.get(turn.turnId);
      session.last.set(turn.turnId, json);
      session.figures.set(turn.turnId, latency);
      if (session.figures.size > MAX_TURNS_PER_SESSION) {
        const oldest = session.figures.keys().next().value!;
        session.figures.delete(oldest);
        session.last.delete(oldest);
      }
      for (const l of [...everyone, ...(listeners.get(m.sessionId) ?? [])]) l(latency, before, m.sessionId);
    }
  };
  const subs: Subscription[] = TIMELINE_MESSAGE_TYPES.map((type) => {
    const [stage, event] = type.split('.') as [Stage, string];
    return bus.subscribe(bus.subjects.allSessions(stage, event), onMessage);
  });

  return {
    turns: (sessionId) => [...(sessions.get(sessionId)?.figures.values() ?? [])],
    watch(sessionId, listener) {
      let set = listeners.get(sessionId);
      if (!set) listeners.set(sessionId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0 && listeners.get(sessionId) === set) listeners.delete(sessionId);
      };
    },
    watchAll(listener) {
      everyone.add(listener);
      return () => everyone.delete(listener);
    },
    forget(sessionId) {
      sessions.delete(sessionId);
      listeners.delete(sessionId);
    },
    close() {
      for (const s of subs) s.unsubscribe();
      sessions.clear();
      listeners.clear();
      everyone.clear();
    },
  };
}
