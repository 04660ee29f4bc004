/**
 * VAD actor (one per session): reads `audio.frame`, classifies each frame with the VAD engine, and
 * publishes `vad.speech_start`, `vad.audio` (speech plus prefix padding) and `vad.speech_end`. It mints
 * the user turn ids (`u1`, `u2`, …) because it is the first to know an utterance exists.
 *
 * Microphone frames at another rate than the engine's are resampled here, at the input edge (Speex):
 * the resampler loads asynchronously, and the frames that arrive meanwhile wait in order.
 */
import { fromCallback, type EventObject } from 'xstate';
import { splitFrames, concatBytes, pcmBytesFor } from '../adapters/audio/pcm.js';
import { createResampler, type Resampler } from '../adapters/audio/resample.js';
import type { BusMessage } from '../bus/messages.js';
import type { SessionActorDeps } from './deps.js';
import type { VadActorInput } from './inputs.js';
import { createVadSegmenter } from './vad-segmenter.js';

export function createVadActor(deps: SessionActorDeps) {
  return fromCallback<EventObject, VadActorInput>(({ input }) => {
    const { bus, vad, clock } = deps;
    const { sessionId } = input;
    const segmenter = createVadSegmenter({ ...deps.pipeline.vad, frameMs: vad.frameMs });
    const frameBytes = pcmBytesFor(vad.frameMs, vad.sampleRateHz);
    let rest: Uint8Array = new Uint8Array(0);
    let utterances = 0;
    let seq = 0;
    let turnId = '-';

    /** Why 50: one second of 20 ms frames, far more than the WASM resampler takes to load. */
    const MAX_WAITING_FRAMES = 50;
    let mic: { fromHz: number; resampler?: Resampler; waiting: Uint8Array[]; failed: boolean } | undefined;
    let stopped = false;

    const resampleFrom = (fromHz: number) => {
      mic?.resampler?.close();
      const state: NonNullable<typeof mic> = { fromHz, waiting: [], failed: false };
      mic = state;
      createResampler({ fromHz, toHz: vad.sampleRateHz }).then(
        (resampler) => {
          if (stopped || mic !== state) return resampler.close();
          state.resampler = resampler;
          for (const audio of state.waiting.splice(0)) classify(resampler.process(audio));
        },
        (error: unknown) => {
          state.failed = true;
          state.waiting.length = 0;
          const reason = error instanceof Error ? error.message : String(error);
          bus.publish({
            type: 'session.error',
            sessionId,
            turnId: '-',
            code: 'bad_sample_rate',
            message: `audio.frame at ${fromHz} Hz cannot be resampled to the ${vad.sampleRateHz} Hz VAD "${vad.name}" needs (${reason}): send ${vad.sampleRateHz} Hz audio.`,
          });
        },
      );
    };

    const onFrame = (message: BusMessage) => {
      if (message.type !== 'audio.frame') return;
      if (message.sampleRateHz === vad.sampleRateHz) {
        if (mic) {
          // The device went back to the engine's rate: drop the resampler and its tail.
          mic.resampler?.close();
          mic = undefined;
          rest = new Uint8Array(0);
        }
        return classify(message.audio);
      }
      if (mic?.fromHz !== message.sampleRateHz) {
        rest = new Uint8Array(0);
        resampleFrom(message.sampleRateHz);
      }
      const state = mic!;
      if (state.failed) return;
      if (state.resampler) classify(state.resampler.process(message.audio));
      else if (state.waiting.length < MAX_WAITING_FRAMES) state.waiting.push(message.audio.slice());
    };

    const classify = (audio: Uint8Array) => {
      // Input frames may be any length; the engine needs exact frames. The common case (one frame of
      // exactly the engine's size, nothing left over) skips the re-framing: it runs 50 times a second.
      let frames: Uint8Array[];
      if (rest.byteLength === 0 && audio.byteLength === frameBytes) frames = [audio];
      else {
        const split = splitFrames(concatBytes(rest, audio), frameBytes);
        frames = split.frames;
        rest = split.rest.slice();
      }
      for (const frame of frames) {
        const events = segmenter.push(frame, vad.isSpeech(frame));
        if (events.length === 0) continue;
        for (const event of events) {
          const atMs = clock.now();
          if (event.kind === 'start') {
            turnId = `u${++utterances}`;
            seq = 0;
            bus.publish({ type: 'vad.speech_start', sessionId, turnId, atMs });
          } else if (event.kind === 'audio') {
            bus.publish({ type: 'vad.audio', sessionId, turnId, atMs, seq: seq++, sampleRateHz: vad.sampleRateHz, audio: event.audio });
          } else {
            bus.publish({ type: 'vad.speech_end', sessionId, turnId, atMs, speechMs: event.speechMs });
          }
        }
      }
    };

    const sub = bus.subscribe(bus.subjects.forEvent(sessionId, 'audio.frame'), onFrame);
    return () => {
      stopped = true;
      sub.unsubscribe();
      mic?.resampler?.close();
    };
  });
}
