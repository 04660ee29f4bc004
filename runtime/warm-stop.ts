/**
 * The stop path rehearsed once per process, before the first session: a session on fake engines, on a bus
 * of its own, answers a typed question and is stopped while it speaks, by STOP and by an emergency stop,
 * a few times. Why: the chart's and the stage actors' stop handlers (XState's exit of a reply's actors,
 * the playback's clear, the bus's unsubscribes) run for the first time at a process's first STOP, compiled
 * then, and that STOP took several times as long as the ones after it. Nothing leaves the rehearsal: its
 * bus, sink and engines are its own.
 *
 * @example
 * ```ts
 * await warmStopPath(); // in the engine pool's warm-up
 * ```
 */
import { systemClock } from '../adapters/clock.js';
import type { AudioSink } from '../adapters/audio/sink.js';
import { createFakeLlm, createFakeStt, createFakeTts, createFakeVad } from '../adapters/testing/index.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus } from '../bus/message-bus.js';
import { assembleSession, givenEngines } from './assemble-session.js';

/** Why 6: three of each stop; the first already takes most of the cost, the rest let the handlers settle. */
const ROUNDS = 6;
const RATE_HZ = 16_000;
const SESSION_ID = 'warm-stop';

let rehearsed: Promise<void> | undefined;

/** Rehearses the stop path once per process (later calls wait for the first). */
export function warmStopPath(): Promise<void> {
  rehearsed ??= rehearse();
  return rehearsed;
}

async function rehearse(): Promise<void> {
  const clock = systemClock;
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const written = { frames: 0, waiting: undefined as (() => void) | undefined };
  const sink: AudioSink = {
    sampleRateHz: RATE_HZ,
    write() {
      written.frames += 1;
      written.waiting?.();
    },
    clear: () => 0,
    bufferedMs: () => 0,
  };
  const engines = givenEngines({
    vad: createFakeVad({ sampleRateHz: RATE_HZ, frameMs: 20 }),
    stt: createFakeStt({ clock, transcripts: () => '' }),
    llm: createFakeLlm({
      clock,
      reply: 'One moment. Here is a longer answer to stop.',
      firstTokenDelayMs: 0,
      tokenIntervalMs: 1,
    }),
    tts: [createFakeTts({ clock, sampleRateHz: RATE_HZ, latencyMs: 0, msPerWord: 100 })],
  });
  const { session, release } = await assembleSession(engines, {
    sessionId: SESSION_ID,
    bus,
    clock,
    sink,
    publishState: false,
  });
  const playing = () => new Promise<void>((resolve) => (written.waiting = resolve));
  const idle = () =>
    new Promise<void>((resolve) => {
      const check = () => (session.matches({ dialog: 'idle' }) ? resolve() : setImmediate(check));
      check();
    });
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const started = playing();
      session.sendText('Tell me something long.');
      await started;
      if (round % 2 === 0) session.stopSpeaking();
      else
        bus.publish({ type: 'control.estop', sessionId: SESSION_ID, turnId: '-', source: 'spotter', phrase: 'stop' });
      await idle();
    }
  } finally {
    await session.stop();
    release();
  }
}
