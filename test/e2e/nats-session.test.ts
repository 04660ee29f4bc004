/**
 * A whole session over a real nats-server: the chart, its actors and an outside process (a second
 * connection) steering it purely by publishing on the session's subjects. Real time, fast fakes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../adapters/clock.js';
import {
  createPacedSink,
  createFakeLlm,
  createFakeStt,
  createFakeTts,
  createFakeVad,
} from '../../adapters/testing/index.js';
import { createMessageBus, type MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { connectNatsTransport } from '../../bus/nats-transport.js';
import { startSession, type SessionHandle } from '../../runtime/session-host.js';
import { waitFor } from '../bus/transport-contract.js';
import { startNatsServer, type NatsServerHandle } from '../../sim/nats-server.js';
import { DialogState } from '../../machines/states.js';

const RATE = 16_000;
let server: NatsServerHandle;
let sessionBus: MessageBus;
let outsideBus: MessageBus;

beforeAll(async () => {
  server = await startNatsServer();
  sessionBus = createMessageBus(await connectNatsTransport({ servers: server.url }), { clock: systemClock });
  outsideBus = createMessageBus(await connectNatsTransport({ servers: server.url }), { clock: systemClock });
});

afterAll(async () => {
  await sessionBus?.close();
  await outsideBus?.close();
  await server?.stop();
});

async function start(sessionId: string, reply: string): Promise<SessionHandle> {
  const session = startSession({
    sessionId,
    bus: sessionBus,
    clock: systemClock,
    engines: {
      vad: createFakeVad({ sampleRateHz: RATE }),
      stt: createFakeStt({ clock: systemClock, transcripts: ['hello'] }),
      llm: createFakeLlm({ clock: systemClock, reply, tokenIntervalMs: 2 }),
      // Why 40 ms per word: long enough that a STOP lands mid-reply, short enough for a quick test.
      tts: [createFakeTts({ clock: systemClock, sampleRateHz: RATE, latencyMs: 5, msPerWord: 40 })],
      sink: createPacedSink({ clock: systemClock, sampleRateHz: RATE }),
    },
  });
  // Another connection is about to publish to it: its subscriptions must be on the server first.
  await session.ready();
  return session;
}

function collect(bus: MessageBus, sessionId: string): BusMessage[] {
  const seen: BusMessage[] = [];
  bus.subscribe(bus.subjects.forSession(sessionId), (m) => {
    if (m.type !== 'tts.chunk' && m.type !== 'audio.frame') seen.push(m);
  });
  return seen;
}

describe('session over NATS', () => {
  it('answers a typed message and records the full reply as heard', async () => {
    const session = await start('nats-a', 'Hello from the robot. All systems are fine.');
    const seen = collect(outsideBus, 'nats-a');
    await outsideBus.flush();
    outsideBus.publish({ type: 'user.text', sessionId: 'nats-a', turnId: '-', text: 'status?' });
    await waitFor(() => seen.some((m) => m.type === 'playback.finished'), 'playback.finished');
    await waitFor(() => session.matches(DialogState.idle), 'idle');
    expect(session.history().map((h) => [h.role, h.text, h.interrupted])).toEqual([
      ['user', 'status?', false],
      ['assistant', 'Hello from the robot. All systems are fine.', false],
    ]);
    expect(seen.map((m) => m.type)).toContain('session.history');
    await session.stop();
  });

  it('obeys SAY and STOP published by another process, keeping only what was heard', async () => {
    const session = await start('nats-b', 'unused');
    const seen = collect(outsideBus, 'nats-b');
    await outsideBus.flush();
    const text = 'One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen.';
    outsideBus.publish({ type: 'control.say', sessionId: 'nats-b', turnId: '-', text, uninterruptible: false });
    await waitFor(() => seen.some((m) => m.type === 'playback.started'), 'playback.started');
    // Let a few words (40 ms each) play before stopping, so the heard prefix is not empty.
    await new Promise((r) => setTimeout(r, 250));
    outsideBus.publish({ type: 'control.stop', sessionId: 'nats-b', turnId: '-' });
    await waitFor(() => seen.some((m) => m.type === 'playback.stopped'), 'playback.stopped');
    await waitFor(() => session.history().some((h) => h.role === 'assistant' && !h.pending), 'history');
    const heard = session.history().find((h) => h.role === 'assistant')!;
    expect(heard.interrupted).toBe(true);
    expect(text.startsWith(heard.text)).toBe(true);
    expect(heard.text.length).toBeLessThan(text.length);
    expect(session.state()).toMatch(/^idle/);
    await session.stop();
  });

  it('reports a malformed message on its own session only', async () => {
    const a = await start('nats-c', 'Fine.');
    const b = await start('nats-d', 'Fine.');
    const seenA = collect(outsideBus, 'nats-c');
    const seenB = collect(outsideBus, 'nats-d');
    await outsideBus.flush();
    outsideBus.transport.publish('va.nats-c.user.text', new Uint8Array([1, 2, 3]));
    outsideBus.publish({ type: 'user.text', sessionId: 'nats-d', turnId: '-', text: 'hi' });
    await waitFor(() => seenA.some((m) => m.type === 'session.error'), 'session.error on nats-c');
    await waitFor(() => seenB.some((m) => m.type === 'playback.finished'), 'nats-d still answers');
    expect(seenB.some((m) => m.type === 'session.error')).toBe(false);
    expect(a.state()).toMatch(/^idle/);
    await a.stop();
    await b.stop();
  });
});
