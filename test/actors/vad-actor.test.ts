import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../adapters/audio/pcm.js';
import { createFakeVad, makeSilenceFrame, makeSpeechFrame } from '../../adapters/testing/index.js';
import type { VadEngine } from '../../adapters/vad/types.js';
import { createVadActor } from '../../actors/vad.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';

/** The fake VAD, recording every frame the actor hands it. */
function recordingVad() {
  const inner = createFakeVad({ sampleRateHz: RATE, frameMs: 20 });
  const frames: Uint8Array[] = [];
  const vad: VadEngine = {
    name: inner.name,
    frameMs: inner.frameMs,
    sampleRateHz: inner.sampleRateHz,
    isSpeech: (frame) => {
      frames.push(frame.slice());
      return inner.isSpeech(frame);
    },
    reset: () => inner.reset(),
  };
  return { vad, frames };
}

function setup() {
  const { vad, frames } = recordingVad();
  const h = createHarness({ vad });
  const actor = createActor(createVadActor(h.deps), { input: { sessionId: SESSION } }).start();
  let seq = 0;
  const push = (audio: Uint8Array, sampleRateHz = RATE) =>
    h.publish({ type: 'audio.frame', sessionId: SESSION, turnId: '-', seq: seq++, sampleRateHz, audio });
  return { h, actor, frames, push };
}

const speech = (seed: number) => makeSpeechFrame(RATE, 20, seed);
const silence = () => makeSilenceFrame(RATE, 20);

describe('vad actor', () => {
  it('re-frames input of any length to the engine frame size, carrying the remainder over', async () => {
    const { h, actor, frames, push } = setup();
    const stream = [0, 1, 2, 3, 4, 5].map(speech).reduce((a, b) => concatBytes(a, b));
    expect(stream.byteLength).toBe(3840);
    const cuts = [300, 1000, 902, 998, 100]; // 3300 bytes: 5 whole frames and 100 bytes over
    let offset = 0;
    for (const n of cuts) {
      push(stream.slice(offset, offset + n));
      offset += n;
    }
    await h.settle();
    expect(frames.map((f) => f.byteLength)).toEqual([640, 640, 640, 640, 640]);
    push(stream.slice(offset)); // the last 540 bytes complete frame 6
    await h.settle();
    expect(frames.map((f) => f.byteLength)).toEqual([640, 640, 640, 640, 640, 640]);
    expect(frames.reduce((a, b) => concatBytes(a, b))).toEqual(stream);

    const audio = h.ofType('vad.audio');
    expect(audio.map((m) => [m.turnId, m.seq, m.sampleRateHz, m.audio.byteLength])).toEqual([
      ['u1', 0, RATE, 640],
      ['u1', 1, RATE, 640],
      ['u1', 2, RATE, 640],
      ['u1', 3, RATE, 640],
      ['u1', 4, RATE, 640],
      ['u1', 5, RATE, 640],
    ]);
    expect(audio.map((m) => m.audio).reduce((a, b) => concatBytes(a, b))).toEqual(stream);
    expect(h.typesOf('vad.')[0]).toBe('vad.speech_start');
    expect(h.handlerErrors).toEqual([]);
    actor.stop();
  });

  it('mints turn ids u1, u2 in order, with increasing vad.audio seq per utterance', async () => {
    const { h, actor, push } = setup();
    await h.clock.advance(100);
    for (let i = 0; i < 3; i++) push(speech(i));
    for (let i = 0; i < 30; i++) push(silence());
    await h.settle();
    await h.clock.advance(900); // t = 1000
    for (let i = 0; i < 3; i++) push(speech(i));
    for (let i = 0; i < 30; i++) push(silence());
    await h.settle();

    const events = h.messages
      .filter((m) => m.type === 'vad.speech_start' || m.type === 'vad.speech_end')
      .map((m) => (m.type === 'vad.speech_end' ? [m.type, m.turnId, m.atMs, m.speechMs] : [m.type, m.turnId, m.atMs]));
    expect(events).toEqual([
      ['vad.speech_start', 'u1', 100],
      ['vad.speech_end', 'u1', 100, 60],
      ['vad.speech_start', 'u2', 1000],
      ['vad.speech_end', 'u2', 1000, 60],
    ]);
    const seqs = (turnId: string) =>
      h
        .ofType('vad.audio')
        .filter((m) => m.turnId === turnId)
        .map((m) => m.seq);
    const expected = Array.from({ length: 33 }, (_, i) => i); // 3 start-window frames + 30 hangover frames
    expect(seqs('u1')).toEqual(expected);
    expect(seqs('u2')).toEqual(expected);
    // Per turn, the start comes first and the end last.
    for (const turnId of ['u1', 'u2']) {
      const types = h.messages.filter((m) => m.type.startsWith('vad.') && m.turnId === turnId).map((m) => m.type);
      expect(types[0]).toBe('vad.speech_start');
      expect(types.at(-1)).toBe('vad.speech_end');
      expect(types.filter((t) => t === 'vad.audio')).toHaveLength(33);
    }
    expect(h.handlerErrors).toEqual([]);
    actor.stop();
  });

  it('resamples frames at another rate to the engine rate, keeping their order while the resampler loads', async () => {
    const { h, actor, frames, push } = setup();
    // 8 kHz speech then silence, as a telephone-rate device would send it.
    for (let i = 0; i < 10; i++) push(makeSpeechFrame(8000, 20, i), 8000);
    for (let i = 0; i < 40; i++) push(makeSilenceFrame(8000, 20), 8000);
    // The WASM resampler loads on real time, not the simulated clock.
    for (let i = 0; i < 500 && h.ofType('vad.speech_end').length === 0; i++)
      await new Promise((r) => setTimeout(r, 10)).then(() => h.settle());
    expect(h.ofType('session.error')).toEqual([]);
    // 50 frames of 20 ms at 8 kHz become 16 kHz engine frames: 49–50 whole ones (the filter delay may hold a few ms).
    expect(frames.length).toBeGreaterThanOrEqual(49);
    expect(frames.every((f) => f.byteLength === 640)).toBe(true);
    expect(h.typesOf('vad.').filter((t) => t !== 'vad.audio' && t !== 'vad.pause')).toEqual([
      'vad.speech_start',
      'vad.speech_end',
    ]);
    expect(h.ofType('vad.audio').every((m) => m.sampleRateHz === RATE)).toBe(true);
    // Back at the engine rate: frames pass straight through again.
    const before = frames.length;
    push(speech(7));
    await h.settle();
    expect(frames.slice(before)).toEqual([speech(7)]);
    actor.stop();
  });

  it(
    'a rate that cannot be resampled yields one session.error (bad_sample_rate) and the actor keeps ' + 'working',
    async () => {
      const { h, actor, frames, push } = setup();
      for (let i = 0; i < 3; i++) push(new Uint8Array(40), 500); // 500 Hz is no audio rate
      for (let i = 0; i < 500 && h.ofType('session.error').length === 0; i++)
        await new Promise((r) => setTimeout(r, 10)).then(() => h.settle());
      expect(h.ofType('session.error')).toEqual([
        expect.objectContaining({
          code: 'bad_sample_rate',
          message: expect.stringMatching(
            /^audio\.frame at 500 Hz cannot be resampled to the 16000 Hz VAD "fake-vad" needs .*send 16000 Hz audio\.$/,
          ),
        }),
      ]);
      expect(frames).toEqual([]);
      expect(actor.getSnapshot().status).toBe('active');

      // Later good frames are framed from scratch: none of the rejected bytes were kept.
      const good = [speech(0), speech(1), speech(2)];
      for (const f of good) push(f);
      await h.settle();
      expect(frames).toEqual(good);
      expect(h.typesOf('vad.')).toEqual(['vad.speech_start', 'vad.audio', 'vad.audio', 'vad.audio']);
      expect(h.ofType('session.error')).toHaveLength(1);
      expect(h.handlerErrors).toEqual([]);
      actor.stop();
    },
  );

  it('after stop, frames are no longer read', async () => {
    const { h, actor, frames, push } = setup();
    actor.stop();
    for (let i = 0; i < 3; i++) push(speech(i));
    await h.settle();
    expect(frames).toEqual([]);
    expect(h.typesOf('vad.')).toEqual([]);
  });
});
