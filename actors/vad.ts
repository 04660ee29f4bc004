/**
 * VAD actor (one per session): reads `audio.frame`, classifies each frame with the VAD engine, and
 * publishes `vad.speech_start`, `vad.audio` (speech plus prefix padding) and `vad.speech_end`. It mints
 * the user turn ids (`u1`, `u2`, …) because it is the first to know an utterance exists.
 */
import { fromCallback, type EventObject } from 'xstate';
import { splitFrames, concatBytes, pcmBytesFor } from '../adapters/audio/pcm.js';
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

    const onFrame = (message: BusMessage) => {
      if (message.type !== 'audio.frame') return;
      if (message.sampleRateHz !== vad.sampleRateHz) {
        bus.publish({
          type: 'session.error',
          sessionId,
          turnId: '-',
          code: 'bad_sample_rate',
          message: `audio.frame at ${message.sampleRateHz} Hz but VAD "${vad.name}" needs ${vad.sampleRateHz} Hz: resample at the input edge.`,
        });
        return;
      }
      // Input frames may be any length; the engine needs exact frames. The common case (one frame of
      // exactly the engine's size, nothing left over) skips the re-framing: it runs 50 times a second.
      let frames: Uint8Array[];
      if (rest.byteLength === 0 && message.audio.byteLength === frameBytes) frames = [message.audio];
      else {
        const split = splitFrames(concatBytes(rest, message.audio), frameBytes);
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
    return () => sub.unsubscribe();
  });
}
