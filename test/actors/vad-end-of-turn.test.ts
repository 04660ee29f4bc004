import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createFakeVad, makeSilenceFrame, makeSpeechFrame } from '../../adapters/testing/index.js';
import { createVadActor } from '../../actors/vad.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';

function setup() {
  const h = createHarness({ vad: createFakeVad({ sampleRateHz: RATE, frameMs: 20 }) });
  const actor = createActor(createVadActor(h.deps), { input: { sessionId: SESSION } }).start();
  let seq = 0;
  const push = (frames: number, voiced: boolean) => {
    for (let i = 0; i < frames; i++) {
      h.publish({
        type: 'audio.frame',
        sessionId: SESSION,
        turnId: '-',
        seq: seq++,
        sampleRateHz: RATE,
        audio: voiced ? makeSpeechFrame(RATE, 20, i) : makeSilenceFrame(RATE, 20),
      });
    }
  };
  /** vad.* without the audio, as [type, turnId, extra]. */
  const log = () =>
    h.messages.flatMap((m): unknown[][] => {
      if (m.type === 'vad.speech_start') return [[m.type, m.turnId, m.continues]];
      if (m.type === 'vad.pause') return [[m.type, m.turnId, m.silentMs]];
      if (m.type === 'vad.resume' || m.type === 'vad.speech_end') return [[m.type, m.turnId]];
      return [];
    });
  return { h, actor, push, log };
}

describe('vad actor: pauses and the end of turn', () => {
  it('announces a pause inside the utterance and the voice after it, before the hangover ends it', async () => {
    const t = setup();
    t.push(5, true);
    t.push(5, false);
    t.push(5, true);
    t.push(30, false);
    await t.h.settle();
    expect(t.log()).toEqual([
      ['vad.speech_start', 'u1', undefined],
      ['vad.pause', 'u1', 60],
      ['vad.resume', 'u1'],
      ['vad.pause', 'u1', 60],
      ['vad.speech_end', 'u1'],
    ]);
    t.actor.stop();
  });

  it('`end` ends the utterance at once; `continue` numbers the rest of it as a new turn', async () => {
    const t = setup();
    t.push(5, true);
    t.push(4, false);
    await t.h.settle();
    t.actor.send({ type: 'continue' });
    t.push(5, true);
    t.push(4, false);
    await t.h.settle();
    t.actor.send({ type: 'end' });
    await t.h.settle();
    // Silence after the early end is no new utterance; the end came long before the 600 ms hangover.
    t.push(40, false);
    await t.h.settle();
    expect(t.log()).toEqual([
      ['vad.speech_start', 'u1', undefined],
      ['vad.pause', 'u1', 60],
      ['vad.speech_start', 'u2', 'u1'],
      ['vad.resume', 'u2'],
      ['vad.pause', 'u2', 60],
      ['vad.speech_end', 'u2'],
    ]);
    // The audio of the rest goes out under the new turn.
    expect(new Set(t.h.ofType('vad.audio').map((m) => m.turnId))).toEqual(new Set(['u1', 'u2']));
    // Outside an utterance the commands do nothing.
    t.actor.send({ type: 'end' });
    t.actor.send({ type: 'continue' });
    await t.h.settle();
    expect(t.log()).toHaveLength(6);
    t.actor.stop();
  });
});
