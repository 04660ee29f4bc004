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
import type { HeardSegment } from '../../bus/messages.js';
import { capPlayed, heardText } from '../../machines/history.js';
import type { ItemStore } from './items.js';
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
  | { status: 'completed' }
  | { status: 'cancelled'; reason: 'turn_detected' | 'client_cancelled' }
  | { status: 'failed'; reason: string };

interface ResponseState {
  id: string;
  turnId: string;
  itemId: string;
  transcript: string;
  /** The assistant message item was announced (first token or audio). */
  itemAdded: boolean;
  /** The message item's place in the response's output (the order items were announced in). */
  outputIndex: number;
  nextOutputIndex: number;
  functionCalls: Item[];
  /** Audio sent, bytes of the output format. */
  audioBytes: number;
  /** Cut (barge-in, cancel): it ends once playback reports what was heard, which its item then holds. */
  cutEnd: ResponseEnd | undefined;
  /** The `metadata` of the `response.create` this response answers, echoed on its events. */
  metadata: Readonly<Record<string, string>> | null;
  /** `conversation: "none"`: its items are the response's only, never the conversation's. */
  outOfBand: boolean;
}

/** What a client's `response.create` asked of the response that answers it. */
export interface ResponseRequestOptions {
  metadata: Readonly<Record<string, string>> | null;
  outOfBand: boolean;
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
  /** Audio of the turn's reply sent so far, ms (what a truncate is clamped to). */
  audioSentMs(turnId: string): number;
  /** What playback reported of a reply that ended (finished or stopped): the words played and for how long. */
  played(turnId: string, segments: readonly HeardSegment[]): void;
  /** Runs `then` once the turn's playback has ended (at once if it has), when the chart can apply a truncate to it. */
  whenEnded(turnId: string, then: () => void): void;
  /** The client played only `audioEndMs` of the reply: its item keeps the words of that audio (never grows). */
  truncate(turnId: string, audioEndMs: number): void;
  /** The response and assistant item ids of a reply turn. */
  idsOfTurn(turnId: string): { response_id: string; item_id: string };
  /** A response is in progress. */
  active(): boolean;
  /**
   * The last response was cut by the user's speech, and none has started since (a client's own cancel of it is late,
   * not wrong).
   */
  cutByTurnDetection(): boolean;
  /**
   * The next response created answers a client's `response.create`: it carries that request's `metadata`, in or out of
   * the conversation.
   */
  expect(request: ResponseRequestOptions): void;
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
  metadata: state.metadata === null ? null : { ...state.metadata },
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
const newState = (id: string, turnId: string, itemId: string): ResponseState => ({
  id,
  turnId,
  itemId,
  transcript: '',
  itemAdded: false,
  outputIndex: 0,
  nextOutputIndex: 0,
  functionCalls: [],
  audioBytes: 0,
  cutEnd: undefined,
  metadata: null,
  outOfBand: false,
});
/**
 * An event about the reply's audio content part, with `extra` fields after its ids. Written out rather
 * than `{ type, ...ids, delta }`: V8 (Node 20) takes ~1 µs for a literal that adds a key after a
 * spread, and deltas go out dozens of times a second per client.
 */
const partEvent = (type: PartEventType, state: ResponseState, extra?: Record<string, unknown>): ServerEvent => {
  const event = {
    type,
    response_id: state.id,
    item_id: state.itemId,
    output_index: state.outputIndex,
    content_index: 0,
  };
  return (extra ? Object.assign(event, extra) : event) as ServerEvent;
};

interface Output {
  send(event: ServerEvent): void;
  items: ItemStore;
}

/**
 * A function call item of a response, streamed: added (to the response and the conversation), its arguments (one
 * delta), done.
 */
function streamCall(
  out: Output,
  state: ResponseState,
  call: { actionId: string; callId: string; name: string; arguments: string },
): Item {
  const { send } = out;
  const outputIndex = state.nextOutputIndex++;
  const fc: Item = {
    id: `item_${call.actionId}_call`,
    object: 'realtime.item',
    type: 'function_call',
    status: 'completed',
    call_id: call.callId,
    name: call.name,
    arguments: call.arguments,
  };
  const added: Item = { ...fc, status: 'in_progress', arguments: '' };
  const ids = { response_id: state.id, item_id: fc.id, output_index: outputIndex, call_id: call.callId };
  send({ type: 'response.output_item.added', response_id: state.id, output_index: outputIndex, item: added });
  if (!state.outOfBand) send({ type: 'conversation.item.added', previous_item_id: out.items.add(added), item: added });
  send({ type: 'response.function_call_arguments.delta', ...ids, delta: call.arguments });
  send({ type: 'response.function_call_arguments.done', ...ids, name: call.name, arguments: call.arguments });
  send({ type: 'response.output_item.done', response_id: state.id, output_index: outputIndex, item: fc });
  if (!state.outOfBand) send({ type: 'conversation.item.done', previous_item_id: out.items.update(fc), item: fc });
  return fc;
}

/**
 * The `*.done` events of a response's message item (if it was announced), then `response.done` with its output in
 * order.
 */
function sendDone(out: Output, state: ResponseState, end: ResponseEnd): void {
  const { send } = out;
  const output: Item[] = [...state.functionCalls];
  if (state.itemAdded) {
    const status = end.status === 'completed' ? 'completed' : 'incomplete';
    const done = item(state, status);
    send(partEvent('response.output_audio.done', state));
    send(partEvent('response.output_audio_transcript.done', state, { transcript: state.transcript }));
    send(partEvent('response.content_part.done', state, { part: { type: 'audio', transcript: state.transcript } }));
    send({ type: 'response.output_item.done', response_id: state.id, output_index: state.outputIndex, item: done });
    if (!state.outOfBand)
      send({ type: 'conversation.item.done', previous_item_id: out.items.update(done), item: done });
    output.splice(state.outputIndex, 0, done);
  }
  const details = end.status === 'completed' ? null : { type: end.status, reason: end.reason };
  send({ type: 'response.done', response: response(state, end.status, { output, status_details: details }) });
}

export interface ResponseTrackerOptions {
  send(event: ServerEvent): void;
  items: ItemStore;
  /** Bytes per ms of the output format (a truncate is clamped to the audio sent). */
  bytesPerMs(): number;
  /** The last open response ended (a `response.create` deferred until then may go on). */
  onIdle?(): void;
}

/** The responses of one connection, their items kept in `options.items`. */
export function createResponseTracker(options: ResponseTrackerOptions): ResponseTracker {
  const { send } = options;
  const out: Output = { send, items: options.items };
  const onIdle = options.onIdle ?? (() => {});
  const responses = new Map<string, ResponseState>();
  const finished = new Set<string>();
  const itemTurns = new Map<string, string>();
  /** Audio sent per reply turn, bytes (kept past the response's end: truncates come after it). */
  const audioBytes = new Map<string, number>();
  const playedSegments = new Map<string, readonly HeardSegment[]>();
  const waiting = new Map<string, Array<() => void>>();
  /** The `response.create`s not answered by a response yet, oldest first. */
  const requested: ResponseRequestOptions[] = [];
  let lastCutByTurn = false;
  const remember = <V>(map: Map<string, V>, key: string, value: V) => {
    map.set(key, value);
    // Why bounded: turn ids only grow; late messages and truncates name recent turns.
    if (map.size > REMEMBERED_ITEMS) map.delete(map.keys().next().value!);
  };

  const ensure = (turnId: string): ResponseState | undefined => {
    if (finished.has(turnId)) return undefined;
    let state = responses.get(turnId);
    if (!state) {
      state = newState(responseIdOf(turnId), turnId, itemIdOf(turnId));
      const request = requested.shift();
      state.metadata = request?.metadata ?? null;
      state.outOfBand = request?.outOfBand ?? false;
      lastCutByTurn = false;
      responses.set(turnId, state);
      // An out-of-band reply's item is not in the conversation: a truncate cannot name it.
      if (!state.outOfBand) remember(itemTurns, state.itemId, turnId);
      send({ type: 'response.created', response: response(state, 'in_progress') });
    }
    return state;
  };
  const ensureItem = (state: ResponseState) => {
    if (state.itemAdded) return;
    state.itemAdded = true;
    state.outputIndex = state.nextOutputIndex++;
    const added = { ...item(state, 'in_progress'), content: [] };
    send({ type: 'response.output_item.added', response_id: state.id, output_index: state.outputIndex, item: added });
    if (!state.outOfBand)
      send({ type: 'conversation.item.added', previous_item_id: options.items.add(added), item: added });
    send(partEvent('response.content_part.added', state, { part: { type: 'audio', transcript: '' } }));
  };
  const complete = (state: ResponseState, end: ResponseEnd) => {
    responses.delete(state.turnId);
    remember(audioBytes, state.turnId, state.audioBytes);
    finished.add(state.turnId);
    // Why bounded: turn ids only grow; the set guards against late messages of recent turns.
    if (finished.size > REMEMBERED_ITEMS) finished.delete(finished.values().next().value!);
    sendDone(out, state, end);
    lastCutByTurn = end.status === 'cancelled' && end.reason === 'turn_detected';
    if (responses.size === 0) onIdle();
  };
  const ended = (turnId: string) => {
    const then = waiting.get(turnId);
    waiting.delete(turnId);
    for (const run of then ?? []) run();
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
      if (!state || state.cutEnd) return;
      ensureItem(state);
      state.audioBytes += (base64.length * 3) / 4 - (base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0);
      // Not in the OpenAI protocol (clients ignore unknown types): it describes the delta that follows it.
      if (mouth)
        send(partEvent('voice_agent.output_audio.mouth', state, { level: mouth.level, viseme: mouth.viseme ?? null }));
      send(partEvent('response.output_audio.delta', state, { delta: base64 }));
    },
    onFunctionCall(turnId, call) {
      const open = responses.get(turnId);
      if (open) {
        open.functionCalls.push(streamCall(out, open, call));
        return;
      }
      const own = newState(`resp_${call.actionId}`, turnId, '');
      send({ type: 'response.created', response: response(own, 'in_progress') });
      const fc = streamCall(out, own, call);
      send({ type: 'response.done', response: response(own, 'completed', { output: [fc], status_details: null }) });
    },
    finish(turnId, end) {
      const state = responses.get(turnId) ?? (end.status === 'completed' ? ensure(turnId) : undefined);
      if (!state || state.cutEnd) return;
      if (end.status !== 'completed') {
        const segments = playedSegments.get(turnId);
        // What was heard is known once playback reports it (before or after the cut's notice); none if nothing was
        // sent.
        if (!segments && state.audioBytes > 0) return void (state.cutEnd = end);
        state.transcript = segments ? heardText(segments) : '';
      }
      complete(state, end);
    },
    spokenText(turnId, text) {
      const state = responses.get(turnId);
      if (!state || state.transcript !== '' || text === '') return;
      ensureItem(state);
      state.transcript = text;
      send(partEvent('response.output_audio_transcript.delta', state, { delta: text }));
    },
    empty(key) {
      const state = newState(`resp_${key}`, key, '');
      state.metadata = requested.shift()?.metadata ?? null;
      send({ type: 'response.created', response: response(state, 'in_progress') });
      send({ type: 'response.done', response: response(state, 'completed', { status_details: null }) });
    },
    turnOfItem: (itemId) => itemTurns.get(itemId),
    idsOfTurn: (turnId) => ({ response_id: responseIdOf(turnId), item_id: itemIdOf(turnId) }),
    active: () => responses.size > 0,
    cutByTurnDetection: () => lastCutByTurn && responses.size === 0,
    expect(request) {
      // Why 8: a client waits for each response it asks for; more unanswered requests are stale.
      if (requested.push(request) > 8) requested.shift();
    },
    audioSentMs: (turnId) => (responses.get(turnId)?.audioBytes ?? audioBytes.get(turnId) ?? 0) / options.bytesPerMs(),
    played(turnId, segments) {
      remember(playedSegments, turnId, segments);
      const cut = responses.get(turnId);
      if (cut?.cutEnd) {
        cut.transcript = heardText(segments);
        complete(cut, cut.cutEnd);
      }
      ended(turnId);
    },
    whenEnded(turnId, then) {
      if (playedSegments.has(turnId)) return then();
      waiting.set(turnId, [...(waiting.get(turnId) ?? []), then]);
    },
    truncate(turnId, audioEndMs) {
      const segments = playedSegments.get(turnId);
      const current = options.items.get(itemIdOf(turnId));
      if (!segments || current?.type !== 'message') return;
      const was = current.content?.[0]?.transcript ?? '';
      const heard = heardText(capPlayed(segments, audioEndMs));
      if (heard.length >= was.length) return;
      options.items.update({
        ...current,
        status: 'incomplete',
        content: [{ type: 'output_audio', transcript: heard }],
      });
    },
  };
}
