/**
 * The inspection hub on a real `serve()`: a session is inspected only while someone watches it (the
 * observer is attached by the first watcher and removed by the last), a watcher joining mid-reply first
 * gets the chart and every live child with their current snapshots, each watcher gets every message,
 * and all are told when the session ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectionWatcher } from '../../server/inspect/hub.js';
import type { StatelyMessage, StatelySnapshotMessage } from '../../server/inspect/stately-events.js';
import type { EndReason } from '../../server/session-manager.js';
import type { VoiceAgentServer } from '../../server/serve.js';
import { until } from '../support/until.js';
import { serveForInspection } from '../support/inspect-server.js';
import { DialogState } from '../../machines/states.js';

let server: VoiceAgentServer;
beforeAll(async () => {
  server = await serveForInspection();
}, 30_000);
afterAll(() => server?.stop());

function collector() {
  const messages: StatelyMessage[] = [];
  const ended: EndReason[] = [];
  const watcher: InspectionWatcher = { message: (m) => messages.push(m), end: (r) => ended.push(r) };
  return { watcher, messages, ended };
}

describe('inspection hub', () => {
  it('inspects a session only while watched, catching a late watcher up first', async () => {
    const hub = server.http.inspect.hub;
    const session = await server.manager.create({ sessionId: 'hub-1' });
    const system = session.handle.actor.system as unknown as { inspect: (o: unknown) => { unsubscribe(): void } };
    // Count the observers the hub adds to the session's actor system.
    let observers = 0;
    const inspect = system.inspect.bind(system);
    system.inspect = (o) => {
      observers++;
      const sub = inspect(o);
      return { unsubscribe: () => (observers--, sub.unsubscribe()) };
    };

    session.handle.sendText('hello');
    await until('the reply playing', () => session.handle.matches(DialogState.speaking));
    expect(hub.watched).toBe(0);
    expect(observers).toBe(0);

    const first = collector();
    const a = hub.watch('hub-1', first.watcher)!;
    const second = collector();
    const b = hub.watch('hub-1', second.watcher)!;
    expect(observers).toBe(1);
    expect(hub.watchers('hub-1')).toBe(2);
    // Mid-reply: the chart, then each live child (the session's and the reply's), then where each is.
    const registered = first.messages
      .filter((m) => m.type === '@xstate.actor')
      .map((m) => (m.type === '@xstate.actor' ? m.name : ''));
    expect(registered).toEqual(['session', 'vad', 'stt', 'estop', 'llm', 'tts', 'playback']);
    const now = first.messages.find(
      (m): m is StatelySnapshotMessage => m.type === '@xstate.snapshot' && m.sessionId === 'hub-1',
    )!;
    expect(Object.keys((now.snapshot.value as { dialog: object }).dialog)).toEqual(['speaking']);
    expect(now.transitions).toEqual([]);

    session.handle.stopSpeaking();
    await until('the stop seen by both', () =>
      [first, second].every((c) =>
        c.messages.some((m) => m.type === '@xstate.snapshot' && m.event.type === 'control.stop'),
      ),
    );
    a.unsubscribe();
    expect(observers).toBe(1);
    b.unsubscribe();
    expect(observers).toBe(0);
    expect(hub.watched).toBe(0);
    const seen = first.messages.length;
    session.handle.sendText('again');
    await until('the second reply', () => session.handle.matches(DialogState.speaking));
    expect(first.messages.length).toBe(seen);

    const third = collector();
    hub.watch('hub-1', third.watcher);
    await server.manager.end('hub-1', 'client_closed');
    expect(third.ended).toEqual(['client_closed']);
    expect(first.ended).toEqual([]);
    expect(hub.watched).toBe(0);
    expect(observers).toBe(0);
    expect(hub.watch('hub-1', collector().watcher)).toBeUndefined();
  }, 30_000);

  it("makes only the chart's own messages for chart-feed watchers", async () => {
    const hub = server.http.inspect.hub;
    const session = await server.manager.create({ sessionId: 'hub-2' });
    const chart = collector();
    const watch = hub.watch('hub-2', { ...chart.watcher, feed: 'chart' })!;
    const before = hub.stats.messages;
    session.handle.sendText('hello');
    await until('the reply playing', () => session.handle.matches(DialogState.speaking));
    session.handle.stopSpeaking();
    await until('the stop', () =>
      chart.messages.some((m) => m.type === '@xstate.snapshot' && m.event.type === 'control.stop'),
    );
    expect(new Set(chart.messages.map((m) => `${m.type} ${m.sessionId}`))).toEqual(
      new Set(['@xstate.actor hub-2', '@xstate.snapshot hub-2']),
    );
    // Nothing else was made for it: every message counted went to this watcher (the catch-up aside).
    expect(hub.stats.messages - before).toBe(chart.messages.length - 2);
    // Of the context, only the history.
    const last = chart.messages.filter((m): m is StatelySnapshotMessage => m.type === '@xstate.snapshot').at(-1)!;
    expect(Object.keys(last.snapshot)).toEqual(['status', 'value', 'context']);
    expect(Object.keys(last.snapshot.context as object)).toEqual(['history']);
    const taken = chart.messages
      .filter((m): m is StatelySnapshotMessage => m.type === '@xstate.snapshot')
      .flatMap((m) => m.transitions ?? []);
    expect(taken.some((t) => t.source === 'session.dialog.idle' && t.eventType === 'user.text')).toBe(true);
    watch.unsubscribe();
    await server.manager.end('hub-2', 'client_closed');
  }, 30_000);
});
