/**
 * XState inspection → `@statelyai/inspect` messages, on the real session chart (its default, inert
 * children): the registrations carry the machine definition and qualified ids, events keep their source
 * and payload, the root's snapshots carry the transitions taken — keyed like the chart graph's edges —
 * and everything serializes (errors keep their message).
 */
import { createActor, type InspectionEvent } from 'xstate';
import { describe, expect, it } from 'vitest';
import { resolveSessionConfig } from '../../machines/config.js';
import { sessionMachine } from '../../machines/session.machine.js';
import { chartGraph } from '../../server/inspect/chart-graph.js';
import {
  createStatelyConverter,
  serializeMessage,
  STATELY_PROTOCOL_VERSION,
  type StatelyMessage,
  type StatelySnapshotMessage,
} from '../../server/inspect/stately-events.js';

function run(send: (actor: ReturnType<typeof start>) => void) {
  const convert = createStatelyConverter('robot-1', { wallClock: () => 1_700_000_000_000 });
  const messages: StatelyMessage[] = [];
  const actor = start((e) => {
    const m = convert(e);
    if (m) messages.push(m);
  });
  send(actor);
  actor.stop();
  return messages;
}

function start(inspect: (e: InspectionEvent) => void) {
  const actor = createActor(sessionMachine, {
    input: { sessionId: 'robot-1', config: resolveSessionConfig() },
    inspect,
  });
  actor.start();
  return actor;
}

const rootSnapshots = (messages: StatelyMessage[]) =>
  messages.filter((m): m is StatelySnapshotMessage => m.type === '@xstate.snapshot' && m.sessionId === 'robot-1');

describe('@statelyai/inspect messages', () => {
  it('registers the chart with its definition and its children under qualified ids', () => {
    const messages = run(() => undefined);
    const actors = messages.filter((m) => m.type === '@xstate.actor');
    expect(actors.map((m) => m.type === '@xstate.actor' && m.name)).toEqual(['session', 'vad', 'stt', 'estop']);
    const [root, vad] = actors;
    expect(root).toMatchObject({
      sessionId: 'robot-1',
      rootId: 'robot-1',
      parentId: undefined,
      _version: STATELY_PROTOCOL_VERSION,
      createdAt: '1700000000000',
    });
    const definition = JSON.parse(root?.type === '@xstate.actor' ? root.definition! : '') as {
      id: string;
      states: Record<string, unknown>;
    };
    expect(definition.id).toBe('session');
    expect(Object.keys(definition.states)).toEqual(['dialog', 'actions', 'activation']);
    expect(Object.keys((definition.states.dialog as { states: object }).states)).toEqual([
      'idle',
      'listening',
      'processing',
      'speaking',
      'ended',
    ]);
    expect(vad).toMatchObject({
      sessionId: expect.stringMatching(/^robot-1\/x:\d+$/),
      parentId: 'robot-1',
      rootId: 'robot-1',
    });
    // Every message has its own id.
    expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
  });

  it('marks the transitions each event caused with the chart graph edge keys', () => {
    const messages = run((actor) => {
      actor.send({ type: 'user.text', sessionId: 'robot-1', turnId: '-', atMs: 10, text: 'hello' });
      actor.send({ type: 'control.stop', sessionId: 'robot-1', turnId: '-', atMs: 20 });
    });
    const snapshots = rootSnapshots(messages);
    const byEvent = (type: string) => snapshots.find((s) => s.event.type === type)!;
    expect(byEvent('user.text').snapshot.value).toEqual({
      dialog: { processing: { reply: 'thinking', user: 'silent' } },
      actions: 'idle',
      activation: 'ungated',
    });
    expect(byEvent('user.text').event).toMatchObject({ turnId: '-', text: 'hello', atMs: 10 });
    const edges = new Set(chartGraph().edges.map((e) => e.id));
    const taken = byEvent('user.text').transitions!;
    expect(taken.map((t) => t.key)).toContain('session.dialog.idle|user.text|1');
    // The eventless routing step of the reply region is in the same macrostep.
    expect(taken.some((t) => t.eventType === '' && t.source === 'session.dialog.processing.reply.routing')).toBe(true);
    for (const t of taken) for (const target of t.targets) expect(edges.has(`${t.key}>${target}`)).toBe(true);
    expect(byEvent('control.stop').transitions!.map((t) => `${t.source} → ${t.targets.join()}`)).toEqual([
      'session.dialog.processing → session.dialog.idle',
    ]);
    // Events sent to the chart are reported, with the sender when there is one.
    expect(
      messages.some((m) => m.type === '@xstate.event' && m.event.type === 'user.text' && m.sessionId === 'robot-1'),
    ).toBe(true);
    // Children's snapshots carry no transitions.
    expect(
      messages
        .filter((m) => m.type === '@xstate.snapshot' && m.sessionId !== 'robot-1')
        .every((m) => !('transitions' in m)),
    ).toBe(true);
  });

  it('serializes snapshots through toJSON and errors with their message', () => {
    const messages = run((actor) =>
      actor.send({ type: 'user.text', sessionId: 'robot-1', turnId: '-', atMs: 0, text: 'hi' }),
    );
    // The cached fast path writes what JSON.stringify would.
    for (const m of messages) expect(JSON.parse(serializeMessage(m))).toEqual(JSON.parse(JSON.stringify(m)));
    const last = rootSnapshots(messages).at(-1)!;
    const parsed = JSON.parse(
      serializeMessage({ ...last, event: { type: 'xstate.error.actor.llm', error: new Error('engine down') } }),
    );
    expect(parsed.event.error).toEqual({ name: 'Error', message: 'engine down' });
    expect(parsed.snapshot.context.sessionId).toBe('robot-1');
    expect(typeof parsed.snapshot.value).toBe('object');
  });
});
