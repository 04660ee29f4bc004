import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createControlledStt, makeSpeechFrame, type ControlledStt } from '../../adapters/testing/index.js';
import type { SttEngine } from '../../adapters/stt/types.js';
import { createSttActor } from '../../actors/stt.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';

function setup(engine: SttEngine = createControlledStt()) {
  const h = createHarness({ stt: engine });
  const actor = createActor(createSttActor(h.deps), { input: { sessionId: SESSION } }).start();
  const seqs = new Map<string, number>();
  const vad = {
    start: (turnId: string) => h.publish({ type: 'vad.speech_start', sessionId: SESSION, turnId }),
    audio: (turnId: string, ms = 20) => {
      const seq = seqs.get(turnId) ?? 0;
      seqs.set(turnId, seq + 1);
      h.publish({
        type: 'vad.audio',
        sessionId: SESSION,
        turnId,
        seq,
        sampleRateHz: RATE,
        audio: makeSpeechFrame(RATE, ms, seq),
      });
    },
    end: (turnId: string, speechMs = 600) =>
      h.publish({ type: 'vad.speech_end', sessionId: SESSION, turnId, speechMs }),
  };
  const stt = () =>
    h.messages
      .filter((m) => m.type.startsWith('stt.'))
      .map((m) => [m.type, m.turnId, 'text' in m ? m.text : 'message' in m ? m.message : '']);
  return { h, actor, vad, stt };
}

describe('stt actor', () => {
  it(
    'opens one stream per utterance, pushes its audio, publishes partials and the final with its turn ' + 'id',
    async () => {
      const engine = createControlledStt();
      const { h, actor, vad, stt } = setup(engine);
      vad.start('u1');
      await h.settle();
      expect(engine.streams).toHaveLength(0); // opened at the first audio, when the rate is known
      vad.audio('u1');
      vad.audio('u1');
      vad.start('u2');
      vad.audio('u2');
      vad.audio('u1');
      await h.settle();
      expect(engine.streams).toHaveLength(2);
      const [s1, s2] = engine.streams as [ControlledStt['streams'][0], ControlledStt['streams'][0]];
      expect(s1.options.sampleRateHz).toBe(RATE);
      expect('language' in s1.options).toBe(false);
      expect([s1.audioBytes, s2.audioBytes]).toEqual([1920, 640]);

      s1.partial('what');
      s2.partial('hi');
      s1.partial('what time');
      s1.final('  what time is it ');
      await h.settle();
      // The final is held until the VAD says the utterance ended.
      expect(stt()).toEqual([
        ['stt.partial', 'u1', 'what'],
        ['stt.partial', 'u2', 'hi'],
        ['stt.partial', 'u1', 'what time'],
      ]);
      expect(s1.finishing).toBe(false);
      vad.end('u1');
      await h.settle();
      expect(s1.finishing).toBe(true);
      expect(stt().at(-1)).toEqual(['stt.final', 'u1', 'what time is it']);

      vad.end('u2');
      await h.settle();
      s2.final('hi there');
      await h.settle();
      expect(stt().slice(3)).toEqual([
        ['stt.final', 'u1', 'what time is it'],
        ['stt.final', 'u2', 'hi there'],
      ]);
      expect(s1.options.signal.aborted || s2.options.signal.aborted).toBe(false);
      expect(h.handlerErrors).toEqual([]);
      actor.stop();
    },
  );

  it('an utterance without audio gets an empty final and no stream', async () => {
    const engine = createControlledStt();
    const { h, actor, vad, stt } = setup(engine);
    vad.start('u1');
    vad.end('u1', 0);
    await h.settle();
    expect(engine.streams).toHaveLength(0);
    expect(stt()).toEqual([['stt.final', 'u1', '']]);
    actor.stop();
  });

  it('cancel aborts only the named utterance', async () => {
    const engine = createControlledStt();
    const { h, actor, vad, stt } = setup(engine);
    vad.start('u1');
    vad.audio('u1');
    vad.start('u2');
    vad.audio('u2');
    await h.settle();
    const [s1, s2] = engine.streams as [ControlledStt['streams'][0], ControlledStt['streams'][0]];

    actor.send({ type: 'cancel', turnId: 'u1' });
    expect(s1.options.signal.aborted).toBe(true);
    expect(s2.options.signal.aborted).toBe(false);

    vad.audio('u1');
    vad.audio('u2');
    s1.partial('ignored');
    s2.partial('still here');
    vad.end('u1');
    vad.end('u2');
    await h.settle();
    s2.final('still here');
    await h.settle();
    expect(s1.audioBytes).toBe(640);
    expect(s2.audioBytes).toBe(1280);
    expect(engine.streams).toHaveLength(2);
    expect(stt()).toEqual([
      ['stt.partial', 'u2', 'still here'],
      ['stt.final', 'u2', 'still here'],
    ]);
    actor.stop();
  });

  it('an engine that throws yields stt.error for that utterance, not a crash', async () => {
    const inner = createControlledStt();
    let calls = 0;
    const flaky: SttEngine = {
      name: 'flaky-stt',
      createStream(options) {
        calls++;
        if (calls === 1) throw new Error('no model loaded');
        return inner.createStream(options);
      },
    };
    const { h, actor, vad, stt } = setup(flaky);
    vad.start('u1');
    vad.audio('u1');
    vad.audio('u1');
    vad.end('u1');
    await h.settle();
    expect(calls).toBe(1); // not retried for later audio of the failed utterance
    expect(stt()).toEqual([['stt.error', 'u1', 'STT "flaky-stt" failed: no model loaded']]);
    expect(actor.getSnapshot().status).toBe('active');

    // The next utterance works; a final that fails is an stt.error too.
    vad.start('u2');
    vad.audio('u2');
    vad.end('u2');
    await h.settle();
    inner.streams[0]!.fail('decoder crashed');
    await h.settle();
    vad.start('u3');
    vad.audio('u3');
    vad.end('u3');
    await h.settle();
    inner.streams[1]!.final('ok');
    await h.settle();
    expect(stt()).toEqual([
      ['stt.error', 'u1', 'STT "flaky-stt" failed: no model loaded'],
      ['stt.error', 'u2', 'STT "flaky-stt" failed: decoder crashed'],
      ['stt.final', 'u3', 'ok'],
    ]);
    expect(actor.getSnapshot().status).toBe('active');
    expect(h.handlerErrors).toEqual([]);
    actor.stop();
  });

  it('after stop, open streams are aborted and nothing more is published', async () => {
    const engine = createControlledStt();
    const { h, actor, vad, stt } = setup(engine);
    vad.start('u1');
    vad.audio('u1');
    vad.start('u2');
    vad.audio('u2');
    vad.end('u2');
    await h.settle();
    engine.streams[0]!.partial('before');
    await h.settle();
    const before = h.messages.length;

    actor.stop();
    expect(engine.streams[0]!.options.signal.aborted).toBe(true);
    engine.streams[0]!.partial('after');
    engine.streams[1]!.final('late final');
    vad.audio('u1');
    vad.end('u1');
    vad.start('u3');
    vad.audio('u3');
    vad.end('u3');
    await h.settle();
    expect(engine.streams).toHaveLength(2);
    expect(engine.streams[0]!.audioBytes).toBe(640);
    // Only the VAD messages this test published after the stop; nothing from the actor.
    expect(h.messages.slice(before).every((m) => m.type.startsWith('vad.'))).toBe(true);
    expect(stt()).toEqual([['stt.partial', 'u1', 'before']]);
    expect(h.handlerErrors).toEqual([]);
  });
});
