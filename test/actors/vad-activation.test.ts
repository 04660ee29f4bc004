/**
 * `session.activation` on the simulated clock, the session chart (its activation region decides the gate)
 * and the VAD actor (applies it) together: in `push` the microphone opens an utterance only between
 * `control.listen` open and close (and the close ends it, silence does not); in `wake` a spotted wake
 * phrase opens listening for a window that the conversation extends; a spotted stop phrase publishes
 * `control.estop` with the gate closed; manual turns are never gated. Then the VAD actor alone: it applies
 * `vad.gate` and decides nothing itself.
 */
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/testing/index.js';
import type { KeywordSpotter, Spotting } from '../../adapters/spotter/spotter.js';
import type { ActivationMode } from '../../actors/activation-settings.js';
import { createVadActor } from '../../actors/vad.js';
import { startSession } from '../../runtime/session-host.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';

/** A spotter the test drives: the next frame pushed after `spot(phrase)` reports it. */
function scriptedSpotter() {
  const queued: string[] = [];
  const spotter: KeywordSpotter = {
    name: 'scripted',
    sampleRateHz: RATE,
    phrases: [],
    warmUp: async () => undefined,
    createStream: () => ({
      push: (): Spotting[] =>
        queued
          .splice(0)
          .map((phrase) => ({ phrase, log10Margin: 0, durationMs: 500, leadDb: 20, endMs: 0, atAudioMs: 0 })),
      drain: () => [],
      close: () => undefined,
    }),
  };
  return { spotter, spot: (phrase: string) => void queued.push(phrase) };
}

const STOPS = ['stop', 'halt', 'emergency stop'];

/** A session in `mode` (the chart and its stage actors on the harness's bus and clock), or the VAD actor alone. */
function setup(mode: ActivationMode, { vadOnly = false } = {}) {
  const scripted = scriptedSpotter();
  const h = createHarness({ pipeline: { activation: { mode, stopPhrases: STOPS } } });
  if (vadOnly) {
    h.deps.keywordSpotter = scripted.spotter;
    createActor(createVadActor(h.deps), { input: { sessionId: SESSION } }).start();
  } else {
    const { vad, stt, llm, tts, sink } = h.deps;
    startSession({
      sessionId: SESSION,
      bus: h.bus,
      clock: h.clock,
      engines: { vad, stt, llm, tts, sink, keywordSpotter: scripted.spotter },
      config: { activation: { mode, windowMs: 8000 }, estop: { phrases: STOPS } },
    });
  }
  let seq = 0;
  let i = 0;
  const frame = (audio: Uint8Array) =>
    h.publish({ type: 'audio.frame', sessionId: SESSION, turnId: '-', seq: seq++, sampleRateHz: RATE, audio });
  /** `n` frames of speech or silence, 20 ms of the clock each. */
  const play = async (kind: 'speech' | 'silence', n: number) => {
    for (let k = 0; k < n; k++) {
      frame(kind === 'speech' ? makeSpeechFrame(RATE, 20, i++) : makeSilenceFrame(RATE, 20));
      await h.settle();
      await h.clock.advance(20);
    }
  };
  const listen = async (open: boolean) => {
    h.publish({ type: 'control.listen', sessionId: SESSION, turnId: '-', open });
    await h.settle();
  };
  return { h, play, listen, spot: scripted.spot };
}

describe('vad actor activation: push', () => {
  const push = 'push';

  it('opens utterances only while listening; silence does not end one, closing does', async () => {
    const { h, play, listen } = setup(push);
    await play('speech', 30);
    await play('silence', 40);
    expect(h.ofType('vad.speech_start')).toEqual([]);
    await listen(true);
    await play('speech', 30);
    expect(h.ofType('vad.speech_start').map((m) => m.turnId)).toEqual(['u1']);
    await play('silence', 60); // twice the hangover: still the same utterance while the key is held
    expect(h.ofType('vad.speech_end')).toEqual([]);
    await listen(false);
    expect(h.ofType('vad.speech_end').map((m) => m.turnId)).toEqual(['u1']);
    await play('speech', 30);
    expect(h.ofType('vad.speech_start')).toHaveLength(1);
  });

  it('keeps the word begun just before the key (the prefix padding)', async () => {
    const { h, play, listen } = setup(push);
    await play('silence', 20);
    await play('speech', 5); // 100 ms of speech before the key
    await listen(true);
    await play('speech', 20);
    await listen(false);
    const audio = h.ofType('vad.audio');
    // 200 ms of padding before the key and 400 ms after it: more than the frames after the key alone.
    expect(audio.length).toBeGreaterThan(20);
  });

  it('a key held past 60 s closes by itself and ends the utterance', async () => {
    const { h, play, listen } = setup(push);
    await listen(true);
    await play('speech', 10);
    await play('silence', 3000); // 60 s
    expect(h.ofType('control.listen').map((m) => m.open)).toEqual([true, false]);
    expect(h.ofType('vad.speech_end')).toHaveLength(1);
  });

  it('a manual turn (Realtime turn_detection null + commit) is never gated', async () => {
    const { h, play } = setup(push);
    h.publish({ type: 'control.configure', sessionId: SESSION, turnId: '-', turnDetection: { mode: 'manual' } });
    await h.settle();
    await play('speech', 20);
    h.publish({ type: 'audio.commit', sessionId: SESSION, turnId: '-' });
    await h.settle();
    expect(h.ofType('vad.speech_start').map((m) => m.turnId)).toEqual(['u1']);
    expect(h.ofType('vad.speech_end')).toHaveLength(1);
  });

  it(
    'a stop phrase spotted with the gate closed publishes the emergency stop; a wake phrase opens ' + 'nothing',
    async () => {
      const { h, play, spot } = setup(push);
      spot('hey robot');
      await play('silence', 2);
      spot('stop');
      await play('silence', 2);
      expect(h.ofType('control.estop').map((m) => [m.source, m.phrase])).toEqual([['spotter', 'stop']]);
      expect(h.ofType('control.listen')).toEqual([]);
    },
  );
});

describe('vad actor activation: wake', () => {
  const wake = 'wake';

  it('a wake phrase opens listening for the window; the user going on extends it; then it closes', async () => {
    const { h, play, spot } = setup(wake);
    await play('speech', 30);
    await play('silence', 40);
    expect(h.ofType('vad.speech_start')).toEqual([]);
    spot('hey robot');
    await play('silence', 5);
    expect(h.ofType('control.listen').map((m) => [m.open, m.phrase])).toEqual([[true, 'hey robot']]);
    await play('speech', 30);
    await play('silence', 40); // the utterance ends after the hangover: the window starts again
    expect(h.ofType('vad.speech_end')).toHaveLength(1);
    await play('silence', 300); // 6 s: still open
    await play('speech', 30);
    await play('silence', 40);
    expect(h.ofType('vad.speech_start')).toHaveLength(2);
    await play('silence', 400); // 8 s more: the window closes
    expect(h.ofType('control.listen').map((m) => m.open)).toEqual([true, false]);
    await play('speech', 30);
    expect(h.ofType('vad.speech_start')).toHaveLength(2);
  });

  it('the window never closes while the agent speaks, and starts again when it stops', async () => {
    const { h, play, spot } = setup(wake);
    spot('hey robot');
    await play('silence', 2);
    h.publish({ type: 'playback.started', sessionId: SESSION, turnId: 'u1', kind: 'reply' });
    await play('silence', 600); // 12 s of reply
    expect(h.ofType('control.listen').map((m) => m.open)).toEqual([true]);
    h.publish({ type: 'playback.finished', sessionId: SESSION, turnId: 'u1', segments: [] });
    await play('silence', 300);
    await play('speech', 30); // 6 s after the reply: the user answers
    expect(h.ofType('vad.speech_start')).toHaveLength(1);
  });

  it('a client closes listening at once, ending the utterance in progress', async () => {
    const { h, play, listen, spot } = setup(wake);
    spot('hey robot');
    await play('silence', 2);
    await play('speech', 30);
    await listen(false);
    expect(h.ofType('vad.speech_end')).toHaveLength(1);
  });

  it('a stop phrase publishes the emergency stop, gate closed or open', async () => {
    const { h, play, spot } = setup(wake);
    spot('halt');
    await play('silence', 2);
    spot('hey robot');
    await play('silence', 2);
    spot('emergency stop');
    await play('silence', 2);
    expect(h.ofType('control.estop').map((m) => m.phrase)).toEqual(['halt', 'emergency stop']);
  });
});

describe('vad actor activation: always', () => {
  it('control.listen changes nothing and no spotter runs', async () => {
    const { h, play, listen, spot } = setup('always');
    await listen(false);
    spot('stop');
    await play('speech', 30);
    expect(h.ofType('vad.speech_start')).toHaveLength(1);
    expect(h.ofType('control.estop')).toEqual([]);
  });
});

describe('vad actor alone: applies the gate it is told', () => {
  const gate = (h: ReturnType<typeof setup>['h'], open: boolean, holdsEnd = false) =>
    h.publish({ type: 'vad.gate', sessionId: SESSION, turnId: '-', open, holdsEnd });

  it('starts closed in wake; opens and closes only on vad.gate, never by itself', async () => {
    const { h, play, listen } = setup('wake', { vadOnly: true });
    await listen(true); // the chart's business: the VAD alone does not open on it
    await play('speech', 30);
    expect(h.ofType('vad.speech_start')).toEqual([]);
    gate(h, true);
    await play('silence', 3500); // 70 s: no window of its own
    await play('speech', 30);
    expect(h.ofType('vad.speech_start')).toHaveLength(1);
    expect(h.ofType('control.listen').map((m) => m.open)).toEqual([true]);
    gate(h, false);
    await h.settle();
    expect(h.ofType('vad.speech_end')).toHaveLength(1);
    await play('speech', 30);
    expect(h.ofType('vad.speech_start')).toHaveLength(1);
  });

  it('holdsEnd: the silence does not end the utterance while held, the close does', async () => {
    const { h, play } = setup('push', { vadOnly: true });
    gate(h, true, true);
    await play('speech', 30);
    await play('silence', 100);
    expect(h.ofType('vad.speech_end')).toEqual([]);
    gate(h, false);
    await h.settle();
    expect(h.ofType('vad.speech_end')).toHaveLength(1);
  });

  it('ignores vad.gate in always', async () => {
    const { h, play } = setup('always', { vadOnly: true });
    gate(h, false);
    await play('speech', 30);
    expect(h.ofType('vad.speech_start')).toHaveLength(1);
  });
});
