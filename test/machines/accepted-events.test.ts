/**
 * The session host skips bus events no active state of the chart handles (`acceptsEvent`). That must be
 * exactly the events XState would ignore: in every state a turn passes through, an event it calls
 * unhandled has no enabled transition whatever its payload, and the per-clause TTS events are handled
 * where the chart waits for them.
 */
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, setup } from 'xstate';
import { ManualClock } from '../../adapters/testing/manual-clock.js';
import { acceptsEvent } from '../../machines/accepted-events.js';
import { resolveSessionConfig } from '../../machines/config.js';
import { SESSION_EVENT_TYPES } from '../../machines/events.js';
import { sessionMachine } from '../../machines/session.machine.js';
import { stateValueToString } from '../../runtime/state-value.js';

function startChart() {
  // Children that do nothing: the chart alone decides which events it handles.
  const idle = fromCallback(() => () => undefined);
  const chart = sessionMachine.provide({
    actors: { vad: idle, stt: idle, llm: idle, tts: idle, playback: idle },
  } as never);
  const clock = new ManualClock();
  return createActor(chart, { input: { sessionId: 's', config: resolveSessionConfig({}) }, clock }).start();
}

/** A payload for each type that passes the chart's guards where they can pass (the reply's own turn id). */
function eventOf(type: string, turnId: string) {
  return {
    type,
    sessionId: 's',
    turnId,
    atMs: 0,
    text: 'hello robot',
    segmentIndex: 0,
    kind: 'reply',
    engine: 'x',
    latencyMs: 1,
    firstTokenMs: 1,
    segments: [],
    fatal: true,
    message: 'x',
    speechMs: 300,
    silentMs: 200,
  };
}

describe('acceptsEvent', () => {
  it('an event it calls unhandled has no enabled transition, in every state of a typed turn', () => {
    const actor = startChart();
    const script = [
      { type: 'user.text', turnId: '-', text: 'hello' },
      { type: 'llm.started', firstTokenMs: 1 },
      { type: 'tts.requested', segmentIndex: 0, kind: 'reply', engine: 'x' },
      { type: 'tts.first_chunk', segmentIndex: 0, kind: 'reply', engine: 'x', latencyMs: 1 },
      { type: 'playback.started', kind: 'reply' },
    ];
    const seen: string[] = [];
    for (const step of [...script, undefined]) {
      const snapshot = actor.getSnapshot();
      const turnId = snapshot.context.replyTurnId ?? '-';
      seen.push(stateValueToString(snapshot.value));
      let accepted = 0;
      for (const type of SESSION_EVENT_TYPES) {
        if (acceptsEvent(snapshot, type)) accepted++;
        else expect(snapshot.can(eventOf(type, turnId) as never), `${type} in ${seen.at(-1)}`).toBe(false);
      }
      // Not everything: control and user events are handled everywhere, per-clause TTS events only where awaited.
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(SESSION_EVENT_TYPES.length);
      if (step) actor.send({ sessionId: 's', atMs: 0, turnId, ...step } as never);
    }
    const reply = (step: string) => `processing.reply.${step}+user.silent`;
    expect(seen).toEqual([
      'idle.waiting',
      reply('thinking'),
      reply('generating'),
      reply('synthesizing'),
      reply('buffering'),
      expect.stringMatching(/^speaking/),
    ]);
  });

  it('lets through what the chart waits for, and skips the per-clause repeats it would ignore', () => {
    const actor = startChart();
    expect(acceptsEvent(actor.getSnapshot(), 'tts.first_chunk')).toBe(false);
    actor.send({ type: 'user.text', sessionId: 's', turnId: '-', atMs: 0, text: 'hello' } as never);
    const turnId = actor.getSnapshot().context.replyTurnId!;
    actor.send({ type: 'llm.started', sessionId: 's', turnId, atMs: 0, firstTokenMs: 1 } as never);
    expect(acceptsEvent(actor.getSnapshot(), 'tts.requested')).toBe(true);
    actor.send({
      type: 'tts.requested',
      sessionId: 's',
      turnId,
      atMs: 0,
      segmentIndex: 0,
      kind: 'reply',
      engine: 'x',
    } as never);
    expect(acceptsEvent(actor.getSnapshot(), 'tts.requested')).toBe(false);
    expect(acceptsEvent(actor.getSnapshot(), 'tts.first_chunk')).toBe(true);
  });

  it('a wildcard handler lets every event through', () => {
    const machine = setup({}).createMachine({
      initial: 'a',
      states: { a: { on: { '*': { actions: () => undefined } } } },
    });
    const actor = createActor(machine).start();
    expect(acceptsEvent(actor.getSnapshot(), 'anything.at_all')).toBe(true);
  });
});
