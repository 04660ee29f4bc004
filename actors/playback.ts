/**
 * Playback actor (one per reply): plays the reply's `tts.chunk`s strictly in segment order as
 * `frameMs` frames, paced in real time, keeping at most `maxBufferAheadMs` written ahead of what the
 * sink has played. It publishes `playback.started` at the first frame and `playback.finished` (with what
 * was heard) once the sink has played everything. Stopping it (barge-in, STOP, END) clears the sink
 * synchronously — no frame of this turn leaves after that — and publishes `playback.stopped` with
 * exactly how much of each segment was played.
 */
import { fromCallback } from 'xstate';
import { concatBytes, pcmBytesFor, pcmDurationMs } from '../adapters/audio/pcm.js';
import { frameTickerFor } from '../adapters/frame-ticker.js';
import type { BusMessage, HeardSegment } from '../bus/messages.js';
import { resolveDeps, type SessionActorDeps, type SessionDepsResolver } from './deps.js';
import type { CommitCommand, PlaybackActorInput } from './inputs.js';

interface SegmentBuffer {
  kind: HeardSegment['kind'];
  text: string;
  /** Audio received; bytes from `pendingAt` on are not framed yet (an offset, not a new view per frame). */
  pending: Uint8Array;
  pendingAt: number;
  receivedMs: number;
  writtenMs: number;
  complete: boolean;
  /** Lip sync: the segment's visemes in time order, and the index of the one playing. */
  visemes: Array<{ atMs: number; viseme: string }>;
  visemeAt: number;
}

/** The viseme playing at `positionMs` of a segment's audio (the cursor only moves forward, as playback does). */
function visemeAt(segment: SegmentBuffer, positionMs: number): string | undefined {
  const { visemes } = segment;
  while (segment.visemeAt + 1 < visemes.length && visemes[segment.visemeAt + 1]!.atMs <= positionMs) segment.visemeAt++;
  const current = visemes[segment.visemeAt];
  return current && current.atMs <= positionMs ? current.viseme : undefined;
}

export function createPlaybackActor(source: SessionActorDeps | SessionDepsResolver) {
  return fromCallback<CommitCommand, PlaybackActorInput>(({ input, receive, system }) => {
    const deps = resolveDeps(source, system);
    const { bus, clock, sink } = deps;
    const { frameMs, maxBufferAheadMs, refillBelowMs } = deps.pipeline;
    const { sessionId, turnId } = input;
    const frameBytes = pcmBytesFor(frameMs, sink.sampleRateHz);
    const segments = new Map<number, SegmentBuffer>();
    /**
     * Every frame handed to the sink this turn, in order: its segment and its real audio (a turn is
     * seconds long: a few hundred entries). Two number arrays rather than an object per frame: they live
     * as long as the turn, and objects that outlive a few garbage collections cost the old generation.
     */
    const writtenSegment: number[] = [];
    const writtenAudioMs: number[] = [];
    let current = 0;
    let totalSegments: number | undefined;
    let seq = 0;
    const startedKinds = new Set<'filler' | 'answer'>();
    let finished = false;
    let stopped = false;
    /** A speculative reply: audio is kept but nothing is written until the session commits to the reply. */
    let held = input.held === true;
    receive((command) => {
      if (command.type !== 'commit' || !held) return;
      held = false;
      pump();
    });
    /** The last wait, for the sink to play out the end of the reply. */
    let drainTimer: unknown;
    /** While frames wait for room in the sink: one tick per frame from the process-wide ticker. */
    const ticker = frameTickerFor(clock, frameMs);
    let untick: (() => void) | undefined;
    /**
     * When the sink will be down to `refillBelowMs`: after a refill it holds ~`maxBufferAheadMs`, and
     * nothing is written until then, so the ticks in between have nothing to do (four in five with the
     * defaults; at 1000 sessions, 40,000 pumps a second for nothing). A time, not a count of ticks: on an
     * overloaded loop ticks come late, and the sink plays on in real time.
     */
    let refillAtMs = 0;
    const onTick = () => {
      if (clock.now() >= refillAtMs) pump();
    };

    /**
     * Per-segment audio the device has played. Frames carry padding (a segment's last frame is filled with
     * silence), so the sink's buffered time is mapped back frame by frame: frames leave the device in
     * write order, each crediting its real audio to its segment.
     */
    const playedPerSegment = (bufferedMs: number): Map<number, number> => {
      const played = new Map<number, number>();
      let left = writtenSegment.length * frameMs - bufferedMs;
      for (let i = 0; i < writtenSegment.length && left > 1e-9; i++) {
        const segmentIndex = writtenSegment[i]!;
        played.set(segmentIndex, (played.get(segmentIndex) ?? 0) + Math.min(writtenAudioMs[i]!, left));
        left -= frameMs;
      }
      return played;
    };

    const report = (played: Map<number, number>): HeardSegment[] => {
      const out: HeardSegment[] = [];
      for (const [segmentIndex, s] of [...segments.entries()].sort((a, b) => a[0] - b[0])) {
        if (s.writtenMs === 0 && segmentIndex > current) continue;
        const playedMs = Math.max(0, Math.min(s.writtenMs, played.get(segmentIndex) ?? 0));
        out.push({ segmentIndex, kind: s.kind, text: s.text, playedMs, durationMs: s.receivedMs, complete: s.complete });
      }
      return out;
    };

    /** Writes frames while the sink has room, in segment order, then finishes or waits for room. */
    const pump = () => {
      if (stopped || finished || held) return;
      // Refill in batches: nothing is written while the sink holds more than `refillBelowMs`.
      const refill = sink.bufferedMs() <= refillBelowMs + 1e-6;
      while (refill && sink.bufferedMs() + frameMs <= maxBufferAheadMs + 1e-6) {
        const segment = segments.get(current);
        if (!segment) break;
        let frame: Uint8Array;
        let audioBytes = frameBytes;
        const left = segment.pending.byteLength - segment.pendingAt;
        if (left >= frameBytes) {
          frame = segment.pending.subarray(segment.pendingAt, segment.pendingAt + frameBytes);
          segment.pendingAt += frameBytes;
        } else if (segment.complete && left > 0) {
          // The segment's last partial frame is padded with silence to a whole frame.
          audioBytes = left;
          frame = new Uint8Array(frameBytes);
          frame.set(segment.pending.subarray(segment.pendingAt));
          segment.pendingAt = segment.pending.byteLength;
        } else if (segment.complete) {
          current++;
          continue;
        } else break;
        const audioMs = pcmDurationMs(audioBytes, sink.sampleRateHz);
        // The mouth shape at the middle of the frame, where the frame is heard best.
        const viseme = segment.visemes.length > 0 ? visemeAt(segment, segment.writtenMs + audioMs / 2) : undefined;
        segment.writtenMs += audioMs;
        writtenSegment.push(current);
        writtenAudioMs.push(audioMs);
        sink.write(frame, viseme === undefined ? { turnId, seq: seq++ } : { turnId, seq: seq++, viseme });
        // Announced once for a filler and once for the answer itself: the session waits for the latter.
        if (!startedKinds.has(segment.kind === 'filler' ? 'filler' : 'answer')) {
          startedKinds.add(segment.kind === 'filler' ? 'filler' : 'answer');
          bus.publish({ type: 'playback.started', sessionId, turnId, kind: segment.kind });
        }
      }
      if (totalSegments !== undefined && current >= totalSegments && sink.bufferedMs() <= 1e-6) {
        finished = true;
        bus.publish({ type: 'playback.finished', sessionId, turnId, segments: report(playedPerSegment(0)) });
        return;
      }
      schedule();
    };

    const schedule = () => {
      if (stopped || finished) return;
      if (totalSegments !== undefined && current >= totalSegments) {
        // Everything is written: wait exactly until the sink has played it out, then finish.
        untick?.();
        untick = undefined;
        drainTimer ??= clock.setTimeout(
          () => {
            drainTimer = undefined;
            pump();
          },
          Math.max(1, sink.bufferedMs()),
        );
        return;
      }
      // Audio waits for room in the sink (one frame plays out per tick); with nothing to write, the next
      // tts.chunk pumps, so an idle reply (waiting for TTS) costs no ticks.
      const segment = segments.get(current);
      const waiting = segment !== undefined && (segment.pending.byteLength - segment.pendingAt >= frameBytes || segment.complete);
      if (waiting) {
        // Half a tick early: the tick that finds the sink at the refill level pumps, even a little early.
        refillAtMs = clock.now() + sink.bufferedMs() - refillBelowMs - frameMs / 2;
        untick ??= ticker.subscribe(onTick);
      } else {
        untick?.();
        untick = undefined;
      }
    };

    const onTts = (message: BusMessage) => {
      if (stopped || finished || message.turnId !== turnId) return;
      if (message.type === 'tts.chunk') {
        let s = segments.get(message.segmentIndex);
        if (!s) {
          s = {
            kind: message.kind,
            text: message.text,
            pending: new Uint8Array(0),
            pendingAt: 0,
            receivedMs: 0,
            writtenMs: 0,
            complete: false,
            visemes: [],
            visemeAt: 0,
          };
          segments.set(message.segmentIndex, s);
        }
        if (s.complete) return;
        if (message.visemes) s.visemes.push(...message.visemes);
        s.pending = concatBytes(s.pending.subarray(s.pendingAt), message.audio);
        s.pendingAt = 0;
        s.receivedMs += pcmDurationMs(message.audio.byteLength, message.sampleRateHz);
        s.complete = message.final;
        if (message.segmentIndex === current) pump();
      } else if (message.type === 'tts.done') {
        totalSegments = message.segments;
        pump();
      }
    };

    const subs = (['tts.chunk', 'tts.done'] as const).map((type) => bus.subscribe(bus.subjects.forEvent(sessionId, type), onTts));

    return () => {
      untick?.();
      if (drainTimer !== undefined) clock.clearTimeout(drainTimer);
      for (const sub of subs) sub.unsubscribe();
      if (finished || stopped) {
        stopped = true;
        return;
      }
      stopped = true;
      const played = playedPerSegment(sink.bufferedMs());
      const framesCleared = sink.clear();
      bus.publish({ type: 'playback.stopped', sessionId, turnId, segments: report(played), framesCleared });
    };
  });
}
