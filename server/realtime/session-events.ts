/**
 * The session's bus messages, turned into what a Realtime client sees: speech started/stopped and
 * transcripts as events, the conversation's inputs (committed turns, history entries, tokens, guesses,
 * actions) handed to the reducer, replies' ends to the response tracker, notices as `voice_agent.notice`.
 *
 * @example
 * ```ts
 * const onMessage = sessionEventHandler({
 *   send,
 *   dispatch,
 *   responses,
 *   items,
 *   fail,
 *   settings: () => settings,
 *   appendedMs: () => input.appendedMs,
 *   connectedAtMs,
 *   chartState: () => handle.state(),
 * });
 * for (const type of SESSION_MESSAGE_TYPES) bus.subscribe(bus.subjects.forEvent(sessionId, type), onMessage);
 * ```
 */
import type { BusMessage, MessageOf } from '../../bus/messages.js';
import { ReplyCancelReason } from '../../bus/notices.js';
import { ACTION_MESSAGE_TYPES } from './action-events.js';
import { voiceItemId, type ConversationInput } from './conversation.js';
import { NO_SPEECH_HELD, stepFloor, type FloorInput, type FloorState } from './floor.js';
import type { ItemStore } from './items.js';
import type { ProtocolError } from './protocol.js';
import type { ResponseEnd, ResponseTracker } from './responses.js';
import type { ServerEvent } from './server-events.js';
import type { SessionSettings } from './session-settings.js';

/** The session's messages a connection follows (its own session's subjects only). */
export const SESSION_MESSAGE_TYPES = [
  'vad.speech_start',
  'vad.speech_end',
  'stt.final',
  'session.history',
  'tts.requested',
  'llm.token',
  'playback.finished',
  'playback.stopped',
  'session.notice',
  'session.error',
  'session.state',
  ...ACTION_MESSAGE_TYPES,
] as const;

export interface SessionEventDeps {
  send(event: ServerEvent): void;
  dispatch(input: ConversationInput): void;
  responses: ResponseTracker;
  items: ItemStore;
  fail(error: ProtocolError, type?: string): void;
  settings(): SessionSettings;
  /** Input audio appended since the connection opened, ms. */
  appendedMs(): number;
  connectedAtMs: number;
  /**
   * The chart's state now (`SessionHandle.state()`): speech during a reply is held until the chart decides (floor.ts).
   */
  chartState(): string;
}

/** The chart is preparing or playing a reply: speech now is a barge-in candidate, not yet the user's floor. */
const replyInProgress = (state: string) => state.startsWith('processing') || state.startsWith('speaking');

export function sessionEventHandler(deps: SessionEventDeps): (m: BusMessage) => void {
  const { send, dispatch, responses } = deps;
  const vad = () => deps.settings().turnDetection !== null;
  let floor: FloorState = NO_SPEECH_HELD;
  const onFloor = (input: FloorInput) => {
    const step = stepFloor(floor, input);
    floor = step.state;
    for (const r of step.release) {
      if (r.type === 'event') send(r.event);
      else dispatch({ type: 'voice_committed', turnId: r.turnId });
    }
  };
  const onNotice = noticeHandler(deps, onFloor);
  return (m) => {
    switch (m.type) {
      case 'vad.speech_start':
        if (!vad()) return;
        return onFloor(speechStart(deps, m));
      case 'vad.speech_end':
        if (!vad()) return dispatch({ type: 'voice_committed', turnId: m.turnId });
        return onFloor(speechEnd(deps, m));
      case 'stt.final':
        return transcribed(deps, m);
      case 'session.history':
        return historyEntry(deps, m);
      case 'tts.requested':
        if (m.kind === 'say') responses.start(m.turnId);
        return;
      case 'llm.token':
        if (m.text) dispatch({ type: 'token', turnId: m.turnId, text: m.text });
        return;
      case 'playback.finished':
        replyPlayed(responses, m);
        // Speech held over the reply goes on past its end: it is the user's turn now.
        return onFloor({ type: 'floor_taken' });
      case 'playback.stopped':
        return responses.played(m.turnId, m.segments);
      case 'session.notice':
        return onNotice(m);
      case 'session.error':
        return deps.fail({ code: m.code, message: m.message, event_id: null, param: null }, 'server_error');
      case 'session.state':
        return chartMoved(deps, m);
      case 'action.request':
      case 'action.accepted':
      case 'action.rejected':
      case 'action.feedback':
      case 'action.result':
      case 'action.failed':
      case 'action.cancel':
      case 'action.cancelled':
        return dispatch({ type: 'action', message: m });
    }
  };
}

/** The VAD heard speech start: held as a barge-in candidate while a reply is in progress (floor.ts). */
function speechStart(deps: SessionEventDeps, m: MessageOf<'vad.speech_start'>): FloorInput {
  return {
    type: 'speech_start',
    turnId: m.turnId,
    replyInProgress: replyInProgress(deps.chartState()),
    started: {
      type: 'input_audio_buffer.speech_started',
      audio_start_ms: Math.round(m.atMs - deps.connectedAtMs),
      item_id: voiceItemId(m.turnId),
    },
  };
}

/**
 * The VAD heard speech end: `audio_end_ms` is where the voice stopped in the audio appended (the VAD ran on
 * all of it before the next append was read).
 */
function speechEnd(deps: SessionEventDeps, m: MessageOf<'vad.speech_end'>): FloorInput {
  return {
    type: 'speech_end',
    turnId: m.turnId,
    stopped: {
      type: 'input_audio_buffer.speech_stopped',
      audio_end_ms: Math.round(Math.max(0, deps.appendedMs() - (m.silenceMs ?? 0))),
      item_id: voiceItemId(m.turnId),
    },
  };
}

/** A voice turn's transcript: told, and its item completed, if the item is still in the conversation. */
function transcribed(deps: SessionEventDeps, m: MessageOf<'stt.final'>): void {
  const content = [{ type: 'input_audio' as const, transcript: m.text }];
  const item = {
    id: voiceItemId(m.turnId),
    object: 'realtime.item' as const,
    type: 'message' as const,
    role: 'user' as const,
    status: 'completed' as const,
    content,
  };
  // An utterance never committed (speech over a reply the chart kept) or deleted by the client is not told.
  if (!deps.items.has(item.id)) return;
  deps.send({
    type: 'conversation.item.input_audio_transcription.completed',
    item_id: item.id,
    content_index: 0,
    transcript: m.text,
  });
  deps.send({ type: 'conversation.item.done', previous_item_id: deps.items.update(item), item });
}

/** The chart took an entry into its history: the user's words start a reply; a cut reply's heard words are told. */
function historyEntry(deps: SessionEventDeps, m: MessageOf<'session.history'>): void {
  if (m.role === 'user')
    return deps.dispatch({ type: 'user_entry', turnId: m.turnId, replyTurnId: m.replyTurnId ?? m.turnId });
  // Not in the OpenAI protocol: the words of a cut reply that were heard (after a truncate, again, shorter).
  if (m.role === 'assistant' && m.interrupted)
    deps.send({
      type: 'voice_agent.conversation.item.heard',
      ...deps.responses.idsOfTurn(m.turnId),
      transcript: m.text,
    });
}

/** A reply played to its end: its response completes with the words spoken (fillers left out). */
function replyPlayed(responses: ResponseTracker, m: MessageOf<'playback.finished'>): void {
  responses.spokenText(
    m.turnId,
    m.segments
      .flatMap((s) => (s.kind === 'filler' ? [] : [s.text]))
      .join(' ')
      .trim(),
  );
  responses.finish(m.turnId, { status: 'completed' });
  responses.played(m.turnId, m.segments);
}

/** The chart moved: told as `voice_agent.session.state`, and a reply it starts on request gets its response. */
function chartMoved(deps: SessionEventDeps, m: MessageOf<'session.state'>): void {
  // A reply asked for by response.create alone (instructions, a tool's output, out of band) is created
  // as the chart starts it, not at its first token: clients wait for response.created (LiveKit's
  // generateReply() does, and gives up after 10 s).
  if (m.event === 'control.respond' && m.value.startsWith('processing')) deps.responses.start(m.turnId);
  // Not in the OpenAI protocol (clients ignore unknown types): the chart's state, for pages and inspectors.
  deps.send({ type: 'voice_agent.session.state', value: m.value, cause: m.event, turn_id: m.turnId });
}

function noticeHandler(deps: SessionEventDeps, onFloor: (input: FloorInput) => void) {
  return (m: Extract<BusMessage, { type: 'session.notice' }>) => onNotice(deps, onFloor, m);
}

/**
 * A notice, told as `voice_agent.notice` (and acted on: a cut reply's response ends, a dropped utterance
 * leaves the floor). Notices a client is not told: a guessed reply is never seen until it is committed
 * (and then as a response like any other).
 */
function onNotice(
  deps: SessionEventDeps,
  onFloor: (input: FloorInput) => void,
  m: Extract<BusMessage, { type: 'session.notice' }>,
): void {
  const { type: _type, sessionId: _sessionId, turnId, atMs: _atMs, detail, ...notice } = m;
  switch (notice.code) {
    case 'reply_cancelled':
      // The speech that cut the reply is the user's floor from now: speech_started goes out before the response ends.
      if (notice.reason === ReplyCancelReason.barge_in) onFloor({ type: 'floor_taken' });
      deps.responses.finish(turnId, endOf(notice.reason));
      break;
    case 'utterance_dropped':
      onFloor({ type: 'utterance_dropped', turnId });
      deps.dispatch({ type: 'utterance_dropped', turnId });
      break;
    // A guess is the server's own business until it is committed: the client is never told of one.
    case 'speculation_started':
      return deps.dispatch({ type: 'guess_started', turnId });
    case 'speculation_discarded':
      return deps.dispatch({ type: 'guess_discarded', turnId });
    case 'speculation_committed':
      return;
  }
  deps.send({ type: 'voice_agent.notice', code: notice.code, detail, turn_id: turnId, notice });
}

/** Replies cut on purpose (a stop, a new request, an action's question or refusal): cancelled, not failed. */
const CANCELLED_BY: ReadonlySet<ReplyCancelReason> = new Set([
  'stop',
  'new_text',
  'say',
  'end',
  'estop',
  'action_refused',
  'action_confirm',
  'action_answered',
] satisfies ReplyCancelReason[]);

/** How a cancelled reply's response ends: barge-in and STOP are cancellations, anything else a failure. */
export function endOf(reason: ReplyCancelReason): ResponseEnd {
  if (reason === 'barge_in') return { status: 'cancelled', reason: 'turn_detected' };
  if (CANCELLED_BY.has(reason)) return { status: 'cancelled', reason: 'client_cancelled' };
  return { status: 'failed', reason };
}
