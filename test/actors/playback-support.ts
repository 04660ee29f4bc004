/** Setup for the playback actor tests: the paced sink behind a wrapper that records what each frame held. */
import { createActor } from 'xstate';
import type { AudioSink } from '../../adapters/audio/sink.js';
import { createPlaybackActor } from '../../actors/playback.js';
import { createHarness, filledAudio, RATE, SESSION } from '../support/actor-harness.js';

export interface WrittenFrame {
  atMs: number;
  /** First byte of the frame: the fill value of the segment it came from. */
  tag: number;
  /** Bytes carrying that fill value (the rest is silence padding). */
  audioBytes: number;
  byteLength: number;
  /** The lip-sync viseme the playback actor gave the frame, if any. */
  viseme?: string;
}

export async function setupPlayback(
  options: { turnId?: string; maxBufferAheadMs?: number; refillBelowMs?: number } = {},
) {
  const turnId = options.turnId ?? 't1';
  const maxBufferAheadMs = options.maxBufferAheadMs ?? 200;
  // Unless a test is about batches: refill every tick, so pacing is one frame per 20 ms.
  const h = createHarness({
    pipeline: { frameMs: 20, maxBufferAheadMs, refillBelowMs: options.refillBelowMs ?? maxBufferAheadMs },
  });
  const written: WrittenFrame[] = [];
  const sink: AudioSink = {
    sampleRateHz: RATE,
    write(frame, meta) {
      written.push({
        atMs: h.clock.now(),
        tag: frame[0]!,
        audioBytes: frame.filter((b) => b === frame[0]).length,
        byteLength: frame.byteLength,
        ...(meta.viseme ? { viseme: meta.viseme } : {}),
      });
      h.sink.write(frame, meta);
    },
    clear: () => h.sink.clear(),
    bufferedMs: () => h.sink.bufferedMs(),
  };
  h.deps.sink = sink;
  const actor = createActor(createPlaybackActor(h.deps), { input: { sessionId: SESSION, turnId } }).start();
  const seqs = new Map<number, number>();
  return {
    h,
    actor,
    written,
    /** Publishes `ms` of audio filled with `fill` for a segment, as the TTS actor would. */
    chunk(
      segmentIndex: number,
      ms: number,
      fill: number,
      final: boolean,
      kind: 'reply' | 'filler' | 'say' = 'reply',
      text = `Segment ${segmentIndex}.`,
      visemes?: Array<{ atMs: number; viseme: string }>,
    ) {
      const seq = seqs.get(segmentIndex) ?? 0;
      seqs.set(segmentIndex, seq + 1);
      h.publish({
        type: 'tts.chunk',
        sessionId: SESSION,
        turnId,
        segmentIndex,
        kind,
        seq,
        text,
        sampleRateHz: RATE,
        audio: filledAudio(ms, fill),
        final,
        ...(visemes ? { visemes } : {}),
      });
    },
    done: (segments: number) => h.publish({ type: 'tts.done', sessionId: SESSION, turnId, segments }),
    /** playback.* messages without the envelope. */
    playback: () =>
      h.messages
        .filter((m) => m.type.startsWith('playback.'))
        .map((m) => {
          const { sessionId: _s, turnId: _t, ...rest } = m;
          return rest;
        }),
  };
}
