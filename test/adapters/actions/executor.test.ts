import { afterEach, describe, expect, it } from 'vitest';
import {
  serveActions,
  TIMEOUT_GRACE_MS,
  type ActionHandler,
  type ActionServer,
} from '../../../adapters/actions/executor.js';
import { sleep } from '../../../adapters/clock.js';
import { ManualClock, settle } from '../../../adapters/testing/manual-clock.js';
import { createMemoryTransport, createMessageBus, type BusMessage, type MessageBus } from '../../../bus/index.js';

type ActionMessage = Extract<BusMessage, { type: `action.${string}` }>;

function setup(
  handlers: Record<string, ActionHandler>,
  options: { sessionId?: string; runsOn?: 'controller' | 'handler' } = {},
) {
  const clock = new ManualClock();
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const seen: ActionMessage[] = [];
  bus.subscribe(bus.subjects.allSessions('action', '*'), (m) => {
    if (m.type.startsWith('action.') && m.type !== 'action.request' && m.type !== 'action.cancel')
      seen.push(m as ActionMessage);
  });
  const server = serveActions({ bus, handlers, clock, ...options });
  servers.push(server);
  return { clock, bus, seen, server };
}
const servers: ActionServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

let nextAction = 1;
function request(
  bus: MessageBus,
  name: string,
  args: Record<string, unknown> = {},
  extra: { sessionId?: string; runsOn?: 'controller' | 'handler' | 'client'; timeoutMs?: number } = {},
) {
  const actionId = `a${nextAction++}`;
  bus.publish({
    type: 'action.request',
    sessionId: extra.sessionId ?? 's1',
    turnId: 'u3',
    actionId,
    name,
    arguments: args,
    callId: `call-${actionId}`,
    runsOn: extra.runsOn ?? 'controller',
    timeoutMs: extra.timeoutMs ?? 10_000,
  });
  return actionId;
}
const cancel = (bus: MessageBus, actionId: string, sessionId = 's1') =>
  bus.publish({ type: 'action.cancel', sessionId, turnId: 'u4', actionId, reason: 'stop' });
const brief = (m: ActionMessage) => {
  const { atMs: _atMs, ...rest } = m;
  return rest;
};

describe('serveActions', () => {
  it('accepts, reports feedback and publishes the handler result with the asking turn', async () => {
    const { bus, clock, seen, server } = setup({
      async wave(args, { signal, feedback, actionId, sessionId }) {
        feedback({ raised: true, actionId, sessionId });
        await sleep(clock, 500, signal);
        return { waved: args.times };
      },
    });
    const id = request(bus, 'wave', { times: 2 });
    await settle();
    expect(server.running()).toEqual([{ sessionId: 's1', actionId: id, name: 'wave', turnId: 'u3', startedMs: 0 }]);
    await clock.advance(500);
    expect(seen.map(brief)).toEqual([
      { type: 'action.accepted', sessionId: 's1', turnId: 'u3', actionId: id },
      {
        type: 'action.feedback',
        sessionId: 's1',
        turnId: 'u3',
        actionId: id,
        feedback: { raised: true, actionId: id, sessionId: 's1' },
      },
      { type: 'action.result', sessionId: 's1', turnId: 'u3', actionId: id, result: { waved: 2 } },
    ]);
    expect(server.running()).toEqual([]);
  });

  it('sends a synchronous or undefined return value as a JSON result', async () => {
    const { bus, seen } = setup({ nothing: () => undefined, date: () => ({ at: new Date(0) }) });
    const a = request(bus, 'nothing');
    const b = request(bus, 'date');
    await settle();
    expect(seen.filter((m) => m.type === 'action.result').map(brief)).toEqual([
      expect.objectContaining({ actionId: a, result: null }),
      expect.objectContaining({ actionId: b, result: { at: '1970-01-01T00:00:00.000Z' } }),
    ]);
  });

  it('reports a handler that throws, at once or later, and a result that is not JSON, as failed', async () => {
    const { bus, seen } = setup({
      sync: () => {
        throw new Error('motor fault');
      },
      later: async () => {
        await Promise.resolve();
        throw new Error('blocked by a chair');
      },
      odd: () => 10n,
    });
    const ids = [request(bus, 'sync'), request(bus, 'later'), request(bus, 'odd')];
    await settle();
    const failed = seen.filter((m) => m.type === 'action.failed');
    const byId = failed
      .map((m) => [m.actionId, m.type === 'action.failed' && m.error])
      .sort(([a], [b]) => String(a).localeCompare(String(b), 'en', { numeric: true }));
    expect(byId).toEqual([
      [ids[0], 'motor fault'],
      [ids[1], 'blocked by a chair'],
      [ids[2], expect.stringMatching(/^odd: the result is not JSON/)],
    ]);
    expect(seen.filter((m) => m.type === 'action.accepted')).toHaveLength(3);
  });

  it('cancels a running action: aborts its signal, acknowledges at once, drops what comes after', async () => {
    const events: string[] = [];
    const { bus, clock, seen, server } = setup({
      async drive(_args, { signal, feedback }) {
        signal.addEventListener('abort', () => {
          events.push(`aborted: ${(signal.reason as Error).message}`);
          feedback({ stoppedAtM: 0.4 });
        });
        await sleep(clock, 5_000).catch(() => undefined); // ignores the signal: its result must still be dropped
        feedback({ late: true });
        return { arrived: true };
      },
    });
    const id = request(bus, 'drive');
    await clock.advance(1_000);
    cancel(bus, id);
    await settle();
    expect(events).toEqual(['aborted: cancelled: stop']);
    expect(seen.map((m) => m.type)).toEqual(['action.accepted', 'action.feedback', 'action.cancelled']);
    expect(seen[1]).toMatchObject({ feedback: { stoppedAtM: 0.4 } });
    expect(server.running()).toEqual([]);
    await clock.advance(10_000);
    expect(seen.map((m) => m.type)).toEqual(['action.accepted', 'action.feedback', 'action.cancelled']);
  });

  it('ignores a cancel of an action it does not run or that has ended', async () => {
    const { bus, seen } = setup({ quick: () => 'done' });
    const id = request(bus, 'quick');
    await settle();
    cancel(bus, id);
    cancel(bus, 'a999999');
    await settle();
    expect(seen.map((m) => m.type)).toEqual(['action.accepted', 'action.result']);
  });

  it('takes only the names it has handlers for and the runsOn it serves', async () => {
    const { bus, seen } = setup({ wave: () => 'ok' }, { runsOn: 'handler' });
    request(bus, 'dance', {}, { runsOn: 'handler' });
    request(bus, 'wave', {}, { runsOn: 'controller' });
    request(bus, 'wave', {}, { runsOn: 'client' });
    request(bus, 'toString', {}, { runsOn: 'handler' });
    await settle();
    expect(seen).toEqual([]);
    const id = request(bus, 'wave', {}, { runsOn: 'handler' });
    await settle();
    expect(seen.map((m) => [m.type, m.actionId])).toEqual([
      ['action.accepted', id],
      ['action.result', id],
    ]);
  });

  it('serves one session, or every session with "*"', async () => {
    const one = setup({ wave: () => 'one' }, { sessionId: 's1' });
    request(one.bus, 'wave', {}, { sessionId: 's2' });
    await settle();
    expect(one.seen).toEqual([]);
    request(one.bus, 'wave', {}, { sessionId: 's1' });
    await settle();
    expect(one.seen.map((m) => m.sessionId)).toEqual(['s1', 's1']);

    const all = setup({ wave: () => 'all' });
    request(all.bus, 'wave', {}, { sessionId: 's7' });
    request(all.bus, 'wave', {}, { sessionId: 's8' });
    await settle();
    expect(all.seen.filter((m) => m.type === 'action.result').map((m) => m.sessionId)).toEqual(['s7', 's8']);
  });

  it('keeps the same action id in two sessions apart', async () => {
    const { bus, clock, seen } = setup({ wait: (_a, { signal }) => sleep(clock, 1_000, signal).then(() => 'done') });
    for (const sessionId of ['s1', 's2']) {
      bus.publish({
        type: 'action.request',
        sessionId,
        turnId: 'u1',
        actionId: 'a1',
        name: 'wait',
        arguments: {},
        callId: 'c',
        runsOn: 'controller',
        timeoutMs: 5_000,
      });
    }
    await settle();
    cancel(bus, 'a1', 's2');
    await clock.advance(1_000);
    expect(seen.filter((m) => m.type !== 'action.accepted').map((m) => [m.sessionId, m.type])).toEqual([
      ['s2', 'action.cancelled'],
      ['s1', 'action.result'],
    ]);
  });

  it('fails an action that outlives its timeout with no session to cancel it', async () => {
    const { bus, clock, seen } = setup({
      forever: (_a, { signal }) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    });
    request(bus, 'forever', {}, { timeoutMs: 2_000 });
    await clock.advance(2_000 + TIMEOUT_GRACE_MS - 1);
    expect(seen.map((m) => m.type)).toEqual(['action.accepted']);
    await clock.advance(1);
    expect(seen.map((m) => m.type)).toEqual(['action.accepted', 'action.failed']);
    expect(seen[1]).toMatchObject({ error: 'forever did not finish within 2000 ms' });
  });

  it('publishes feedback as a JSON object and skips feedback that is not JSON', async () => {
    const { bus, seen } = setup({
      talk(_a, { feedback }) {
        feedback({ n: 1n } as unknown as Record<string, unknown>);
        feedback(7 as unknown as Record<string, unknown>);
        return null;
      },
    });
    request(bus, 'talk');
    await settle();
    expect(
      seen.filter((m) => m.type === 'action.feedback').map((m) => m.type === 'action.feedback' && m.feedback),
    ).toEqual([{ value: 7 }]);
  });

  it('runs a redelivered request once', async () => {
    const { bus, clock, seen } = setup({ wait: (_a, { signal }) => sleep(clock, 100, signal) });
    const message = {
      type: 'action.request',
      sessionId: 's1',
      turnId: 'u1',
      actionId: 'a77',
      name: 'wait',
      arguments: {},
      callId: 'c',
      runsOn: 'controller',
      timeoutMs: 5_000,
    } as const;
    bus.publish(message);
    bus.publish(message);
    await clock.advance(100);
    expect(seen.map((m) => m.type)).toEqual(['action.accepted', 'action.result']);
  });

  it('on close, stops taking requests and fails what runs, so no session waits for it', async () => {
    let aborted = false;
    const { bus, clock, seen, server } = setup({
      wait: (_a, { signal }) => {
        signal.addEventListener('abort', () => (aborted = true));
        return sleep(clock, 1_000, signal);
      },
    });
    const id = request(bus, 'wait');
    await settle();
    await server.close();
    expect(aborted).toBe(true);
    expect(seen.map((m) => [m.type, m.actionId])).toEqual([
      ['action.accepted', id],
      ['action.failed', id],
    ]);
    request(bus, 'wait');
    await clock.advance(2_000);
    expect(seen).toHaveLength(2);
  });
});
