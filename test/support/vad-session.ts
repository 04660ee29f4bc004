/**
 * A VAD actor on the actor harness (simulated clock), fed recordings frame by frame: the spotter tests'
 * session. `say` plays samples framed by silence (half a second before, a second after), as a person
 * addressing a robot would; `play` plays them as they are (a recording already framed by its room).
 *
 * @example
 * ```ts
 * const { h, say, stop } = startVadSession(createHarness({ pipeline: { activation: { mode: 'wake' } } }));
 * await say(samples);
 * ```
 */
import { createActor } from 'xstate';
import { createVadActor } from '../../actors/vad.js';
import { RATE, SESSION, type createHarness } from './actor-harness.js';

const FRAME_SAMPLES = RATE / 50;

/** Starts the VAD actor on `h` (its deps set up by the caller: spotters, conditioning). */
export function startVadSession(h: ReturnType<typeof createHarness>) {
  const vad = createActor(createVadActor(h.deps), { input: { sessionId: SESSION } }).start();
  let seq = 0;
  /** `samples` as 20 ms frames, as they are (`afterFrame` called after each is heard). */
  const frames = async (samples: Int16Array, afterFrame?: () => void) => {
    for (let at = 0; at + FRAME_SAMPLES <= samples.length; at += FRAME_SAMPLES) {
      const audio = new Uint8Array(samples.buffer, samples.byteOffset + at * 2, FRAME_SAMPLES * 2).slice();
      h.publish({ type: 'audio.frame', sessionId: SESSION, turnId: '-', seq: seq++, sampleRateHz: RATE, audio });
      await h.settle();
      await h.clock.advance(20);
      afterFrame?.();
    }
  };
  const say = async (samples: Int16Array) => {
    await frames(new Int16Array(RATE / 2));
    await frames(samples);
    await frames(new Int16Array(RATE));
  };
  return { h, say, play: frames, stop: () => vad.stop() };
}
