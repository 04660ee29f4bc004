/**
 * The VAD actor runs the session's input conditioner at the input edge: every microphone frame goes
 * through it (with its arrival time on the session clock) before the VAD, and the VAD and the
 * recognizer hear the conditioned audio, in whatever lengths the conditioner returns.
 */
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import type { InputConditioner } from '../../adapters/audio/input-conditioner.js';
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/testing/index.js';
import { createVadActor } from '../../actors/vad.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';

/**
 * A test double: records what it is given; `mute` turns every frame into silence, else it delays audio by half a frame.
 */
function recordingConditioner(mute: boolean) {
  const calls: Array<{ bytes: number; atMs: number }> = [];
  let held = new Uint8Array(0);
  const conditioner: InputConditioner = {
    steps: ['test'],
    process(audio, atMs) {
      calls.push({ bytes: audio.byteLength, atMs });
      if (mute) return { audio: new Uint8Array(audio.byteLength) };
      // Returns 320 bytes of the previous frame and 320 of this one: lengths differ from the input's.
      const out = new Uint8Array(held.byteLength + audio.byteLength - 320);
      out.set(held);
      out.set(audio.subarray(0, audio.byteLength - 320), held.byteLength);
      held = audio.slice(audio.byteLength - 320);
      return { audio: out };
    },
    close: () => undefined,
  };
  return { conditioner, calls };
}

function setup(mute: boolean) {
  const { conditioner, calls } = recordingConditioner(mute);
  const h = createHarness();
  h.deps.inputConditioner = conditioner;
  const actor = createActor(createVadActor(h.deps), { input: { sessionId: SESSION } }).start();
  let seq = 0;
  const push = (audio: Uint8Array) =>
    h.publish({ type: 'audio.frame', sessionId: SESSION, turnId: '-', seq: seq++, sampleRateHz: RATE, audio });
  return { h, actor, calls, push };
}

describe('vad actor with an input conditioner', () => {
  it('hands every frame to the conditioner with its arrival time, and segments what comes out', async () => {
    const { h, actor, calls, push } = setup(false);
    for (let i = 0; i < 10; i++) {
      push(makeSpeechFrame(RATE, 20, i));
      await h.settle();
      await h.clock.advance(20);
    }
    expect(calls.map((c) => c.atMs)).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
    expect(calls.every((c) => c.bytes === 640)).toBe(true);
    expect(h.ofType('vad.speech_start')).toHaveLength(1);
    // The VAD re-framed the conditioned stream (half a frame behind the microphone) into whole frames.
    const audio = h.ofType('vad.audio');
    expect(audio.every((m) => m.audio.byteLength === 640)).toBe(true);
    const heard = Buffer.concat(audio.map((m) => m.audio));
    const said = Buffer.concat(Array.from({ length: 10 }, (_, i) => makeSpeechFrame(RATE, 20, i)));
    expect(heard.byteLength).toBe(9 * 640);
    expect(heard.equals(said.subarray(0, heard.byteLength))).toBe(true);
    actor.stop();
  });

  it('what the conditioner removes never reaches the VAD', async () => {
    const { h, actor, push } = setup(true);
    for (let i = 0; i < 10; i++) push(makeSpeechFrame(RATE, 20, i));
    push(makeSilenceFrame(RATE, 20));
    await h.settle();
    expect(h.ofType('vad.speech_start')).toHaveLength(0);
    actor.stop();
  });
});
