/**
 * The TTS actor's decisions as a pure reducer: which segments to synthesize now (at most `concurrency`
 * at once, no further ahead of playback than `lookAheadMs`), which engine of its chain speaks each, what a
 * failure or a missed deadline changes, and when the reply is done. `reduceTts(state, input, settings)`
 * returns the next state and the effects the actor carries out, in order (start or abort a synthesis,
 * publish a final chunk, a fallback, an error, `tts.done`, wake up later); it never does I/O, so every
 * path is tested on its own (test/actors/tts-schedule.test.ts). Synthesis itself, the bus and the clock
 * stay in the actor (tts.ts).
 *
 * @example
 * ```ts
 * let state = initialTts({ main: ['flite'] });
 * const settings = { concurrency: 2, lookAheadMs: 2000, nowMs: 0 };
 * ({ state } = reduceTts(state, { type: 'segment', kind: 'reply', text: 'Hello.', language: 'en', chain: 'main' }, settings));
 * // effects: [{ type: 'start', index: 0, chain: 'main', engine: 0 }]
 * reduceTts(state, { type: 'input_done' }, settings).effects; // [] — segment 0 still runs
 * ```
 */
import { advanceChain, markFailed, newChain, restartChain, type ChainMove, type ChainState } from './tts-chain.js';

export type SegmentKind = 'reply' | 'filler' | 'say';

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
  /** A synthesis was started for it at least once (it has a request that can be aborted). */
  readonly started: boolean;
  readonly emittedAudio: boolean;
}

export interface TtsState {
  readonly segments: readonly SegmentState[];
  readonly chains: Readonly<Record<string, ChainState>>;
  readonly inputDone: boolean;
  /** `finished`: done or failed for good; `stopped`: the actor was stopped. Either way nothing more happens. */
  readonly phase: 'running' | 'finished' | 'stopped';
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

export type TtsInput =
  | { type: 'segment'; kind: SegmentKind; text: string; language: string; chain: string }
  /** A SAY's pieces, all at once: the input is complete, and the first `pump` starts them. */
  | { type: 'say'; segments: ReadonlyArray<{ text: string; language: string; chain: string }> }
  | { type: 'input_done' }
  | { type: 'pump' }
  | { type: 'playback_started' }
  | { type: 'wake' }
  | { type: 'audio'; index: number; durationMs: number }
  | { type: 'synthesized'; index: number }
  | { type: 'synthesis_failed'; index: number; detail: string; retryable: boolean; errorType: string }
  | { type: 'fallback'; reason: string }
  | { type: 'stop' };

export type AbortReason = 'failover' | 'failed' | 'stopped';

export type TtsEffect =
  | { type: 'start'; index: number; chain: string; engine: number }
  | { type: 'abort'; index: number; reason: AbortReason; message: string }
  | { type: 'final_chunk'; index: number }
  | ({ type: 'fallback'; reason: string } & ChainMove)
  | { type: 'error'; message: string; fatal: boolean; errorType?: string; retryable?: boolean }
  | { type: 'done'; segments: number }
  | { type: 'wake_after'; delayMs: number }
  | { type: 'stopped'; texts: string[] };

export interface TtsStep {
  state: TtsState;
  effects: TtsEffect[];
}

/** A reply's schedule before its first segment, with an engine chain per key (`main`, and languages of their own). */
export function initialTts(chains: Readonly<Record<string, readonly string[]>>): TtsState {
  return {
    segments: [],
    chains: Object.fromEntries(Object.entries(chains).map(([key, names]) => [key, newChain(names)])),
    inputDone: false,
    phase: 'running',
    synthesizedMs: 0,
    playbackStartedAtMs: undefined,
    wakePending: false,
  };
}

/** The engine (position in its chain) that speaks now for `chain`. */
export function activeEngine(state: TtsState, chain: string): number {
  return state.chains[chain]!.active;
}

export function reduceTts(state: TtsState, input: TtsInput, settings: TtsSettings): TtsStep {
  // A reply that finished still reports its text when stopped; nothing else happens after either.
  if (input.type === 'stop' && state.phase !== 'stopped') return stop(state);
  if (state.phase !== 'running') return { state, effects: [] };
  const step: TtsStep = { state, effects: [] };
  switch (input.type) {
    case 'segment':
      // A filler only makes sense before the answer starts; it takes the next index so it plays first.
      if (input.kind === 'filler' && state.segments.some((s) => s.kind === 'reply')) return step;
      step.state = { ...state, segments: [...state.segments, newSegment(state.segments.length, input)] };
      break;
    case 'say': {
      const pieces = input.segments.map((piece, i) => newSegment(state.segments.length + i, { type: 'segment', kind: 'say', ...piece }));
      step.state = { ...state, segments: [...state.segments, ...pieces], inputDone: true };
      return step;
    }
    case 'input_done':
      step.state = { ...state, inputDone: true };
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
    case 'audio':
      step.state = {
        ...patchSegment(state, input.index, { emittedAudio: true }),
        synthesizedMs: state.synthesizedMs + input.durationMs,
      };
      return step;
    case 'synthesized':
      step.state = patchSegment(state, input.index, { status: 'done' });
      step.effects.push({ type: 'final_chunk', index: input.index });
      break;
    case 'synthesis_failed':
      synthesisFailed(step, input);
      if (step.state.phase !== 'running') return step;
      break;
    case 'fallback':
      deadlineMissed(step, input.reason);
      if (step.state.phase !== 'running') return step;
      break;
    case 'stop':
      return step; // handled above
  }
  pump(step, settings);
  return step;
}

function newSegment(index: number, input: Extract<TtsInput, { type: 'segment' }>): SegmentState {
  const { kind, text, language, chain } = input;
  return { index, kind, text, language, chain, status: 'queued', engine: 0, started: false, emittedAudio: false };
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
  for (const s of step.state.segments) if (s.started) step.effects.push({ type: 'abort', index: s.index, reason: 'failed', message });
  step.effects.push({ type: 'error', message, fatal: true, ...(cause ?? {}) });
  step.state = { ...step.state, phase: 'finished' };
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
    step.effects.push({ type: 'final_chunk', index: input.index });
    step.effects.push({ type: 'error', message: `segment ${input.index} cut short: ${input.detail}`, fatal: false, ...cause });
    if (step.state.chains[key]!.active === used && failover(step, key, `${usedName} failed mid-segment: ${input.detail}`)) requeueSilentSegments(step, key);
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
  const effects: TtsEffect[] = [{ type: 'stopped', texts: state.segments.filter((s) => s.kind !== 'filler').map((s) => s.text) }];
  for (const s of state.segments) if (s.status === 'running') effects.push({ type: 'abort', index: s.index, reason: 'stopped', message: 'cancelled' });
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
    step.state = patchSegment(step.state, s.index, { status: 'running', engine, started: true });
    step.effects.push({ type: 'start', index: s.index, chain: s.chain, engine });
    running++;
  }
  const { phase, inputDone, segments } = step.state;
  if (phase === 'running' && inputDone && segments.every((s) => s.status === 'done')) {
    step.state = { ...step.state, phase: 'finished' };
    step.effects.push({ type: 'done', segments: segments.length });
  }
}
