/**
 * Turn detection set by `control.configure`: manual mode buffers audio until `audio.commit` makes it one
 * utterance (or `audio.discard` drops it); in server-VAD mode `audio.commit` ends speech at once, and
 * new segmenter settings apply.
 */
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/testing/index.js';
import { createVadActor } from '../../actors/vad.js';
import type { TurnDetection } from '../../bus/messages.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';

function setup() {
  const h = createHarness();
  createActor(createVadActor(h.deps), { input: { sessionId: SESSION } }).start();
  let seq = 0;
  const push = (audio: Uint8Array) =>
    h.publish({ type: 'audio.frame', sessionId: SESSION, turnId: '-', seq: seq++, sampleRateHz: RATE, audio });
  const configure = (turnDetection: TurnDetection) =>
    h.publish({ type: 'control.configure', sessionId: SESSION, turnId: '-', turnDetection });
  const control = (type: 'audio.commit' | 'audio.discard') => h.publish({ type, sessionId: SESSION, turnId: '-' });
  return { h, push, configure, control };
}

const speech = (n: number) => Array.from({ length: n }, (_, i) => makeSpeechFrame(RATE, 20, i));
const silence = (n: number) => Array.from({ length: n }, () => makeSilenceFrame(RATE, 20));

describe('vad actor turn detection', () => {
  it('manual: buffers audio, speech or not, until a commit makes it one utterance', async () => {
    const { h, push, configure, control } = setup();
    configure({ mode: 'manual' });
    for (const f of [...silence(3), ...speech(10), ...silence(40)]) push(f);
    await h.settle();
    expect(h.ofType('vad.speech_start')).toEqual([]);
    control('audio.commit');
    await h.settle();
    expect(h.ofType('vad.speech_start').map((m) => m.turnId)).toEqual(['u1']);
    expect(h.ofType('vad.audio')).toHaveLength(53);
    expect(h.ofType('vad.speech_end').map((m) => [m.turnId, m.speechMs])).toEqual([['u1', 53 * 20]]);
    control('audio.commit'); // nothing buffered: no empty utterance
    await h.settle();
    expect(h.ofType('vad.speech_start')).toHaveLength(1);
  });

  it('manual: a discard drops the buffered audio', async () => {
    const { h, push, configure, control } = setup();
    configure({ mode: 'manual' });
    for (const f of speech(10)) push(f);
    control('audio.discard');
    for (const f of speech(2)) push(f);
    control('audio.commit');
    await h.settle();
    expect(h.ofType('vad.audio')).toHaveLength(2);
  });

  it('manual: less than a frame left at a commit or a discard does not begin the next utterance', async () => {
    const { h, push, configure, control } = setup();
    configure({ mode: 'manual' });
    const [a, b, c] = speech(3);
    const half = a!.subarray(0, a!.byteLength / 2);
    push(new Uint8Array([...a!, ...half])); // a frame and a half
    control('audio.commit');
    push(b!);
    control('audio.commit');
    push(half);
    control('audio.discard');
    push(c!);
    control('audio.commit');
    await h.settle();
    expect(h.ofType('vad.speech_start').map((m) => m.turnId)).toEqual(['u1', 'u2', 'u3']);
    expect(h.ofType('vad.audio').map((m) => [m.turnId, [...m.audio]])).toEqual([
      ['u1', [...a!]],
      ['u2', [...b!]],
      ['u3', [...c!]],
    ]);
  });

  it('server VAD: switching to manual mid-utterance ends the utterance at once', async () => {
    const { h, push, configure } = setup();
    for (const f of speech(10)) push(f);
    await h.settle();
    expect(h.ofType('vad.speech_start')).toHaveLength(1);
    configure({ mode: 'manual' });
    await h.settle();
    expect(h.ofType('vad.speech_end').map((m) => m.turnId)).toEqual(['u1']);
  });

  it('server VAD: a commit ends the utterance in progress at once', async () => {
    const { h, push, control } = setup();
    for (const f of speech(10)) push(f);
    await h.settle();
    expect(h.ofType('vad.speech_start')).toHaveLength(1);
    control('audio.commit');
    await h.settle();
    expect(h.ofType('vad.speech_end').map((m) => m.turnId)).toEqual(['u1']);
    for (const f of silence(40)) push(f); // the old hangover would have ended it here: no second end
    await h.settle();
    expect(h.ofType('vad.speech_end')).toHaveLength(1);
  });

  it('server VAD: a shorter silence duration ends turns sooner', async () => {
    const { h, push, configure } = setup();
    configure({ mode: 'server_vad', hangoverMs: 200 });
    for (const f of [...speech(10), ...silence(10)]) push(f);
    await h.settle();
    expect(h.ofType('vad.speech_end')).toHaveLength(1);
  });

  it('manual: more than a minute without a commit is one clear error, not one per frame', async () => {
    const { h, push, configure } = setup();
    configure({ mode: 'manual' });
    const frame = makeSilenceFrame(RATE, 20);
    for (let i = 0; i < 3_100; i++) push(frame);
    await h.settle();
    const errors = h.ofType('session.error');
    expect(errors.map((e) => e.code)).toEqual(['input_buffer_full']);
    expect(errors[0]!.message).toContain('audio.commit');
  });
});
