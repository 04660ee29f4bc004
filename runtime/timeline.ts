/**
 * Per-turn timelines built from bus messages alone (their `atMs`), so they can be recorded in any
 * process that can see the session's subjects. Used by the CLI, the benchmarks and the server.
 *
 * @example
 * ```ts
 * const recorder = createTimelineRecorder(bus, 's1');
 * // … run the session …
 * console.log(formatTimelines(recorder.turns()));
 * recorder.close();
 * ```
 */
import type { MessageBus } from '../bus/message-bus.js';
import type { BusMessage, MessageType, TurnTimeline } from '../bus/messages.js';
import { isReplyFailure } from '../bus/notices.js';
import { heardText } from '../machines/history.js';

export type { TurnTimeline };

export interface TimelineRecorder {
  turns(): TurnTimeline[];
  close(): void;
}

/** Builds timelines from the messages it is given; {@link createTimelineRecorder} feeds it from the bus. */
export interface TimelineBuilder {
  add(message: BusMessage): void;
  /** Turns that got far enough to matter (a token, audio, an outcome or a user entry). */
  turns(): TurnTimeline[];
}

/** The message types a timeline is built from: subscribe to these alone to skip audio and tokens. */
export const TIMELINE_MESSAGE_TYPES = [
  'vad.speech_end',
  'stt.final',
  'llm.started',
  'llm.clause',
  'tts.first_chunk',
  'tts.fallback',
  'playback.started',
  'playback.finished',
  'playback.stopped',
  'session.notice',
  'session.history',
] as const satisfies readonly MessageType[];

/** The fields a reply's own messages set before it is heard (a guess's progress). */
const GUESS_FIELDS = ['llmRequestAtMs', 'firstTokenAtMs', 'firstClauseAtMs', 'ttsFirstChunkAtMs'] as const;

export interface TimelineBuilderOptions {
  /** Keep at most this many turns, forgetting the oldest (default: all; a live view keeps its recent past). */
  maxTurns?: number;
}

export function createTimelineBuilder(sessionId: string, options: TimelineBuilderOptions = {}): TimelineBuilder {
  const turns = new Map<string, TurnTimeline>();
  /** Replies with a turn id of their own (`r<n>` after a discarded guess), by the user turn they answer. */
  const answering = new Map<string, string>();
  const rows: Rows = { turns, answering };
  const get = (replyOrUserTurnId: string) => {
    const turnId = answering.get(replyOrUserTurnId) ?? replyOrUserTurnId;
    let t = turns.get(turnId);
    if (!t) {
      t = { id: `${sessionId}#${turnId}`, turnId };
      turns.set(turnId, t);
      if (options.maxTurns !== undefined && turns.size > options.maxTurns) turns.delete(turns.keys().next().value!);
    }
    return t;
  };
  const types = new Set<string>(TIMELINE_MESSAGE_TYPES);
  /** The last turn a message was about: where the echo step's session-wide reports (`turnId` '-') belong. */
  let latest: string | undefined;
  const add = (m: BusMessage) => {
    if (!types.has(m.type)) return;
    const echoReport = m.type === 'session.notice' && ECHO_REPORTS.has(m.code);
    if (m.turnId !== '-') latest = m.turnId;
    // The echo step speaks of the microphone, not of a turn: what it held or was half duplex over was
    // during the turn in progress (the reply talked over), and a session's '-' row is never shown.
    const t = get(echoReport && m.turnId === '-' && latest !== undefined ? latest : m.turnId);
    if (m.type === 'session.notice') recordNotice(t, m);
    else if (m.type === 'session.history') recordHistory(t, m, rows);
    else recordStage(t, m);
  };
  return {
    add,
    turns: () => [...turns.values()].filter(mattered),
  };
}

/** A turn that got far enough to matter (a token, audio, an outcome or a user entry); never the session's own. */
function mattered(t: TurnTimeline): boolean {
  if (t.turnId === '-') return false;
  const replied = t.firstTokenAtMs !== undefined || t.firstAudioAtMs !== undefined;
  return replied || t.outcome !== undefined || t.userText !== undefined;
}

/** The session-wide reports of the echo step, which belong to the turn in progress. */
const ECHO_REPORTS = new Set<string>(['echo_held_user', 'echo_half_duplex', 'estop_own_voice']);

type MessageOf<T extends MessageType> = Extract<BusMessage, { type: T }>;

/** The time a reply stage reached its mark: the first one counts, filler audio does not. */
function recordStage(t: TurnTimeline, m: BusMessage): void {
  switch (m.type) {
    case 'vad.speech_end':
      t.speechEndAtMs ??= m.atMs;
      if (m.silenceMs !== undefined) t.voiceEndAtMs ??= m.atMs - m.silenceMs;
      break;
    case 'stt.final':
      t.transcriptAtMs ??= m.atMs;
      break;
    case 'llm.started':
      t.firstTokenAtMs ??= m.atMs;
      t.llmRequestAtMs ??= m.atMs - m.firstTokenMs;
      break;
    case 'llm.clause':
      if (m.index === 0) t.firstClauseAtMs ??= m.atMs;
      break;
    case 'tts.first_chunk':
      if (m.kind !== 'filler') t.ttsFirstChunkAtMs ??= m.atMs;
      break;
    case 'tts.fallback':
      (t.fallbacks ??= []).push({ atMs: m.atMs, fromEngine: m.fromEngine, toEngine: m.toEngine, reason: m.reason });
      break;
    case 'playback.started':
      if (m.kind !== 'filler') t.firstAudioAtMs ??= m.atMs;
      break;
    case 'playback.finished':
      t.endedAtMs = m.atMs;
      t.outcome = 'finished';
      break;
    case 'playback.stopped': {
      t.endedAtMs = m.atMs;
      t.outcome ??= 'interrupted';
      // What was heard, in case the chart can no longer say (the session ended with the reply): its
      // history entry, when it comes, is the same words and the one kept.
      const heard = heardText(m.segments);
      if (heard && t.heardText === undefined) t.heardText = heard;
      break;
    }
  }
}

function recordNotice(t: TurnTimeline, m: MessageOf<'session.notice'>): void {
  // A discarded guess was never heard: its reply stages do not describe the turn.
  if (m.code === 'speculation_discarded') for (const key of GUESS_FIELDS) delete t[key];
  if (m.code === 'echo_held_user') (t.echoHeldUser ??= []).push({ fromMs: m.fromMs, heldMs: m.heldMs });
  if (m.code === 'echo_half_duplex') (t.echoHalfDuplex ??= []).push({ fromMs: m.fromMs, durationMs: m.durationMs });
  if (m.code === 'estop_own_voice') {
    (t.ownVoiceStops ??= []).push({ atMs: m.atMs, phrase: m.phrase, explainedShare: m.explainedShare });
  }
  if (m.code === 'reply_cancelled') {
    t.reason = m.reason;
    t.outcome = isReplyFailure(m.reason) ? 'failed' : 'interrupted';
    t.endedAtMs ??= m.atMs;
  }
}

/** The builder's rows by turn id, and the replies with an id of their own by the user turn they answer. */
interface Rows {
  readonly turns: Map<string, TurnTimeline>;
  readonly answering: Map<string, string>;
}

/** A guess's progress, kept in the row it joins where that row has none. */
function keepGuess(from: TurnTimeline, to: TurnTimeline): void {
  for (const key of GUESS_FIELDS) if (from[key] !== undefined) (to as Record<string, unknown>)[key] ??= from[key];
}

/**
 * The user's words and what the user heard of the reply. The reply answering a user turn may have an id
 * of its own: its row joins the user's (`answering` then leads its messages there), whatever came first.
 */
function recordHistory(t: TurnTimeline, m: MessageOf<'session.history'>, rows: Rows): void {
  if (m.role === 'user') {
    t.userText = m.text;
    if (m.replyTurnId && m.replyTurnId !== m.turnId) {
      const early = rows.turns.get(m.replyTurnId);
      rows.turns.delete(m.replyTurnId);
      rows.answering.set(m.replyTurnId, m.turnId);
      if (early) keepGuess(early, t);
    }
  } else if (m.role === 'assistant') t.heardText = m.text;
  // An action's entries (`navigate … running`, `… cancelled`) are its steps, not words the user heard.
}

export function createTimelineRecorder(bus: MessageBus, sessionId: string): TimelineRecorder {
  const builder = createTimelineBuilder(sessionId);
  const sub = bus.subscribe(bus.subjects.forSession(sessionId), builder.add);
  return { turns: builder.turns, close: () => sub.unsubscribe() };
}

/** The turn with every time relative to `originMs` (rounded to the ms), e.g. to the start of a recording. */
export function rebaseTimeline(turn: TurnTimeline, originMs: number): TurnTimeline {
  const at = (v: number) => Math.round(v - originMs);
  const out = Object.fromEntries(
    Object.entries(turn).map(([k, v]) => [k, k.endsWith('AtMs') && typeof v === 'number' ? at(v) : v]),
  ) as TurnTimeline;
  if (turn.fallbacks) out.fallbacks = turn.fallbacks.map((f) => ({ ...f, atMs: at(f.atMs) }));
  return out;
}

const ms = (from: number | undefined, to: number | undefined) =>
  from === undefined || to === undefined ? '—' : `${Math.round(to - from)}`;

/** Cuts `text` to at most `max` characters at a word boundary, marking the cut with `…`. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  // The cut ends a word when a space follows it; otherwise back up to the last whole word.
  const space = text[max - 1] === ' ' ? cut.length : cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/**
 * A readable table: one row per turn, times in ms relative to the turn's start: the user's end of speech (the
 * last voiced frame; the VAD's speech end when the VAD did not say), or the request.
 * A `tts failover` column appears when a turn changed TTS engine.
 */
export function formatTimelines(turns: readonly TurnTimeline[]): string {
  const withFailover = turns.some((t) => t.fallbacks?.length);
  const header = [
    'turn',
    'user said',
    'transcript',
    'first token',
    'first clause',
    'first audio',
    'outcome',
    ...(withFailover ? ['tts failover'] : []),
    'heard',
  ];
  const rows = turns.map((t) => {
    const origin = t.voiceEndAtMs ?? t.speechEndAtMs ?? t.llmRequestAtMs ?? t.firstAudioAtMs;
    const outcome = t.outcome ? `${t.outcome}${t.reason ? ` (${t.reason})` : ''} @${ms(origin, t.endedAtMs)}` : '…';
    const failover = (t.fallbacks ?? [])
      .map((f) => `${f.fromEngine}→${f.toEngine} (${f.reason}) @${ms(origin, f.atMs)}`)
      .join(', ');
    return [
      t.id,
      clipText(t.userText ?? '', 28),
      ms(origin, t.transcriptAtMs),
      ms(origin, t.firstTokenAtMs),
      ms(origin, t.firstClauseAtMs),
      ms(origin, t.firstAudioAtMs),
      outcome,
      ...(withFailover ? [failover] : []),
      clipText(t.heardText ?? '', 40),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
