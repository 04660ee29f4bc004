/**
 * The TTS actor's decisions as a pure step function: which segments to synthesize now (at most
 * `concurrency` at once, no further ahead of playback than `lookAheadMs`), which engine of its chain speaks
 * each, how each segment's chunks are numbered and when its first one came, what a failure or a missed
 * deadline changes, and when the reply is done. `reduceTts(state, input, settings)` returns the next state
 * and the effects the actor carries out, in order (start or abort a synthesis, publish a request, a
 * chunk, a fallback, an error, `tts.done`, wake up later); it never does I/O and reads no clock (the time
 * comes in `settings`). Synthesis itself, the bus and the timer stay in the actor (tts.ts).
 *
 * Phases: `collecting` (clauses may still arrive), `completing` (the reply's text is complete: the
 * segments left are the reply), `done` (`tts.done` published), `failed` (every engine failed: fatal
 * `tts.error`) and `stopped`. A stop reports the reply's text from every phase but `stopped`; nothing
 * else happens after `done` or `failed`.
 *
 * Each synthesis of a segment is an attempt, numbered: what a request reports (its audio, its end, its
 * failure) counts only while it is the segment's running attempt, so a request aborted by a failover or
 * a stop never speaks again.
 *
 * @example
 * ```ts
 * let state = initialTts({ main: ['flite'] });
 * const settings = { concurrency: 2, lookAheadMs: 2000, nowMs: 0 };
 * ({ state } = reduceTts(
 *   state,
 *   { type: 'segment', kind: 'reply', text: 'Hello.', language: 'en', chain: 'main' },
 *   settings,
 * ));
 * // effects: [{ type: 'start', index: 0, chain: 'main', engine: 0, attempt: 1 }]
 * reduceTts(state, { type: 'input_done' }, settings).effects; // [] — segment 0 still runs
 * ```
 */
import { advanceChain, markFailed, newChain, restartChain, type ChainMove, type ChainState } from './tts-chain.js';

export type SegmentKind = 'reply' | 'filler' | 'say';

/** A mouth shape from the segment's start (lip sync), as engines that know their phonemes report them. */
export interface Viseme {
  atMs: number;
  viseme: string;
}

export interface SegmentState {
  readonly index: number;
  readonly kind: SegmentKind;
  readonly text: string;
  readonly language: string;
  /** The key of its engine chain (`main`, or a language with a chain of its own). */
  readonly chain: string;
  readonly status: 'queued' | 'running' | 'done';
  /** Position in its chain of the engine synthesizing it (while `running`). */
  readonly engine: number;
  /** The number of its latest synthesis (0: never started, so it has no request to abort). */
  readonly attempt: number;
  /** When the running attempt's request went out: its first chunk's latency counts from there. */
  readonly requestedAtMs: number;
  readonly emittedAudio: boolean;
  /** Chunks published for it so far, over every attempt: the next chunk's `seq`. */
  readonly chunks: number;
}

/** Where the reply is; no phase carries data of its own. */
export type TtsPhase = 'collecting' | 'completing' | 'done' | 'failed' | 'stopped';

export interface TtsState {
  readonly phase: TtsPhase;
  readonly segments: readonly SegmentState[];
  readonly chains: Readonly<Record<string, ChainState>>;
  /** The look-ahead's measure: audio synthesized this turn, and when its playback started. */
  readonly synthesizedMs: number;
  readonly playbackStartedAtMs: number | undefined;
  /** A wake-up is pending for queued segments waiting on the look-ahead. */
  readonly wakePending: boolean;
}

export interface TtsSettings {
  readonly concurrency: number;
  /** 0: no look-ahead limit (a reply synthesized all at once). */
  readonly lookAheadMs: number;
  readonly nowMs: number;
}

/** Which synthesis of which segment a report is about. */
interface AttemptOf {
  index: number;
  attempt: number;
}

export type TtsInput =
  | { type: 'segment'; kind: SegmentKind; text: string; language: string; chain: string }
  /** A SAY's pieces, all at once: the input is complete, and the first `pump` starts them. */
  | { type: 'say'; segments: ReadonlyArray<{ text: string; language: string; chain: string }> }
  | { type: 'input_done' }
  | { type: 'pump' }
  | { type: 'playback_started' }
  | { type: 'wake' }
  /** The attempt's request goes out to its engine now. */
  | ({ type: 'requested' } & AttemptOf)
  /** Audio the attempt produced (at the sink's rate), with the visemes reported since its last chunk. */
  | ({ type: 'audio'; audio: Uint8Array; durationMs: number; visemes: readonly Viseme[] } & AttemptOf)
  | ({ type: 'synthesized' } & AttemptOf)
  | ({ type: 'synthesis_failed'; detail: string; retryable: boolean; errorType: string } & AttemptOf)
  | { type: 'fallback'; reason: string }
  | { type: 'stop' };

export type AbortReason = 'failover' | 'failed' | 'stopped';

export type TtsEffect =
  | { type: 'start'; index: number; chain: string; engine: number; attempt: number }
  | { type: 'abort'; index: number; reason: AbortReason; message: string }
  | { type: 'requested'; index: number; kind: SegmentKind; engine: string }
  | { type: 'first_chunk'; index: number; kind: SegmentKind; engine: string; latencyMs: number }
  /** A `tts.chunk`; the segment's last is `final`, without audio. */
  | {
      type: 'chunk';
      index: number;
      kind: SegmentKind;
      text: string;
      seq: number;
      audio: Uint8Array;
      final: boolean;
      visemes: readonly Viseme[];
    }
  | ({ type: 'fallback'; reason: string } & ChainMove)
  | { type: 'error'; message: string; fatal: boolean; errorType?: string; retryable?: boolean }
  | { type: 'done'; segments: number }
  | { type: 'wake_after'; delayMs: number }
  | { type: 'stopped'; texts: string[] };

export interface TtsStep {
  state: TtsState;
  effects: TtsEffect[];
}

const NO_AUDIO = new Uint8Array(0);

/** A reply's schedule before its first segment, with an engine chain per key (`main`, and languages of their own). */
export function initialTts(chains: Readonly<Record<string, readonly string[]>>): TtsState {
  return {
    phase: 'collecting',
    segments: [],
    chains: Object.fromEntries(Object.entries(chains).map(([key, names]) => [key, newChain(names)])),
    synthesizedMs: 0,
    playbackStartedAtMs: undefined,
    wakePending: false,
  };
}

/** The engine (position in its chain) that speaks now for `chain`. */
export function activeEngine(state: TtsState, chain: string): number {
  return state.chains[chain]!.active;
}

/** Whether anything can still happen: the reply is neither done, failed nor stopped. */
function active(state: TtsState): boolean {
  return state.phase === 'collecting' || state.phase === 'completing';
}

export function reduceTts(state: TtsState, input: TtsInput, settings: TtsSettings): TtsStep {
  // A reply that is done or failed still reports its text when stopped; nothing else happens after either.
  if (input.type === 'stop' && state.phase !== 'stopped') return stop(state);
  if (!active(state)) return { state, effects: [] };
  const step: TtsStep = { state, effects: [] };
  switch (input.type) {
    case 'segment':
      // A filler only makes sense before the answer starts; it takes the next index so it plays first.
      if (input.kind === 'filler' && state.segments.some((s) => s.kind === 'reply')) return step;
      step.state = { ...state, segments: [...state.segments, newSegment(state.segments.length, input)] };
      break;
    case 'say': {
      const pieces = input.segments.map((piece, i) =>
        newSegment(state.segments.length + i, { type: 'segment', kind: 'say', ...piece }),
      );
      step.state = { ...state, segments: [...state.segments, ...pieces], phase: 'completing' };
      return step;
    }
    case 'input_done':
      step.state = { ...state, phase: 'completing' };
      break;
    case 'playback_started':
      if (state.playbackStartedAtMs !== undefined) return step;
      step.state = { ...state, playbackStartedAtMs: settings.nowMs };
      break;
    case 'wake':
      step.state = { ...state, wakePending: false };
      break;
    case 'pump':
      break;
    case 'requested':
    case 'audio':
      attemptReport(step, input, settings.nowMs);
      return step;
    case 'synthesized': {
      const segment = runningAttempt(state, input);
      if (!segment) return step;
      step.state = patchSegment(state, input.index, { status: 'done' });
      finalChunk(step, segment);
      break;
    }
    case 'synthesis_failed':
      if (!runningAttempt(state, input)) return step;
      synthesisFailed(step, input);
      if (!active(step.state)) return step;
      break;
    case 'fallback':
      deadlineMissed(step, input.reason);
      if (!active(step.state)) return step;
      break;
    case 'stop':
      return step; // handled above
  }
  pump(step, settings);
  return step;
}

/** The segment a report is about, while the reported attempt is its running one; else the report is stale. */
function runningAttempt(state: TtsState, of: AttemptOf): SegmentState | undefined {
  const segment = state.segments[of.index];
  return segment?.status === 'running' && segment.attempt === of.attempt ? segment : undefined;
}

function engineName(state: TtsState, segment: SegmentState): string {
  return state.chains[segment.chain]!.engineNames[segment.engine]!;
}

/** A request went out, or audio came back: announced, numbered, and counted for the look-ahead. */
function attemptReport(step: TtsStep, input: Extract<TtsInput, { type: 'requested' | 'audio' }>, nowMs: number): void {
  const segment = runningAttempt(step.state, input);
  if (!segment) return;
  const { index, kind, text } = segment;
  const engine = engineName(step.state, segment);
  if (input.type === 'requested') {
    step.state = patchSegment(step.state, index, { requestedAtMs: nowMs });
    step.effects.push({ type: 'requested', index, kind, engine });
    return;
  }
  if (!segment.emittedAudio)
    step.effects.push({ type: 'first_chunk', index, kind, engine, latencyMs: nowMs - segment.requestedAtMs });
  step.effects.push({
    type: 'chunk',
    index,
    kind,
    text,
    seq: segment.chunks,
    audio: input.audio,
    final: false,
    visemes: input.visemes,
  });
  step.state = {
    ...patchSegment(step.state, index, { emittedAudio: true, chunks: segment.chunks + 1 }),
    synthesizedMs: step.state.synthesizedMs + input.durationMs,
  };
}

/** The segment's last chunk: no audio, `final`. */
function finalChunk(step: TtsStep, segment: SegmentState): void {
  const { index, kind, text, chunks } = segment;
  step.effects.push({ type: 'chunk', index, kind, text, seq: chunks, audio: NO_AUDIO, final: true, visemes: [] });
  step.state = patchSegment(step.state, index, { chunks: chunks + 1 });
}

function newSegment(index: number, input: Extract<TtsInput, { type: 'segment' }>): SegmentState {
  const { kind, text, language, chain } = input;
  return {
    index,
    kind,
    text,
    language,
    chain,
    status: 'queued',
    engine: 0,
    attempt: 0,
    requestedAtMs: 0,
    emittedAudio: false,
    chunks: 0,
  };
}

function patchSegment(state: TtsState, index: number, patch: Partial<SegmentState>): TtsState {
  return { ...state, segments: state.segments.map((s) => (s.index === index ? { ...s, ...patch } : s)) };
}

function withChain(state: TtsState, key: string, chain: ChainState): TtsState {
  return { ...state, chains: { ...state.chains, [key]: chain } };
}

/** Moves a chain to its next live engine, announcing it; false when it is exhausted. */
function failover(step: TtsStep, key: string, reason: string): boolean {
  const { chain, move } = advanceChain(step.state.chains[key]!);
  if (!move) return false;
  step.state = withChain(step.state, key, chain);
  step.effects.push({ type: 'fallback', reason, ...move });
  return true;
}

/** The chain moved on: its segments that have no audio yet start over on the new engine. */
function requeueSilentSegments(step: TtsStep, key: string): void {
  for (const s of step.state.segments) {
    if (s.chain === key && s.status === 'running' && !s.emittedAudio) {
      step.effects.push({ type: 'abort', index: s.index, reason: 'failover', message: 'failover' });
      step.state = patchSegment(step.state, s.index, { status: 'queued' });
    }
  }
}

/** The turn is over for TTS: nothing may keep synthesizing (or publishing) for it. */
function fail(step: TtsStep, message: string, cause?: { errorType: string; retryable: boolean }): void {
  for (const s of step.state.segments)
    if (s.attempt > 0) step.effects.push({ type: 'abort', index: s.index, reason: 'failed', message });
  step.effects.push({ type: 'error', message, fatal: true, ...(cause ?? {}) });
  step.state = { ...step.state, phase: 'failed' };
}

function synthesisFailed(step: TtsStep, input: Extract<TtsInput, { type: 'synthesis_failed' }>): void {
  const segment = step.state.segments[input.index]!;
  const key = segment.chain;
  const used = segment.engine;
  const usedName = step.state.chains[key]!.engineNames[used]!;
  step.state = withChain(step.state, key, markFailed(step.state.chains[key]!, used, input.retryable));
  const cause = { errorType: input.errorType, retryable: input.retryable };
  if (segment.emittedAudio) {
    // Audio of this segment is already playing: end it here rather than repeat it on another voice, and
    // let the next engine (if any) speak the segments that follow.
    step.state = patchSegment(step.state, input.index, { status: 'done' });
    finalChunk(step, step.state.segments[input.index]!);
    step.effects.push({
      type: 'error',
      message: `segment ${input.index} cut short: ${input.detail}`,
      fatal: false,
      ...cause,
    });
    if (
      step.state.chains[key]!.active === used &&
      failover(step, key, `${usedName} failed mid-segment: ${input.detail}`)
    )
      requeueSilentSegments(step, key);
    return;
  }
  step.state = patchSegment(step.state, input.index, { status: 'queued' });
  // Another segment may already have moved the chain on; only the active engine's failure advances it.
  if (step.state.chains[key]!.active !== used) return;
  if (!failover(step, key, `${usedName} failed${input.retryable ? '' : ' for good'}: ${input.detail}`)) {
    fail(step, `all TTS engines failed; last error: ${input.detail}`, cause);
    return;
  }
  requeueSilentSegments(step, key);
}

/**
 * The first-chunk deadline passed: it is about the first segment still without audio, whose chain moves
 * on. The session bounds how often it asks (tts.maxFallbacks); past the last engine, the chain starts over
 * with the first engine still alive: a retry beats silence when the whole chain was only slow.
 */
function deadlineMissed(step: TtsStep, reason: string): void {
  const key = step.state.segments.find((s) => !s.emittedAudio && s.status !== 'done')?.chain ?? 'main';
  if (!failover(step, key, reason)) {
    const { chain, move } = restartChain(step.state.chains[key]!);
    if (!move) return fail(step, `every TTS engine failed for good; the last deadline: ${reason}`);
    step.state = withChain(step.state, key, chain);
    step.effects.push({ type: 'fallback', reason: `${reason}; retrying the chain`, ...move });
  }
  requeueSilentSegments(step, key);
}

function stop(state: TtsState): TtsStep {
  // The reply's text as it was to be spoken: the session keeps it for a reply cut by a barge-in.
  const effects: TtsEffect[] = [
    { type: 'stopped', texts: state.segments.filter((s) => s.kind !== 'filler').map((s) => s.text) },
  ];
  for (const s of state.segments)
    if (s.status === 'running')
      effects.push({ type: 'abort', index: s.index, reason: 'stopped', message: 'cancelled' });
  return { state: { ...state, phase: 'stopped' }, effects };
}

/**
 * Whether queued segments must wait for playback (the look-ahead is full); if so, asks to be woken when
 * it will not be. Until playback starts, only its start can free room (a held, speculative reply waits).
 */
function lookAheadFull(step: TtsStep, settings: TtsSettings): boolean {
  if (settings.lookAheadMs === 0) return false;
  const { playbackStartedAtMs, synthesizedMs, wakePending } = step.state;
  const playedMs = playbackStartedAtMs === undefined ? 0 : settings.nowMs - playbackStartedAtMs;
  const aheadMs = synthesizedMs - playedMs;
  if (aheadMs < settings.lookAheadMs) return false;
  if (playbackStartedAtMs !== undefined && !wakePending) {
    step.state = { ...step.state, wakePending: true };
    step.effects.push({ type: 'wake_after', delayMs: Math.max(1, aheadMs - settings.lookAheadMs + 1) });
  }
  return true;
}

function pump(step: TtsStep, settings: TtsSettings): void {
  let running = step.state.segments.filter((s) => s.status === 'running').length;
  // A queued segment before one that has audio (requeued by a failover) starts regardless: playback
  // cannot reach the audio counted as ahead without it.
  let lastWithAudio = -1;
  for (const s of step.state.segments) if (s.emittedAudio) lastWithAudio = s.index;
  for (const s of step.state.segments) {
    if (running >= settings.concurrency) break;
    if (s.status !== 'queued') continue;
    if (s.index > lastWithAudio && lookAheadFull(step, settings)) break;
    const engine = step.state.chains[s.chain]!.active;
    const attempt = s.attempt + 1;
    step.state = patchSegment(step.state, s.index, { status: 'running', engine, attempt });
    step.effects.push({ type: 'start', index: s.index, chain: s.chain, engine, attempt });
    running++;
  }
  const { phase, segments } = step.state;
  if (phase === 'completing' && segments.every((s) => s.status === 'done')) {
    step.state = { ...step.state, phase: 'done' };
    step.effects.push({ type: 'done', segments: segments.length });
  }
}
