/**
 * An output that plays in real time on a clock and records what was actually played, for
 * `voice-agent run --out reply.wav` and end-to-end tests: `clear()` drops what was not played yet, so the
 * recording holds exactly the audio a listener would have heard, placed at the time it was heard.
 */
import type { Clock } from '../clock.js';
import { pcmBytesFor, pcmDurationMs } from './pcm.js';
import type { AudioSink } from './sink.js';

interface Played {
  atMs: number;
  turnId: string;
  audio: Uint8Array;
}

export interface RecordingSink extends AudioSink {
  /** Frames in play order with their start times (cleared frames removed). */
  readonly played: readonly Played[];
  /** The whole output from `fromMs` to `toMs`, silence where nothing played. */
  render(fromMs: number, toMs: number): Uint8Array;
}

export function createRecordingSink(clock: Clock, sampleRateHz: number): RecordingSink {
  const played: Played[] = [];
  let playEndMs = 0;
  return {
    sampleRateHz,
    played,
    write(frame, meta) {
      const atMs = Math.max(playEndMs, clock.now());
      playEndMs = atMs + pcmDurationMs(frame.byteLength, sampleRateHz);
      played.push({ atMs, turnId: meta.turnId, audio: frame.slice() });
    },
    clear() {
      const now = clock.now();
      let dropped = 0;
      // Frames not yet started are dropped; the one playing is cut at `now`.
      while (played.length > 0 && played[played.length - 1]!.atMs >= now) {
        played.pop();
        dropped++;
      }
      const last = played[played.length - 1];
      if (last) {
        const endMs = last.atMs + pcmDurationMs(last.audio.byteLength, sampleRateHz);
        if (endMs > now) last.audio = last.audio.subarray(0, pcmBytesFor(now - last.atMs, sampleRateHz));
      }
      playEndMs = now;
      return dropped;
    },
    bufferedMs: () => Math.max(0, playEndMs - clock.now()),
    render(fromMs, toMs) {
      const out = new Uint8Array(pcmBytesFor(toMs - fromMs, sampleRateHz));
      for (const p of played) {
        const offset = pcmBytesFor(p.atMs - fromMs, sampleRateHz);
        if (offset >= out.byteLength) break;
        out.set(p.audio.subarray(0, Math.max(0, out.byteLength - offset)), Math.max(0, offset));
      }
      return out;
    },
  };
}
