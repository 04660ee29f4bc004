/**
 * The inspection WebSocket on a real `serve()` (fakes, an API key, in-memory records): the same auth as
 * the rest, the session list and the laid-out chart over HTTP, a live session's messages as it goes
 * through speech → reply → barge-in (states in order, the barge-in transition marked), the socket
 * closed when the session ends, and the recording of that session streamed back with the same states.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VoiceAgentServer } from '../../server/serve.js';
import { until } from '../support/until.js';
import { INSPECT_KEY, serveForInspection, speak, watch } from '../support/inspect-server.js';

let server: VoiceAgentServer;
beforeAll(async () => {
  server = await serveForInspection();
}, 30_000);
afterAll(() => server?.stop());

const get = (path: string, key: string | null = INSPECT_KEY) =>
  fetch(`${server.http.url}${path}`, key ? { headers: { authorization: `Bearer ${key}` } } : {});

describe('inspection WebSocket', () => {
  it('asks for the same key as the rest, and says what it needs', async () => {
    expect((await get('/inspect/api/sessions', null)).status).toBe(401);
    await expect(watch(server, 'session=nope', 'wrong-key-0123456789')).rejects.toThrow(/401/);
    await expect(watch(server, '')).rejects.toThrow(/400/);
    const unknown = await watch(server, 'session=nope');
    expect(await unknown.closed).toEqual({ code: 4404, reason: 'no live session nope' });
    // The page itself is served without a key, like `/`: it asks for one when the API needs it.
    const page = await get('/inspect', null);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>voice-agent inspector</title>');
  });

  it('serves the chart laid out from the machine', async () => {
    const chart = (await (await get('/inspect/api/chart')).json()) as {
      nodes: Array<{ id: string; type: string; width: number }>;
      edges: Array<{ id: string; source: string; label: string; members: string[]; points: unknown[] }>;
      legend: Array<{ label: string; target?: string }>;
    };
    expect(chart.nodes.find((n) => n.id === 'session.dialog.speaking')?.type).toBe('parallel');
    expect(chart.nodes.find((n) => n.id === 'session.dialog.speaking.user.candidate')?.width).toBeGreaterThan(0);
    // One drawn edge per source and target, standing for the transitions the feed reports taken.
    const bargeIn = chart.edges.find((e) => e.id === 'session.dialog.speaking.user.candidate>session.dialog.listening');
    expect(
      bargeIn?.members.some((m) => m.startsWith('session.dialog.speaking.user.candidate|xstate.after.minInterruption')),
    ).toBe(true);
    expect(bargeIn?.points.length).toBeGreaterThanOrEqual(2);
    expect(
      chart.edges.find((e) => e.id === 'session.dialog.listening.finalizing>session.dialog.processing')?.label,
    ).toBe('stt.final · after sttFinal');
    // What every state has is in the legend, drawn from none.
    expect(chart.legend.map((l) => `${l.label} → ${l.target}`)).toEqual(
      expect.arrayContaining([
        'control.end → session.dialog.ended',
        'user.text → session.dialog.processing',
        'control.estop → session.actions.idle',
      ]),
    );
    expect(chart.edges.some((e) => e.source.startsWith('session.dialog.') && e.label.includes('user.text'))).toBe(
      false,
    );
  });

  it('streams a live session through speech, reply and barge-in, then closes when it ends', async () => {
    const session = await server.manager.create({ sessionId: 'robot-1' });
    const listed = (await (await get('/inspect/api/sessions')).json()) as {
      live: Array<{ id: string; state: string; watchers: number }>;
    };
    expect(listed.live).toMatchObject([{ id: 'robot-1', state: 'idle.waiting', watchers: 0 }]);

    const watcher = await watch(server, 'session=robot-1');
    await until('the catch-up', () => watcher.states().length > 0);
    expect(watcher.messages[0]).toMatchObject({
      type: '@xstate.actor',
      name: 'session',
      sessionId: 'robot-1',
      rootId: 'robot-1',
    });
    expect(
      watcher.messages.filter((m) => m.type === '@xstate.actor').map((m) => m.type === '@xstate.actor' && m.name),
    ).toEqual(['session', 'vad', 'stt', 'estop']);
    expect(watcher.states()).toEqual(['idle.waiting']);
    expect(server.http.inspect.hub.watchers('robot-1')).toBe(1);

    await speak(session.handle, 400, 700);
    await until('the reply playing', () => session.handle.state().startsWith('speaking.reply.playing'));
    await speak(session.handle, 900, 0);
    await until(
      'the barge-in',
      () =>
        watcher.states().at(-1) === 'listening.hearing.voiced' &&
        watcher.states().includes('speaking.reply.playing+user.candidate.onset'),
      {
        detail: () => watcher.states().join(' → '),
      },
    );

    const states = watcher.states();
    // The server's fake LLM gets speculative replies (auto): the reply may be guessed at the pause and start at once.
    const order = [
      'idle.waiting',
      'listening.hearing.voiced',
      'listening.finalizing',
      'speaking.reply.playing+user.silent',
      'speaking.reply.playing+user.candidate.onset',
      'speaking.reply.playing+user.candidate.sustained',
      'listening.hearing.voiced',
    ];
    let from = 0;
    for (const state of order) {
      const at = states.indexOf(state, from);
      expect(at, `${state} after ${order[order.indexOf(state) - 1]} in ${states.join(' → ')}`).toBeGreaterThanOrEqual(
        from,
      );
      from = at + 1;
    }
    const bargeIn = watcher.rootSnapshots().findLast((m) => m.event.type.startsWith('xstate.after.minInterruption'))!;
    // The barge-in, and the eventless step into `hearing.voiced` that follows it in the same macrostep.
    expect(bargeIn.transitions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          source: 'session.dialog.speaking.user.candidate',
          targets: ['session.dialog.listening'],
        }),
        expect.objectContaining({
          source: 'session.dialog.listening.hearing.routing',
          targets: ['session.dialog.listening.hearing.voiced'],
        }),
      ]),
    );
    // The reply's children were announced as they were spawned.
    expect(
      watcher.messages.some((m) => m.type === '@xstate.actor' && m.name === 'playback' && m.parentId === 'robot-1'),
    ).toBe(true);
    // Events carry their turn and time.
    expect(watcher.messages.find((m) => m.type === '@xstate.event' && m.event.type === 'stt.final')).toMatchObject({
      event: { turnId: 'u1', text: 'hello robot' },
    });

    await server.manager.end('robot-1', 'client_closed');
    expect(await watcher.closed).toEqual({ code: 1000, reason: 'session ended: client_closed' });
    expect(server.http.inspect.hub.watched).toBe(0);

    // The same session, recorded, streams back with the same states.
    server.records!.flush();
    const recorded = await watch(server, 'recording=robot-1');
    const recording = server.records!.recording('robot-1');
    await until('the recording streamed', () => recorded.rootSnapshots().length === recording.events);
    expect(recorded.messages[0]).toMatchObject({ type: '@xstate.actor', name: 'session', rootId: 'robot-1' });
    expect(recorded.states()).toEqual(server.records!.events(recording.id).map((e) => e.state));
    const recordedBargeIn = recorded
      .rootSnapshots()
      .findLast((m) => m.event.type.startsWith('xstate.after.minInterruption'))!;
    // Replayed on the chart, the recording tells the chart's own transitions: the same as the live feed's.
    expect(recordedBargeIn.transitions).toEqual(bargeIn.transitions);
    const ended = recorded.rootSnapshots().at(-1)!;
    expect(ended.transitions).toEqual([
      expect.objectContaining({
        source: 'session.dialog',
        targets: ['session.dialog.ended'],
        eventType: 'control.end',
      }),
      expect.objectContaining({
        source: 'session.actions',
        targets: ['session.actions.ended'],
        eventType: 'control.end',
      }),
      expect.objectContaining({
        source: 'session.activation',
        targets: ['session.activation.ended'],
        eventType: 'control.end',
      }),
    ]);
    expect(Number(recordedBargeIn.createdAt)).toBeGreaterThan(recording.startedWallMs);
    const history = (
      recorded.rootSnapshots().at(-1)!.snapshot.context as {
        history: Array<{ role: string; text: string; interrupted: boolean }>;
      }
    ).history;
    expect(history[0]).toMatchObject({ role: 'user', text: 'hello robot' });
    expect(history[1]).toMatchObject({ role: 'assistant', interrupted: true });
    recorded.ws.close();
  }, 30_000);
});
