/**
 * The VAD actor's decisions as a pure step function: where each engine-sized microphone frame goes (the
 * push-to-talk pre-roll while the activation gate is closed, the segmenter while it is open, the manual
 * buffer in `manual` turn detection), which user turn ids it mints (`u1`, `u2`, …), and what
 * `audio.commit`, `audio.discard`, `vad.gate`, `control.configure` and the chart's `end` and `continue`
 * change. `stepVad(state, input, nowMs)` returns the state and the effects the actor carries out in order
 * (publish a `vad.*` message or an error, classify frames with the VAD engine, reset the framer, set the
 * engine's threshold); it does no I/O and reads no clock. The engine's decision comes back as an input:
 * frames to classify leave as a `classify` effect and return as `classified`.
 *
 * Phases: `gated` (server VAD with the gate closed: frames only feed the pre-roll), `listening` (server VAD,
 * no utterance), `speaking` (an utterance in progress: its turn id and frame numbers) and `manual` (audio
 * is buffered until the client commits or discards it).
 *
 * The state is updated in place and returned (fifty frames a second per microphone); the segmenter it
 * holds (vad-segmenter.ts) is pure too.
 *
 * @example
 * ```ts
 * const state = initialVad({ frameMs: 20, activationMode: 'always', segmenter: {} });
 * stepVad(state, { type: 'frames', frames: [frame] }, 0).effects; // [{ type: 'classify', frames: [frame] }]
 * // Three voiced frames in a row open an utterance.
 * stepVad(state, { type: 'classified', frames: [frame], voiced: [true] }, 0);
 * ```
 */
import type { TurnDetection } from '../bus/messages.js';
import type { ActivationMode } from './activation-settings.js';
import {
  createVadSegmenter,
  type SegmenterEvent,
  type VadSegmenter,
  type VadSegmenterOptions,
} from './vad-segmenter.js';

/** Why 60 s: a longer push-to-talk turn is a client that forgot to commit; the buffer is per-session memory. */
const MAX_MANUAL_SECONDS = 60;
/** The segmenter's own default pre-roll, when the configuration gives none. */
const DEFAULT_PREFIX_PADDING_MS = 200;

export interface VadConfig {
  /** The VAD engine's frame length (ms). */
  readonly frameMs: number;
  /** `session.activation`'s mode: in `wake` and `push` the gate starts closed; `push` keeps a pre-roll. */
  readonly activationMode: ActivationMode;
  /** The configured segmenter settings (`pipeline.vad`). */
  readonly segmenter: Partial<VadSegmenterOptions>;
}

export type VadPhase =
  | { readonly name: 'gated' }
  | { readonly name: 'listening' }
  /** `seq`: the next `vad.audio` number; `startedAtMs`: when the utterance began (kept by `continue`). */
  | { readonly name: 'speaking'; readonly turnId: string; seq: number; readonly startedAtMs: number }
  /** `frames`: audio since the last commit or discard, as engine-sized frames. */
  | { readonly name: 'manual'; frames: Uint8Array[] };

export interface VadState {
  readonly config: VadConfig;
  readonly maxManualFrames: number;
  phase: VadPhase;
  /** The gate as the chart last told it (`vad.gate`); in `always` it stays open. */
  gate: { open: boolean; holdsEnd: boolean };
  segmenterOptions: Partial<VadSegmenterOptions> & { frameMs: number };
  segmenter: VadSegmenter;
  /** New segmenter settings wait for the utterance in progress to end. */
  pendingSegmenter: boolean;
  /** Closed gate in `push`: the last `prefixPaddingMs` of frames, so a word begun just before the key is kept. */
  readonly recent: Uint8Array[];
  /** User turns minted so far. */
  utterances: number;
  /** A full manual buffer is reported once, until the next commit. */
  manualOverflowReported: boolean;
}

export type VadInput =
  /** Engine-sized frames of conditioned microphone audio. */
  | { type: 'frames'; frames: readonly Uint8Array[] }
  /** The engine's decision on frames a `classify` effect asked about, frame by frame. */
  | { type: 'classified'; frames: readonly Uint8Array[]; voiced: readonly boolean[] }
  | { type: 'gate'; open: boolean; holdsEnd: boolean }
  | { type: 'configure'; detection: TurnDetection }
  | { type: 'commit' }
  | { type: 'discard' }
  /** The chart: the utterance in progress is a complete command, end it now. */
  | { type: 'end' }
  /** The chart: the rest of the utterance in progress is a new turn (a guessed reply was discarded). */
  | { type: 'continue' };

export type VadEffect =
  | { type: 'speech_start'; turnId: string; atMs: number }
  | { type: 'continued'; turnId: string; continues: string }
  | { type: 'audio'; turnId: string; atMs: number; seq: number; audio: Uint8Array }
  | { type: 'pause'; turnId: string; atMs: number; silentMs: number }
  | { type: 'resume'; turnId: string; atMs: number }
  /** `silenceMs` is absent for a manual turn. */
  | { type: 'speech_end'; turnId: string; atMs: number; speechMs: number; silenceMs?: number }
  /** More than `seconds` of manual audio without a commit. */
  | { type: 'buffer_full'; seconds: number }
  /** Ask the VAD engine about these frames, in order, and feed the answers back as `classified`. */
  | { type: 'classify'; frames: readonly Uint8Array[] }
  /** Forget a partial frame waiting in the framer. */
  | { type: 'reset_framer' }
  | { type: 'set_threshold'; threshold: number };

export interface VadStep {
  state: VadState;
  effects: VadEffect[];
}

const GATED: VadPhase = { name: 'gated' };
const LISTENING: VadPhase = { name: 'listening' };

/** The VAD before its first frame: the gate starts closed unless activation is `always`. */
export function initialVad(config: VadConfig): VadState {
  const segmenterOptions = { ...config.segmenter, frameMs: config.frameMs };
  const open = config.activationMode === 'always';
  return {
    config,
    maxManualFrames: (MAX_MANUAL_SECONDS * 1000) / config.frameMs,
    phase: open ? LISTENING : GATED,
    gate: { open, holdsEnd: false },
    segmenterOptions,
    segmenter: createVadSegmenter(segmenterOptions),
    pendingSegmenter: false,
    recent: [],
    utterances: 0,
    manualOverflowReported: false,
  };
}

/** The turn id of the utterance in progress, `-` when there is none (what the stop spotter names). */
export function currentUtterance(state: VadState): string {
  return state.phase.name === 'speaking' ? state.phase.turnId : '-';
}

/** One input applied at `nowMs`: the state (updated in place) and what to do, in order. */
export function stepVad(state: VadState, input: VadInput, nowMs: number): VadStep {
  const effects: VadEffect[] = [];
  switch (input.type) {
    case 'frames':
      frames(state, input.frames, effects);
      break;
    case 'classified':
      // Only the segmenting phases asked; anything else is stale and dropped.
      if (state.phase.name === 'listening' || state.phase.name === 'speaking') {
        input.frames.forEach((frame, i) => segment(state, frame, input.voiced[i] === true, nowMs, effects));
      }
      break;
    case 'gate':
      gate(state, input, nowMs, effects);
      break;
    case 'configure':
      configure(state, input.detection, nowMs, effects);
      break;
    case 'commit':
      commit(state, nowMs, effects);
      break;
    case 'discard':
      if (state.phase.name !== 'manual') break;
      state.phase = { name: 'manual', frames: [] };
      effects.push({ type: 'reset_framer' });
      break;
    case 'end':
      if (state.phase.name === 'speaking') endSpeech(state, nowMs, effects);
      break;
    case 'continue': {
      if (state.phase.name !== 'speaking') break;
      // The rest of the utterance becomes a new turn; the STT carries its transcript over.
      const continues = state.phase.turnId;
      state.phase = { ...state.phase, turnId: nextTurnId(state), seq: 0 };
      effects.push({ type: 'continued', turnId: state.phase.turnId, continues });
      break;
    }
  }
  return { state, effects };
}

/** The next user turn id: the VAD mints them, as the first to know an utterance exists. */
const nextTurnId = (state: VadState): string => `u${++state.utterances}`;

/** Frames from the microphone: to the manual buffer, the pre-roll, or the engine and then the segmenter. */
function frames(state: VadState, incoming: readonly Uint8Array[], effects: VadEffect[]): void {
  const { phase } = state;
  if (phase.name === 'manual') {
    if (phase.frames.length + incoming.length > state.maxManualFrames) {
      if (state.manualOverflowReported) return;
      state.manualOverflowReported = true;
      effects.push({ type: 'buffer_full', seconds: (state.maxManualFrames * state.config.frameMs) / 1000 });
      return;
    }
    for (const frame of incoming) phase.frames.push(frame.slice());
    return;
  }
  if (phase.name === 'gated') {
    for (const frame of incoming) remember(state, frame);
    return;
  }
  if (incoming.length > 0) effects.push({ type: 'classify', frames: incoming });
}

function remember(state: VadState, frame: Uint8Array): void {
  if (state.config.activationMode !== 'push') return;
  state.recent.push(frame.slice());
  if (
    state.recent.length * state.config.frameMs >
    (state.segmenterOptions.prefixPaddingMs ?? DEFAULT_PREFIX_PADDING_MS)
  )
    state.recent.shift();
}

/** One classified frame through the segmenter; its events become `vad.*` messages. */
function segment(state: VadState, frame: Uint8Array, voiced: boolean, atMs: number, effects: VadEffect[]): void {
  state.segmenter.hold = state.gate.holdsEnd;
  for (const event of state.segmenter.push(frame, voiced)) segmenterEvent(state, event, atMs, effects);
}

function segmenterEvent(state: VadState, event: SegmenterEvent, atMs: number, effects: VadEffect[]): void {
  if (event.kind === 'start') {
    state.phase = { name: 'speaking', turnId: nextTurnId(state), seq: 0, startedAtMs: atMs };
    effects.push({ type: 'speech_start', turnId: state.phase.turnId, atMs });
    return;
  }
  const { phase } = state;
  // The segmenter speaks only in the speaking phase: its events open and close it.
  if (phase.name !== 'speaking') return;
  const { turnId } = phase;
  if (event.kind === 'audio') effects.push({ type: 'audio', turnId, atMs, seq: phase.seq++, audio: event.audio });
  else if (event.kind === 'pause') effects.push({ type: 'pause', turnId, atMs, silentMs: event.silentMs });
  else if (event.kind === 'resume') effects.push({ type: 'resume', turnId, atMs });
  else {
    effects.push({ type: 'speech_end', turnId, atMs, speechMs: event.speechMs, silenceMs: event.silenceMs });
    state.phase = LISTENING;
    if (state.pendingSegmenter) {
      state.pendingSegmenter = false;
      state.segmenter = createVadSegmenter(state.segmenterOptions);
    }
  }
}

/** Server VAD: the utterance in progress ends now. */
function endSpeech(state: VadState, atMs: number, effects: VadEffect[]): void {
  const { phase } = state;
  if (phase.name !== 'speaking') return;
  const silenceMs = state.segmenter.silenceMs;
  state.segmenter.reset();
  state.phase = LISTENING;
  effects.push({ type: 'speech_end', turnId: phase.turnId, atMs, speechMs: atMs - phase.startedAtMs, silenceMs });
}

/** Manual mode: the buffered audio becomes one utterance. Server VAD: the utterance in progress ends now. */
function commit(state: VadState, atMs: number, effects: VadEffect[]): void {
  const { phase } = state;
  if (phase.name !== 'manual') return endSpeech(state, atMs, effects);
  state.phase = { name: 'manual', frames: [] };
  // Less than a frame (20 ms) at the end is dropped: kept, it would begin the next utterance.
  effects.push({ type: 'reset_framer' });
  state.manualOverflowReported = false;
  if (phase.frames.length === 0) return;
  const turnId = nextTurnId(state);
  effects.push({ type: 'speech_start', turnId, atMs });
  phase.frames.forEach((audio, seq) => effects.push({ type: 'audio', turnId, atMs, seq, audio }));
  effects.push({ type: 'speech_end', turnId, atMs, speechMs: phase.frames.length * state.config.frameMs });
}

/** `vad.gate`: opening starts the segmenter afresh (in `push` with the pre-roll), closing ends an utterance. */
function gate(state: VadState, input: { open: boolean; holdsEnd: boolean }, atMs: number, effects: VadEffect[]): void {
  if (state.config.activationMode === 'always') return;
  const was = state.gate.open;
  state.gate = { open: input.open, holdsEnd: input.open && input.holdsEnd };
  if (input.open === was || state.phase.name === 'manual') return;
  if (input.open) {
    state.segmenter.reset();
    state.phase = LISTENING;
    const preRoll = state.recent.splice(0);
    if (preRoll.length > 0) effects.push({ type: 'classify', frames: preRoll });
    return;
  }
  endSpeech(state, atMs, effects);
  state.segmenter.reset();
  state.phase = GATED;
}

/** `control.configure`'s turn detection: the mode, the engine's threshold, the segmenter's settings. */
function configure(state: VadState, detection: TurnDetection, atMs: number, effects: VadEffect[]): void {
  if (detection.threshold !== undefined) effects.push({ type: 'set_threshold', threshold: detection.threshold });
  const wasManual = state.phase.name === 'manual';
  if (detection.mode === 'manual' && !wasManual) {
    // Leaving server VAD mid-utterance ends it, so the chart is never left waiting for a speech end; the
    // manual buffer starts empty, without a partial frame.
    endSpeech(state, atMs, effects);
    effects.push({ type: 'reset_framer' });
    state.phase = { name: 'manual', frames: [] };
  } else if (detection.mode !== 'manual' && wasManual) {
    state.phase = state.gate.open ? LISTENING : GATED;
  }
  const { hangoverMs, prefixPaddingMs } = detection;
  state.segmenterOptions = {
    ...state.segmenterOptions,
    ...(hangoverMs !== undefined ? { hangoverMs } : {}),
    ...(prefixPaddingMs !== undefined ? { prefixPaddingMs } : {}),
  };
  if (!state.segmenter.speaking) state.segmenter = createVadSegmenter(state.segmenterOptions);
  else state.pendingSegmenter = true;
}
