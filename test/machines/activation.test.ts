/**
 * The activation region of the session chart alone, on XState's simulated clock (no actors, no bus):
 * `wake` closes `windowMs` after the last of the wake phrase, the user's speech and the agent's audio,
 * never while either talks; `push` closes on the release or after 60 s; `always` gates nothing. What the
 * VAD actor is told (`vad.gate`) and what clients see (`control.listen` on a close the chart made itself)
 * are the chart's emitted messages.
 */
import { createActor, SimulatedClock } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { MessageOf } from '../../bus/messages.js';
import { resolveSessionConfig } from '../../machines/config.js';
import type { ChartOutbound, SessionEvent } from '../../machines/events.js';
import { sessionMachine } from '../../machines/session.machine.js';

const WINDOW_MS = 8000;
/** The push bound, as docs/activation.md gives it. */
const MAX_PUSH_OPEN_MS = 60_000;
const base = { sessionId: 's1', turnId: '-', atMs: 0 } as const;

function start(mode: 'always' | 'wake' | 'push') {
  const clock = new SimulatedClock();
  const actor = createActor(sessionMachine, {
    input: { sessionId: 's1', config: resolveSessionConfig({ activation: { mode, windowMs: WINDOW_MS } }) },
    clock,
  });
  const published: ChartOutbound[] = [];
  actor.on('publish', (e) => published.push(e.message));
  actor.start();
  const send = (event: SessionEvent) => actor.send(event);
  return {
    actor,
    published,
    activation: () => JSON.stringify((actor.getSnapshot().value as { activation: unknown }).activation),
    listen: (open: boolean) => send({ ...base, type: 'control.listen', open }),
    speechStart: (turnId = 'u1') => send({ ...base, type: 'vad.speech_start', turnId }),
    speechEnd: (turnId = 'u1') => send({ ...base, type: 'vad.speech_end', turnId, speechMs: 100 }),
    playbackStarted: () => send({ ...base, type: 'playback.started', turnId: 't1', kind: 'reply' }),
    playbackFinished: () => send({ ...base, type: 'playback.finished', turnId: 't1', segments: [] }),
    playbackStopped: () => send({ ...base, type: 'playback.stopped', turnId: 't1', segments: [], framesCleared: 0 }),
    advance: (ms: number) => clock.increment(ms),
    gates: () =>
      published.filter((m): m is MessageOf<'vad.gate'> => m.type === 'vad.gate').map((m) => [m.open, m.holdsEnd]),
    listens: () =>
      published.filter((m): m is MessageOf<'control.listen'> => m.type === 'control.listen').map((m) => m.open),
  };
}

/**
 * A client closes listening: the gate closes at once, the VAD actor is told (after the one open it was
 * told of, `holdsEnd` in push), and the close is not announced again to clients.
 */
function closedByClient(s: ReturnType<typeof start>, holdsEnd: boolean) {
  s.listen(false);
  expect(s.activation()).toBe('"closed"');
  expect(s.gates()).toEqual([
    [true, holdsEnd],
    [false, false],
  ]);
  expect(s.listens()).toEqual([]);
}

describe('activation region: wake', () => {
  it('starts closed; a wake phrase opens the window, which closes windowMs later with no one talking', () => {
    const s = start('wake');
    expect(s.activation()).toBe('"closed"');
    s.listen(true);
    expect(s.activation()).toBe('{"open":"window"}');
    expect(s.gates()).toEqual([[true, false]]);
    s.advance(WINDOW_MS - 1);
    expect(s.activation()).toBe('{"open":"window"}');
    s.advance(1);
    expect(s.activation()).toBe('"closed"');
    expect(s.gates()).toEqual([
      [true, false],
      [false, false],
    ]);
    // Clients see listening close: the chart closed it itself.
    expect(s.listens()).toEqual([false]);
  });

  it('does not close while the user speaks, and starts the window again when the utterance ends', () => {
    const s = start('wake');
    s.listen(true);
    s.advance(WINDOW_MS - 100);
    s.speechStart();
    expect(s.activation()).toBe('{"open":"held"}');
    s.advance(3 * WINDOW_MS);
    expect(s.activation()).toBe('{"open":"held"}');
    s.speechEnd();
    expect(s.activation()).toBe('{"open":"window"}');
    s.advance(WINDOW_MS - 1);
    expect(s.activation()).toBe('{"open":"window"}');
    s.advance(1);
    expect(s.activation()).toBe('"closed"');
    expect(s.gates()).toEqual([
      [true, false],
      [false, false],
    ]);
  });

  it('does not close while the agent plays, and starts the window again when playback finishes or stops', () => {
    for (const end of ['playbackFinished', 'playbackStopped'] as const) {
      const s = start('wake');
      s.listen(true);
      s.advance(1000);
      s.playbackStarted();
      expect(s.activation()).toBe('{"open":"held"}');
      s.advance(3 * WINDOW_MS);
      expect(s.activation()).toBe('{"open":"held"}');
      s[end]();
      s.advance(WINDOW_MS - 1);
      expect(s.activation()).toBe('{"open":"window"}');
      s.advance(1);
      expect(s.activation()).toBe('"closed"');
    }
  });

  it('waits for both: the user stopping while the agent plays keeps it held', () => {
    const s = start('wake');
    s.listen(true);
    s.playbackStarted();
    s.speechStart();
    s.speechEnd();
    s.advance(2 * WINDOW_MS);
    expect(s.activation()).toBe('{"open":"held"}');
    s.playbackFinished();
    expect(s.activation()).toBe('{"open":"window"}');
  });

  it('a wake phrase while open starts the window again; a client closes at once', () => {
    const s = start('wake');
    s.listen(true);
    s.advance(WINDOW_MS - 1);
    s.listen(true);
    s.advance(WINDOW_MS - 1);
    expect(s.activation()).toBe('{"open":"window"}');
    // Opening again is no new gate message.
    expect(s.gates()).toEqual([[true, false]]);
    closedByClient(s, false);
  });

  it('a late end of an older utterance does not end the hold of the one in progress', () => {
    const s = start('wake');
    s.listen(true);
    s.speechStart('u2');
    s.speechEnd('u1');
    s.advance(2 * WINDOW_MS);
    expect(s.activation()).toBe('{"open":"held"}');
    s.speechEnd('u2');
    expect(s.activation()).toBe('{"open":"window"}');
  });

  it('opens straight into held when the agent is already talking', () => {
    const s = start('wake');
    s.playbackStarted();
    s.listen(true);
    expect(s.activation()).toBe('{"open":"held"}');
  });

  it('END ends the region: the session is done', () => {
    const s = start('wake');
    s.listen(true);
    s.actor.send({ ...base, type: 'control.end' });
    expect(s.actor.getSnapshot().status).toBe('done');
    expect(s.gates().at(-1)).toEqual([false, false]);
  });
});

describe('activation region: push', () => {
  it('open while the key is held (silence holds the utterance), closed on release', () => {
    const s = start('push');
    expect(s.activation()).toBe('"closed"');
    s.listen(true);
    expect(s.activation()).toBe('{"open":"pressed"}');
    expect(s.gates()).toEqual([[true, true]]);
    s.advance(WINDOW_MS * 5); // no wake window in push
    expect(s.activation()).toBe('{"open":"pressed"}');
    closedByClient(s, true);
  });

  it('a key held past 60 s closes by itself, even while the user speaks', () => {
    const s = start('push');
    s.listen(true);
    s.speechStart();
    s.advance(MAX_PUSH_OPEN_MS - 1);
    expect(s.activation()).toBe('{"open":"pressed"}');
    s.advance(1);
    expect(s.activation()).toBe('"closed"');
    expect(s.gates().at(-1)).toEqual([false, false]);
    expect(s.listens()).toEqual([false]);
  });

  it('pressing again restarts the 60 s bound', () => {
    const s = start('push');
    s.listen(true);
    s.advance(MAX_PUSH_OPEN_MS - 1);
    s.listen(true);
    s.advance(MAX_PUSH_OPEN_MS - 1);
    expect(s.activation()).toBe('{"open":"pressed"}');
    s.advance(1);
    expect(s.activation()).toBe('"closed"');
  });
});

describe('activation region: wiring', () => {
  it(
    'the machine root handles none of the events the region takes (a root transition runs only when no ' +
      'region takes its event)',
    () => {
      const region = sessionMachine.root.states.activation!;
      expect([...region.transitions.keys()].filter((type) => sessionMachine.root.transitions.has(type))).toEqual([]);
    },
  );
});

describe('activation region: always', () => {
  it('gates nothing: control.listen changes nothing and nothing is told to the VAD', () => {
    const s = start('always');
    expect(s.activation()).toBe('"ungated"');
    s.listen(true);
    s.listen(false);
    s.advance(MAX_PUSH_OPEN_MS * 2);
    expect(s.activation()).toBe('"ungated"');
    expect(s.published).toEqual([]);
  });
});
