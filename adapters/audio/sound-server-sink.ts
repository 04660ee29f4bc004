/**
 * The session's speaker on a sound-server client (`pacat`, `aplay`): an {@link AudioSink} that keeps the
 * playback actor's frames in a queue of its own and hands them to the client only `leadMs` ahead of
 * time, so that `clear()` (a barge-in, STOP) drops everything but those few milliseconds — a client's
 * pipe and the server's buffer cannot be taken back.
 *
 * A pacer ticks every `tickMs` and keeps the client fed up to `leadMs` ahead: the next queued frame, or
 * silence when nothing is queued. The stream so never runs dry between replies: its latency stays what
 * the server reports (no start-up buffering per reply), which is what the echo reference is shifted by.
 * After a stall of the event loop longer than the lead, the device has played silence where frames were
 * due: those frames are dropped (a glitch), so that the rest of the reply plays when the echo reference
 * says it does — sent late, it would play late to its end, as the server does not catch up. When
 * `excessMs()` says more is queued than should be (the device's clock slower than ours, or a stream that
 * stopped consuming for a while and left a backlog in the client's pipe), that much silence is left out
 * between replies, in whole frames, at most every {@link SKIP_INTERVAL_MS} after the last skip has played
 * out: the queue drains at once instead of delaying every reply (and its echo) by the backlog.
 *
 * The play times the playback actor and the echo reference see are the device sink model's
 * (`device-sink.ts`): a frame starts when the previous one ends, or now. A reply's first frame reaches
 * the client up to `leadMs + tickMs` after that, and plays the server's latency later.
 *
 * @example
 * ```ts
 * const speaker = await openPlayback(server, { device: 'agent', sampleRateHz: 16_000, latencyMs: 60 });
 * const sink = createSoundServerSink({ clock: systemClock, sampleRateHz: 16_000, write: (pcm) => speaker.write(pcm) });
 * // the session writes to `sink`; at the end:
 * sink.close();
 * ```
 */
import type { Clock } from '../clock.js';
import { createDeviceSink } from './device-sink.js';
import { pcmBytesFor, pcmDurationMs } from './pcm.js';
import type { AudioSink } from './sink.js';

export interface SoundServerSinkOptions {
  clock: Clock;
  sampleRateHz: number;
  /** Hands audio to the client (s16le mono at `sampleRateHz`). */
  write(audio: Uint8Array): void;
  /**
   * How far ahead of time audio goes to the client. Why 40 ms by default (60 in `live`): a few ticks of margin for a
   * busy event loop.
   */
  leadMs?: number;
  /** Why 10 ms: Node's timers keep it to about a millisecond; the lead absorbs the rest. */
  tickMs?: number;
  /** The silence frame's length. Why 20 ms: the pipeline's frame. */
  silenceMs?: number;
  /** How much more the device holds than it should, ms: that much silence is skipped (see above). */
  excessMs?: () => number;
  /**
   * The sink's {@link AudioSink.echoReturnMs}: how long after a frame plays the microphone's stream carries it, room
   * aside (default 0).
   */
  echoReturnMs?: () => number;
}

export interface SoundServerSink extends AudioSink {
  /** Silence frames skipped because the device held too much; stalls of the pacer; frames dropped after them. */
  readonly stats: { skippedSilence: number; stalls: number; droppedFrames: number };
  /** Stops the pacer (the client is the caller's to close). */
  close(): void;
}

/**
 * Why 250 ms after a skip has played out: the reports `excessMs` reads come every 50 ms, and must show the skip before
 * the next.
 */
const SKIP_INTERVAL_MS = 250;

export function createSoundServerSink(options: SoundServerSinkOptions): SoundServerSink {
  const { clock, sampleRateHz } = options;
  const leadMs = options.leadMs ?? 40;
  const tickMs = options.tickMs ?? 10;
  const silence = new Uint8Array(pcmBytesFor(options.silenceMs ?? 20, sampleRateHz));
  const silenceMs = pcmDurationMs(silence.byteLength, sampleRateHz);
  const queue: Uint8Array[] = [];
  /** The queue's length in bytes (kept, not summed: a reply may queue hundreds of frames). */
  let queuedBytes = 0;
  const take = () => {
    const frame = queue.shift();
    if (frame) queuedBytes -= frame.byteLength;
    return frame;
  };
  const drop = () => {
    queue.length = 0;
    queuedBytes = 0;
  };
  const stats = { skippedSilence: 0, stalls: 0, droppedFrames: 0 };
  let lastSkipMs = Number.NEGATIVE_INFINITY;
  /** Session-clock time up to which audio has gone to the client. */
  let writtenUntilMs = clock.now();
  const model = createDeviceSink({
    clock,
    sampleRateHz,
    send: (frame) => {
      queue.push(frame);
      queuedBytes += frame.byteLength;
    },
    clear: drop,
  });

  const tick = () => {
    const now = clock.now();
    if (writtenUntilMs < now - silenceMs) {
      // The event loop stalled and the device ran dry meanwhile: it played silence where these frames were
      // due. Late audio would play late for the rest of the reply (the server does not catch up), leaving
      // the echo reference behind, so the frames whose time has passed are dropped instead.
      stats.stalls++;
      while (queue.length > 0 && writtenUntilMs < now) {
        writtenUntilMs += pcmDurationMs(take()!.byteLength, sampleRateHz);
        stats.droppedFrames++;
      }
      writtenUntilMs = Math.max(writtenUntilMs, now);
    }
    while (writtenUntilMs < now + leadMs) {
      const frame = take();
      if (frame) {
        writtenUntilMs += send(frame);
        continue;
      }
      const skip = now - lastSkipMs >= SKIP_INTERVAL_MS ? Math.floor((options.excessMs?.() ?? 0) / silenceMs) : 0;
      if (skip > 0) {
        stats.skippedSilence += skip;
        writtenUntilMs += skip * silenceMs;
        // The device plays the backlog meanwhile: the reports show the skip only once it has played out.
        lastSkipMs = writtenUntilMs - leadMs;
        continue;
      }
      writtenUntilMs += send(silence);
    }
  };
  const send = (audio: Uint8Array) => {
    options.write(audio);
    return pcmDurationMs(audio.byteLength, sampleRateHz);
  };
  const timer = setInterval(tick, tickMs);
  tick();

  return {
    sampleRateHz,
    stats,
    write: (frame, meta) => model.write(frame, meta),
    clear: () => model.clear(),
    bufferedMs: () => model.bufferedMs(),
    // A frame goes to the client right after what was written up to `writtenUntilMs` (`leadMs` ahead) and
    // what is queued: a reply's first frame plays that much later than `now` would say — 10 to 30 ms more
    // or less from reply to reply, which a canceller that learnt the last reply's alignment loses.
    runStartMs: () => writtenUntilMs - leadMs + pcmDurationMs(queuedBytes, sampleRateHz),
    ...(options.echoReturnMs ? { echoReturnMs: options.echoReturnMs } : {}),
    close() {
      clearInterval(timer);
      drop();
    },
  };
}
