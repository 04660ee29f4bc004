/**
 * The session's typed event union: exactly the bus messages the chart reacts to. The session host
 * forwards validated bus messages unchanged, so an event is a message and a message is an event.
 */
import type { ActionRecord, BusMessage, MessageOf, MessageType } from '../bus/messages.js';
import type { NoticeEmitted } from './notices.js';

export const SESSION_EVENT_TYPES = [
  'vad.speech_start',
  'vad.speech_end',
  'vad.pause',
  'vad.resume',
  'stt.partial',
  'stt.final',
  'stt.error',
  'stt.keyword',
  'llm.started',
  'llm.error',
  'tts.requested',
  'tts.first_chunk',
  'tts.error',
  'tts.stopped',
  'playback.started',
  'playback.finished',
  'playback.stopped',
  'user.text',
  'control.stop',
  'control.say',
  'control.end',
  'control.configure',
  'control.truncate',
  'control.estop',
  'control.respond',
  'control.listen',
  'llm.tool_call',
  'action.accepted',
  'action.rejected',
  'action.result',
  'action.failed',
] as const satisfies readonly MessageType[];

export type SessionEventType = (typeof SESSION_EVENT_TYPES)[number];
/**
 * Raised by the chart itself, never sent: a barge-in tells the actions region, which cancels the running
 * action if its declaration says a barge-in does.
 */
export type InternalEvent = { type: 'actions.barge_in'; sessionId: string; turnId: '-'; atMs: number };
export type SessionEvent = { [T in SessionEventType]: MessageOf<T> }[SessionEventType] | InternalEvent;

const SESSION_EVENT_TYPE_SET: ReadonlySet<string> = new Set(SESSION_EVENT_TYPES);
/** Whether a bus message is one the chart reacts to: what the host forwards to it as an event, unchanged. */
export const isSessionEvent = (message: BusMessage): message is Extract<BusMessage, { type: SessionEventType }> =>
  SESSION_EVENT_TYPE_SET.has(message.type);

/** The commands the session sends its children are defined by the actors that take them. */
export type { SttCommand, TtsCommand } from '../actors/inputs.js';

/** Events the session emits to its host, which publishes them as `session.*` messages. */
export type SessionEmitted =
  | NoticeEmitted
  | { type: 'history'; entry: HistoryEntry }
  /** A bus message the chart asks its host to publish as it is (action requests and cancels, the activation gate). */
  | { type: 'publish'; message: ChartOutbound };

/**
 * The messages the chart itself publishes (through its host): the actions it asks for and cancels, the
 * activation gate it tells the VAD actor, and the close of listening when its own window runs out.
 */
export type ChartOutbound =
  MessageOf<'action.request'> | MessageOf<'action.cancel'> | MessageOf<'vad.gate'> | MessageOf<'control.listen'>;

export interface HistoryEntry {
  role: 'user' | 'assistant' | 'action';
  turnId: string;
  text: string;
  /** Assistant text cut short by barge-in, STOP or a new request: holds only what was played. */
  interrupted: boolean;
  /** Waiting for the playback report of a cancelled turn; not shown to the LLM until resolved. */
  pending: boolean;
  /** A user entry whose reply has another turn id (`r<n>`: a speculative reply for this turn was discarded). */
  replyTurnId?: string;
  /** An `action` entry: the call, and how it ended so far (the LLM gets it as a tool call and its result). */
  action?: ActionRecord;
}
