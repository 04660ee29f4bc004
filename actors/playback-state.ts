/**
 * The playback actor's decisions as a pure step function: which frames to hand to the sink now (in
 * segment order, refilled in batches up to `maxBufferAheadMs`), when to announce `playback.started`,
 * when the reply has played out, and what a stop reports as heard. `stepPlayback(state, input, reading)`
 * returns the state and the effects the actor carries out in order (write a frame, publish, start or
 * stop pacing ticks, arm or cancel the drain timer); it never does I/O and never reads a clock — the
 * actor (playback.ts) passes what the sink and the clock say in `reading`.
 *
 * Phases: `held` (a speculative reply: audio is kept, nothing is written until `commit`), `waiting` (nothing
 * to write until TTS sends more; no ticks), `pacing` (frames wait for room in the sink: one tick per
 * frame), `draining` (everything is written: one timer for the sink to play it out), then `finished` or
 * `stopped`, after which every input is ignored.
 *
 * The state is updated in place and returned: the hot path runs fifty times a second per reply, and a
 * copy of the frame ledger per frame would cost more than the audio itself. A caller keeps only the
 * latest state.
 *
 * @example
 * ```ts
 * const state = initialPlayback({
 *   turnId: 't1',
 *   frameMs: 20,
 *   maxBufferAheadMs: 200,
 *   refillBelowMs: 100,
 *   sampleRateHz: 16000,
 * });
 * stepPlayback(
 *   state,
 *   {
 *     type: 'chunk', turnId: 't1', segmentIndex: 0, kind: 'reply', text: 'Hi.',
 *     audio, sampleRateHz: 16000, final: true,
 *   },
 *   { nowMs: 0, bufferedMs: 0 },
 * );
 * // effects: ten `write`s, `started` (reply), `tick_on`; state.phase: { name: 'pacing', refillAtMs: 90 }
 * ```
 */
import { concatBytes, pcmBytesFor, pcmDurationMs } from '../adapters/audio/pcm.js';
import type { FrameMeta } from '../adapters/audio/sink.js';
import type { HeardSegment } from '../bus/messages.js';

/** Slack for float sums of frame durations. */
const EPSILON_MS = 1e-6;

export interface PlaybackConfig {
  readonly turnId: string;
  /** Playback frame length (ms). */
  readonly frameMs: number;
  /** Audio handed to the sink ahead of what it has played (ms). */
  readonly maxBufferAheadMs: number;
  /** The sink is refilled once what it holds drops to this (ms). */
  readonly refillBelowMs: number;
  /** The sink's rate: frames are cut at it. */
  readonly sampleRateHz: number;
}

export type PlaybackPhase =
  | { readonly name: 'held' }
  | { readonly name: 'waiting' }
  /** `refillAtMs`: when the sink will be down to `refillBelowMs` (ticks before it have nothing to do). */
  | { readonly name: 'pacing'; readonly refillAtMs: number }
  | { readonly name: 'draining' }
  | { readonly name: 'finished' }
  | { readonly name: 'stopped' };

export interface SegmentBuffer {
  readonly kind: HeardSegment['kind'];
  readonly text: string;
  /** Audio received; bytes from `pendingAt` on are not framed yet (an offset, not a new view per frame). */
  pending: Uint8Array;
  pendingAt: number;
  receivedMs: number;
  writtenMs: number;
  complete: boolean;
  /** Lip sync: the segment's visemes in time order, and the index of the one playing. */
  readonly visemes: Array<{ atMs: number; viseme: string }>;
  visemeAt: number;
}

export interface PlaybackState {
  readonly config: PlaybackConfig;
  readonly frameBytes: number;
  /** A whole frame's duration: what each write adds to the sink's buffer. */
  readonly frameDurationMs: number;
  phase: PlaybackPhase;
  readonly segments: Map<number, SegmentBuffer>;
  /**
   * Every frame handed to the sink this turn, in order: its segment and its real audio (a turn is
   * seconds long: a few hundred entries). Two number arrays rather than an object per frame: they live
   * as long as the turn, and objects that outlive a few garbage collections cost the old generation.
   */
  readonly writtenSegment: number[];
  readonly writtenAudioMs: number[];
  /** The segment being written. */
  current: number;
  /** From `tts.done`: how many segments the reply has. */
  totalSegments: number | undefined;
  /** The next frame's number in the turn. */
  seq: number;
  /** `playback.started` is announced once for a filler and once for the answer. */
  readonly startedKinds: Set<'filler' | 'answer'>;
  /**
   * Once everything is written: when the reply's echo has come back and the VAD has judged it (the last
   * frame's play time plus the sink's `echoReturnMs`); the reply is finished then, not before.
   */
  heardByMs: number | undefined;
}

export type PlaybackInput =
  | {
      type: 'chunk';
      turnId: string;
      segmentIndex: number;
      kind: HeardSegment['kind'];
      text: string;
      audio: Uint8Array;
      sampleRateHz: number;
      final: boolean;
      visemes?: ReadonlyArray<{ atMs: number; viseme: string }> | undefined;
    }
  | { type: 'done'; turnId: string; segments: number }
  /** The session commits to a speculative reply. */
  | { type: 'commit' }
  /** A pacing tick (one per frame while `pacing`). */
  | { type: 'tick' }
  /** The drain timer fired. */
  | { type: 'drained' }
  | { type: 'stop' };

/** What the sink and the clock say when an input is applied. */
export interface SinkReading {
  readonly nowMs: number;
  readonly bufferedMs: number;
  /** The sink's `echoReturnMs()` (0 for a sink whose audio the session's microphone does not hear). */
  readonly echoReturnMs?: number;
}

export type PlaybackEffect =
  | { type: 'write'; frame: Uint8Array; meta: FrameMeta }
  | { type: 'started'; kind: HeardSegment['kind'] }
  | { type: 'finished'; segments: HeardSegment[] }
  /** Clear the sink, then publish `playback.stopped` with these segments and the frames it cleared. */
  | { type: 'stopped'; segments: HeardSegment[] }
  | { type: 'tick_on' }
  | { type: 'tick_off' }
  | { type: 'drain_after'; delayMs: number }
  | { type: 'cancel_drain' };

export interface PlaybackStep {
  state: PlaybackState;
  effects: PlaybackEffect[];
}

const WAITING: PlaybackPhase = { name: 'waiting' };

/** A reply's playback before its first chunk; `held`: a speculative reply, silent until `commit`. */
export function initialPlayback(config: PlaybackConfig, held = false): PlaybackState {
  const frameBytes = pcmBytesFor(config.frameMs, config.sampleRateHz);
  return {
    config,
    frameBytes,
    frameDurationMs: pcmDurationMs(frameBytes, config.sampleRateHz),
    phase: held ? { name: 'held' } : WAITING,
    segments: new Map(),
    writtenSegment: [],
    writtenAudioMs: [],
    current: 0,
    totalSegments: undefined,
    seq: 0,
    startedKinds: new Set(),
    heardByMs: undefined,
  };
}

/** One input applied: the state (updated in place) and what to do, in order. */
export function stepPlayback(state: PlaybackState, input: PlaybackInput, reading: SinkReading): PlaybackStep {
  const effects: PlaybackEffect[] = [];
  const phase = state.phase.name;
  if (phase === 'finished' || phase === 'stopped') return { state, effects };
  switch (input.type) {
    case 'chunk':
      if (input.turnId === state.config.turnId && receive(state, input)) pump(state, reading, effects);
      break;
    case 'done':
      // The first count stands: a second `tts.done` is a publisher's bug, not a longer reply.
      if (input.turnId !== state.config.turnId || state.totalSegments !== undefined) break;
      state.totalSegments = input.segments;
      pump(state, reading, effects);
      break;
    case 'commit':
      if (phase !== 'held') break;
      state.phase = WAITING;
      pump(state, reading, effects);
      break;
    case 'tick':
      if (state.phase.name === 'pacing' && reading.nowMs >= state.phase.refillAtMs) pump(state, reading, effects);
      break;
    case 'drained':
      if (phase !== 'draining') break;
      // The timer is spent: a pump that does not finish arms a new one for what is still buffered.
      state.phase = WAITING;
      pump(state, reading, effects);
      break;
    case 'stop': {
      const segments = report(state, playedPerSegment(state, reading.bufferedMs));
      enter(state, { name: 'stopped' }, effects);
      effects.push({ type: 'stopped', segments });
      break;
    }
  }
  return { state, effects };
}

/** Takes a chunk's audio into its segment; true when it may be written now (it is the current segment's). */
function receive(state: PlaybackState, input: Extract<PlaybackInput, { type: 'chunk' }>): boolean {
  let s = state.segments.get(input.segmentIndex);
  if (!s) {
    s = {
      kind: input.kind,
      text: input.text,
      pending: new Uint8Array(0),
      pendingAt: 0,
      receivedMs: 0,
      writtenMs: 0,
      complete: false,
      visemes: [],
      visemeAt: 0,
    };
    state.segments.set(input.segmentIndex, s);
  }
  // A segment's final chunk closes it: anything after it is dropped.
  if (s.complete) return false;
  if (input.visemes) s.visemes.push(...input.visemes);
  s.pending = concatBytes(s.pending.subarray(s.pendingAt), input.audio);
  s.pendingAt = 0;
  s.receivedMs += pcmDurationMs(input.audio.byteLength, input.sampleRateHz);
  s.complete = input.final;
  return input.segmentIndex === state.current;
}

/** Moves to `next`, starting or stopping the pacing ticks and the drain timer as the phases need. */
function enter(state: PlaybackState, next: PlaybackPhase, effects: PlaybackEffect[]): void {
  const was = state.phase.name;
  if (was === 'pacing' && next.name !== 'pacing') effects.push({ type: 'tick_off' });
  if (was === 'draining' && next.name !== 'draining') effects.push({ type: 'cancel_drain' });
  if (was !== 'pacing' && next.name === 'pacing') effects.push({ type: 'tick_on' });
  state.phase = next;
}

/** The next frame of the current segment, or what to do instead: skip to the next segment, or wait for audio. */
function nextFrame(
  state: PlaybackState,
  segment: SegmentBuffer,
): { frame: Uint8Array; audioBytes: number } | 'next' | 'wait' {
  const { frameBytes } = state;
  const left = segment.pending.byteLength - segment.pendingAt;
  if (left >= frameBytes) {
    const frame = segment.pending.subarray(segment.pendingAt, segment.pendingAt + frameBytes);
    segment.pendingAt += frameBytes;
    return { frame, audioBytes: frameBytes };
  }
  if (!segment.complete) return 'wait';
  if (left === 0) return 'next';
  // The segment's last partial frame is padded with silence to a whole frame.
  const frame = new Uint8Array(frameBytes);
  frame.set(segment.pending.subarray(segment.pendingAt));
  segment.pendingAt = segment.pending.byteLength;
  return { frame, audioBytes: left };
}

/** Writes frames while the sink has room, in segment order, then finishes or waits for room or audio. */
function pump(state: PlaybackState, reading: SinkReading, effects: PlaybackEffect[]): void {
  if (state.phase.name === 'held') return;
  const { frameMs, maxBufferAheadMs, refillBelowMs, turnId, sampleRateHz } = state.config;
  let bufferedMs = reading.bufferedMs;
  // Refill in batches: nothing is written while the sink holds more than `refillBelowMs`.
  const refill = bufferedMs <= refillBelowMs + EPSILON_MS;
  while (refill && bufferedMs + frameMs <= maxBufferAheadMs + EPSILON_MS) {
    const segment = state.segments.get(state.current);
    if (!segment) break;
    const next = nextFrame(state, segment);
    if (next === 'wait') break;
    if (next === 'next') {
      state.current++;
      continue;
    }
    const audioMs = pcmDurationMs(next.audioBytes, sampleRateHz);
    // The mouth shape at the middle of the frame, where the frame is heard best.
    const viseme = segment.visemes.length > 0 ? visemeAt(segment, segment.writtenMs + audioMs / 2) : undefined;
    segment.writtenMs += audioMs;
    state.writtenSegment.push(state.current);
    state.writtenAudioMs.push(audioMs);
    const seq = state.seq++;
    effects.push({
      type: 'write',
      frame: next.frame,
      meta: viseme === undefined ? { turnId, seq } : { turnId, seq, viseme },
    });
    bufferedMs += state.frameDurationMs;
    // Announced once for a filler and once for the answer itself: the session waits for the latter.
    const started = segment.kind === 'filler' ? 'filler' : 'answer';
    if (!state.startedKinds.has(started)) {
      state.startedKinds.add(started);
      effects.push({ type: 'started', kind: segment.kind });
    }
  }
  // Speech heard before the reply's echo is back is judged as speech over the reply (its onset check):
  // the echo of the last syllable is not a new turn.
  if (allWritten(state) && state.heardByMs === undefined)
    state.heardByMs = reading.nowMs + bufferedMs + (reading.echoReturnMs ?? 0);
  if (allWritten(state) && bufferedMs <= EPSILON_MS && reading.nowMs >= state.heardByMs! - EPSILON_MS) {
    enter(state, { name: 'finished' }, effects);
    effects.push({ type: 'finished', segments: report(state, playedPerSegment(state, 0)) });
    return;
  }
  schedule(state, reading.nowMs, bufferedMs, effects);
}

function allWritten(state: PlaybackState): boolean {
  return state.totalSegments !== undefined && state.current >= state.totalSegments;
}

/** After a pump that did not finish: drain, pace, or wait for the next chunk. */
function schedule(state: PlaybackState, nowMs: number, bufferedMs: number, effects: PlaybackEffect[]): void {
  if (allWritten(state)) {
    // Everything is written: wait exactly until the sink has played it out and its echo is back, then finish.
    if (state.phase.name === 'draining') return;
    enter(state, { name: 'draining' }, effects);
    effects.push({ type: 'drain_after', delayMs: Math.max(1, bufferedMs, state.heardByMs! - nowMs) });
    return;
  }
  // Audio waits for room in the sink (one frame plays out per tick); with nothing to write, the next
  // chunk pumps, so an idle reply (waiting for TTS) costs no ticks.
  const segment = state.segments.get(state.current);
  const hasFrames =
    segment !== undefined && (segment.pending.byteLength - segment.pendingAt >= state.frameBytes || segment.complete);
  if (!hasFrames) return enter(state, WAITING, effects);
  // Half a tick early: the tick that finds the sink at the refill level pumps, even a little early. A
  // time, not a count of ticks: on an overloaded loop ticks come late, and the sink plays on in real time.
  const { refillBelowMs, frameMs } = state.config;
  enter(state, { name: 'pacing', refillAtMs: nowMs + bufferedMs - refillBelowMs - frameMs / 2 }, effects);
}

/** The viseme playing at `positionMs` of a segment's audio (the cursor only moves forward, as playback does). */
function visemeAt(segment: SegmentBuffer, positionMs: number): string | undefined {
  const { visemes } = segment;
  while (segment.visemeAt + 1 < visemes.length && visemes[segment.visemeAt + 1]!.atMs <= positionMs) segment.visemeAt++;
  const current = visemes[segment.visemeAt];
  return current && current.atMs <= positionMs ? current.viseme : undefined;
}

/**
 * Per-segment audio the device has played. Frames carry padding (a segment's last frame is filled with
 * silence), so the sink's buffered time is mapped back frame by frame: frames leave the device in
 * write order, each crediting its real audio to its segment.
 */
function playedPerSegment(state: PlaybackState, bufferedMs: number): Map<number, number> {
  const { writtenSegment, writtenAudioMs } = state;
  const { frameMs } = state.config;
  const played = new Map<number, number>();
  let left = writtenSegment.length * frameMs - bufferedMs;
  for (let i = 0; i < writtenSegment.length && left > 1e-9; i++) {
    const segmentIndex = writtenSegment[i]!;
    played.set(segmentIndex, (played.get(segmentIndex) ?? 0) + Math.min(writtenAudioMs[i]!, left));
    left -= frameMs;
  }
  return played;
}

/** What was heard of each segment, in index order; segments past the current one with nothing written are left out. */
function report(state: PlaybackState, played: Map<number, number>): HeardSegment[] {
  const out: HeardSegment[] = [];
  for (const [segmentIndex, s] of [...state.segments.entries()].sort((a, b) => a[0] - b[0])) {
    if (s.writtenMs === 0 && segmentIndex > state.current) continue;
    const playedMs = Math.max(0, Math.min(s.writtenMs, played.get(segmentIndex) ?? 0));
    out.push({ segmentIndex, kind: s.kind, text: s.text, playedMs, durationMs: s.receivedMs, complete: s.complete });
  }
  return out;
}
