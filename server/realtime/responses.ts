/**
 * The Realtime response lifecycle of one connection, from the session's bus messages: a reply turn
 * becomes a response (`resp_<turnId>`) with one assistant message item (`item_<turnId>_reply`) whose
 * transcript streams from the LLM's tokens and whose audio streams from the session's sink; an action the
 * client runs becomes a function-call item, in its turn's response while that is open, else in a response
 * of its own (`resp_<actionId>`). A finished playback completes the response; a cancelled reply ends it
 * `cancelled` (barge-in: `turn_detected`, response.cancel: `client_cancelled`) or `failed`.
 *
 * @example
 * ```ts
 * const responses = createResponseTracker(send);
 * responses.onToken('u1', 'Hello');      // response.created, output item added, transcript delta
 * responses.onAudio('u1', 'AAAA');       // response.output_audio.delta
 * responses.onAudio('u1', 'AAAA', { level: 0.4, viseme: 'aa' }); // voice_agent.output_audio.mouth, then the delta
 * responses.onFunctionCall('u1', { actionId: 'a1', callId: 'call_1', name: 'navigate', arguments: '{}' });
 * responses.finish('u1', { status: 'completed' }); // the *.done events and response.done
 * ```
 */
import type { ServerEvent, ServerEventOf } from './server-events.js';

type Item = ServerEventOf<'conversation.item.added'>['item'];
type PartEventType =
  | 'response.output_audio.delta'
  | 'response.output_audio.done'
  | 'response.output_audio_transcript.delta'
  | 'response.output_audio_transcript.done'
  | 'response.content_part.added'
  | 'response.content_part.done'
  | 'voice_agent.output_audio.mouth';

export type ResponseEnd =
  { status: 'completed' } | { status: 'cancelled'; reason: 'turn_detected' | 'client_cancelled' } | { status: 'failed'; reason: string };

interface ResponseState {
  id: string;
  turnId: string;
  itemId: string;
  transcript: string;
  /** The assistant message item was announced (first token or audio). */
  itemAdded: boolean;
  functionCalls: Item[];
}

export interface ResponseTracker {
  /** The response of a reply turn, created on first sight. */
  start(turnId: string): void;
  onToken(turnId: string, text: string): void;
  /** One output frame; with `mouth` (lip sync on) a `voice_agent.output_audio.mouth` event precedes its delta. */
  onAudio(turnId: string, base64: string, mouth?: { level: number; viseme?: string }): void;
  /** A function call the client runs: in the turn's response while it is open, else in a response of its own. */
  onFunctionCall(turnId: string, call: { actionId: string; callId: string; name: string; arguments: string }): void;
  finish(turnId: string, end: ResponseEnd): void;
  /** A reply spoken without LLM tokens (a SAY, a refusal, a template): its words, if none were streamed yet. */
  spokenText(turnId: string, text: string): void;
  /** A response with no output (nothing new to answer), created and completed at once. */
  empty(key: string): void;
  /** The reply turn whose assistant item has this id (for `conversation.item.truncate`). */
  turnOfItem(itemId: string): string | undefined;
  /** The response and assistant item ids of a reply turn. */
  idsOfTurn(turnId: string): { response_id: string; item_id: string };
  /** A response is in progress. */
  active(): boolean;
}

const responseIdOf = (turnId: string) => `resp_${turnId}`;
const itemIdOf = (turnId: string) => `item_${turnId}_reply`;

/** Why 64: truncate targets recent items; older mappings are dropped so a long session stays bounded. */
const REMEMBERED_ITEMS = 64;

type Response = ServerEventOf<'response.done'>['response'];
const response = (state: ResponseState, status: Response['status'], extra: Partial<Response> = {}): Response => ({
  object: 'realtime.response',
  id: state.id,
  status,
  output: [],
  conversation_id: null,
  output_modalities: ['audio'],
  ...extra,
});
const item = (state: ResponseState, status: 'in_progress' | 'completed' | 'incomplete'): Item => ({
  id: state.itemId,
  object: 'realtime.item',
  type: 'message',
  role: 'assistant',
  status,
  content: [{ type: 'output_audio', transcript: state.transcript }],
});
/**
 * An event about the reply's audio content part, with `extra` fields after its ids. Written out rather
 * than `{ type, ...ids, delta }`: V8 (Node 20) takes ~1 µs for a literal that adds a key after a
 * spread, and deltas go out dozens of times a second per client.
 */
const partEvent = (type: PartEventType, state: ResponseState, extra?: Record<string, unknown>): ServerEvent => {
  const event = { type, response_id: state.id, item_id: state.itemId, output_index: 0, content_index: 0 };
  return (extra ? Object.assign(event, extra) : event) as ServerEvent;
};
/** A function call item of a response, streamed: added, its arguments (one delta), done. */
function streamCall(
  send: (event: ServerEvent) => void,
  state: ResponseState,
  outputIndex: number,
  call: { actionId: string; callId: string; name: string; arguments: string },
): Item {
  const fc: Item = {
    id: `item_${call.actionId}_call`,
    object: 'realtime.item',
    type: 'function_call',
    status: 'completed',
    call_id: call.callId,
    name: call.name,
    arguments: call.arguments,
  };
  const ids = { response_id: state.id, item_id: fc.id, output_index: outputIndex, call_id: call.callId };
  send({ type: 'response.output_item.added', response_id: state.id, output_index: outputIndex, item: { ...fc, status: 'in_progress', arguments: '' } });
  send({ type: 'response.function_call_arguments.delta', ...ids, delta: call.arguments });
  send({ type: 'response.function_call_arguments.done', ...ids, name: call.name, arguments: call.arguments });
  send({ type: 'response.output_item.done', response_id: state.id, output_index: outputIndex, item: fc });
  return fc;
}

/** The `*.done` events of a response's message item (if it was announced), then `response.done` with its output. */
function sendDone(send: (event: ServerEvent) => void, state: ResponseState, end: ResponseEnd): void {
  const output: Item[] = [];
  if (state.itemAdded) {
    const status = end.status === 'completed' ? 'completed' : 'incomplete';
    send(partEvent('response.output_audio.done', state));
    send(partEvent('response.output_audio_transcript.done', state, { transcript: state.transcript }));
    send(partEvent('response.content_part.done', state, { part: { type: 'audio', transcript: state.transcript } }));
    send({ type: 'response.output_item.done', response_id: state.id, output_index: 0, item: item(state, status) });
    send({ type: 'conversation.item.done', previous_item_id: null, item: item(state, status) });
    output.push(item(state, status));
  }
  output.push(...state.functionCalls);
  const details = end.status === 'completed' ? null : { type: end.status, reason: end.reason };
  send({ type: 'response.done', response: response(state, end.status, { output, status_details: details }) });
}

/** `onIdle`: the last open response ended (a `response.create` deferred until then may go on). */
export function createResponseTracker(send: (event: ServerEvent) => void, onIdle: () => void = () => {}): ResponseTracker {
  const responses = new Map<string, ResponseState>();
  const finished = new Set<string>();
  const itemTurns = new Map<string, string>();

  const ensure = (turnId: string): ResponseState | undefined => {
    if (finished.has(turnId)) return undefined;
    let state = responses.get(turnId);
    if (!state) {
      state = { id: responseIdOf(turnId), turnId, itemId: itemIdOf(turnId), transcript: '', itemAdded: false, functionCalls: [] };
      responses.set(turnId, state);
      itemTurns.set(state.itemId, turnId);
      if (itemTurns.size > REMEMBERED_ITEMS) itemTurns.delete(itemTurns.keys().next().value!);
      send({ type: 'response.created', response: response(state, 'in_progress') });
    }
    return state;
  };
  const ensureItem = (state: ResponseState) => {
    if (state.itemAdded) return;
    state.itemAdded = true;
    send({ type: 'response.output_item.added', response_id: state.id, output_index: 0, item: { ...item(state, 'in_progress'), content: [] } });
    send({ type: 'conversation.item.added', previous_item_id: null, item: { ...item(state, 'in_progress'), content: [] } });
    send(partEvent('response.content_part.added', state, { part: { type: 'audio', transcript: '' } }));
  };

  return {
    start: (turnId) => void ensure(turnId),
    onToken(turnId, text) {
      const state = ensure(turnId);
      if (!state) return;
      ensureItem(state);
      state.transcript += text;
      send(partEvent('response.output_audio_transcript.delta', state, { delta: text }));
    },
    onAudio(turnId, base64, mouth) {
      const state = ensure(turnId);
      if (!state) return;
      ensureItem(state);
      // Not in the OpenAI protocol (clients ignore unknown types): it describes the delta that follows it.
      if (mouth) send(partEvent('voice_agent.output_audio.mouth', state, { level: mouth.level, viseme: mouth.viseme ?? null }));
      send(partEvent('response.output_audio.delta', state, { delta: base64 }));
    },
    onFunctionCall(turnId, call) {
      const open = responses.get(turnId);
      if (open) {
        open.functionCalls.push(streamCall(send, open, 1 + open.functionCalls.length, call));
        return;
      }
      const own: ResponseState = { id: `resp_${call.actionId}`, turnId, itemId: '', transcript: '', itemAdded: false, functionCalls: [] };
      send({ type: 'response.created', response: response(own, 'in_progress') });
      const fc = streamCall(send, own, 0, call);
      send({ type: 'response.done', response: response(own, 'completed', { output: [fc], status_details: null }) });
    },
    finish(turnId, end) {
      const state = responses.get(turnId) ?? (end.status === 'completed' ? ensure(turnId) : undefined);
      if (!state) return;
      responses.delete(turnId);
      finished.add(turnId);
      // Why bounded: turn ids only grow; the set guards against late messages of recent turns.
      if (finished.size > REMEMBERED_ITEMS) finished.delete(finished.values().next().value!);
      sendDone(send, state, end);
      if (responses.size === 0) onIdle();
    },
    spokenText(turnId, text) {
      const state = responses.get(turnId);
      if (!state || state.transcript !== '' || text === '') return;
      ensureItem(state);
      state.transcript = text;
      send(partEvent('response.output_audio_transcript.delta', state, { delta: text }));
    },
    empty(key) {
      const state: ResponseState = { id: `resp_${key}`, turnId: key, itemId: '', transcript: '', itemAdded: false, functionCalls: [] };
      send({ type: 'response.created', response: response(state, 'in_progress') });
      send({ type: 'response.done', response: response(state, 'completed', { status_details: null }) });
    },
    turnOfItem: (itemId) => itemTurns.get(itemId),
    idsOfTurn: (turnId) => ({ response_id: responseIdOf(turnId), item_id: itemIdOf(turnId) }),
    active: () => responses.size > 0,
  };
}
