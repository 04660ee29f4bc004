/**
 * The client's Realtime events, each turned into what the session must do: settings and tools become
 * `control.configure`, audio goes to the session's microphone input (within the audio budget), commits and
 * clears become `audio.commit` / `audio.discard`, items and `response.create` go through the conversation
 * reducer, `response.cancel` stops the reply, a truncate becomes `control.truncate`, and this server's
 * `voice_agent.estop` is the emergency stop (`control.estop`).
 *
 * @example
 * ```ts
 * const handlers = clientEventHandlers(deps);
 * handlers['input_audio_buffer.commit']({ type: 'input_audio_buffer.commit' });
 * ```
 */
import { decodeG711 } from '../../adapters/audio/g711.js';
import { appendAudio, bufferEmptied, type InputAudio } from './audio-budget.js';
import type { ConversationInput } from './conversation.js';
import type { ItemStore } from './items.js';
import { decodeBase64Strict, type ClientEvent } from './protocol.js';
import { DialogState } from '../../machines/states.js';
import type { ResponseTracker } from './responses.js';
import type { ServerEvent } from './server-events.js';
import {
  applySessionUpdate,
  sampleRateOf,
  sessionObject,
  type ConfigureFields,
  type SessionSettings,
} from './session-settings.js';

/** The bus messages a client's events become (the connection stamps `sessionId`). */
export type ClientCommand =
  | ({ type: 'control.configure' } & ConfigureFields)
  | { type: 'control.truncate'; turnId: string; audioEndMs: number }
  | { type: 'control.estop' }
  | { type: 'control.listen'; open: boolean }
  | { type: 'audio.commit' }
  | { type: 'audio.discard' };

export interface ClientEventDeps {
  readonly sessionId: string;
  readonly maxAudioSecondsPerSecond: number;
  nowMs(): number;
  send(event: ServerEvent): void;
  publish(command: ClientCommand): void;
  dispatch(input: ConversationInput): void;
  /** The client's error about one of its events. */
  failFor(event: ClientEvent, code: string, message: string, param?: string | null): void;
  responses: ResponseTracker;
  items: ItemStore;
  settings: { get(): SessionSettings; set(settings: SessionSettings): void };
  input: { get(): InputAudio; set(state: InputAudio): void };
  session: {
    pushAudio(audio: Uint8Array, sampleRateHz: number): void;
    stopSpeaking(): void;
    matches(state: DialogState): boolean;
  };
  /** The output format changed: the sink plays at this rate. */
  setOutputRate(sampleRateHz: number): void;
}

export type ClientEventHandlers = { [T in ClientEvent['type']]: (event: Extract<ClientEvent, { type: T }>) => void };

export function clientEventHandlers(deps: ClientEventDeps): ClientEventHandlers {
  const { send, publish, failFor } = deps;
  return {
    'session.update': (event) => {
      const applied = applySessionUpdate(deps.settings.get(), event.session);
      deps.settings.set(applied.settings);
      if (applied.outputFormatChanged) deps.setOutputRate(sampleRateOf(applied.settings.outputFormat));
      if (applied.configure) publish({ type: 'control.configure', ...applied.configure });
      send({ type: 'session.updated', session: sessionObject(deps.sessionId, applied.settings) });
    },
    'input_audio_buffer.append': (event) => append(deps, event),
    'input_audio_buffer.commit': (event) => {
      if (deps.settings.get().turnDetection === null && deps.input.get().sinceCommitBytes === 0) {
        return failFor(
          event,
          'input_audio_buffer_commit_empty',
          'the input audio buffer is empty: append audio before committing',
        );
      }
      deps.input.set(bufferEmptied(deps.input.get()));
      publish({ type: 'audio.commit' });
    },
    'input_audio_buffer.clear': () => {
      deps.input.set(bufferEmptied(deps.input.get()));
      publish({ type: 'audio.discard' });
      send({ type: 'input_audio_buffer.cleared' });
    },
    'conversation.item.create': (event) => {
      const item = event.item;
      const after = event.previous_item_id === 'root' ? null : (event.previous_item_id ?? undefined);
      if (typeof after === 'string' && !deps.items.has(after))
        return failFor(
          event,
          'invalid_previous_item_id',
          `no item "${after.slice(0, 64)}" in this conversation: name an item it holds, or leave previous_item_id out`,
          'previous_item_id',
        );
      if (item.id !== undefined && deps.items.has(item.id))
        return failFor(
          event,
          'item_already_exists',
          `the conversation holds an item "${item.id}" already: give the new item another id`,
          'item.id',
        );
      if (item.type === 'function_call_output')
        return deps.dispatch({
          type: 'function_output',
          id: item.id,
          callId: item.call_id,
          output: item.output,
          after,
        });
      const text = item.content.flatMap((c) => (c.type === 'input_text' ? [c.text] : [])).join('\n');
      if (!text)
        return failFor(
          event,
          'invalid_item',
          'only user messages with input_text content can be created: speak through input_audio_buffer.append',
          'item.content',
        );
      deps.dispatch({ type: 'user_text', id: item.id, text, after });
    },
    'conversation.item.retrieve': (event) => {
      const item = deps.items.get(event.item_id);
      if (!item)
        return failFor(
          event,
          'item_not_found',
          `no item "${event.item_id.slice(0, 64)}" in this conversation`,
          'item_id',
        );
      send({ type: 'conversation.item.retrieved', item });
    },
    'conversation.item.delete': (event) => {
      if (!deps.items.remove(event.item_id))
        return failFor(
          event,
          'item_not_found',
          `no item "${event.item_id.slice(0, 64)}" in this conversation`,
          'item_id',
        );
      send({ type: 'conversation.item.deleted', item_id: event.item_id });
    },
    'response.create': (event) =>
      deps.dispatch({
        type: 'response_create',
        responseActive: deps.responses.active(),
        dialogIdle: deps.session.matches(DialogState.idle),
        request: event.response,
      }),
    'response.cancel': (event) => {
      if (!deps.responses.active()) {
        // A client cancels at speech_started, as the server ends the response it cut for that speech: nothing left to
        // do.
        if (deps.responses.cutByTurnDetection()) return;
        return failFor(event, 'response_cancel_not_active', 'there is no response in progress to cancel');
      }
      deps.session.stopSpeaking();
    },
    'conversation.item.truncate': (event) => {
      const turnId = deps.responses.turnOfItem(event.item_id);
      if (turnId === undefined)
        return failFor(
          event,
          'item_truncate_invalid_item_id',
          `no assistant audio item "${event.item_id.slice(0, 64)}" in this conversation`,
          'item_id',
        );
      // Applied once the reply's playback has ended (the chart truncates what was played): a truncate sent
      // while it still plays, e.g. at speech_started, waits for the cut instead of being lost.
      deps.responses.whenEnded(turnId, () => {
        // Clamped to the audio sent: the client cannot have played more.
        const audioEndMs = Math.min(event.audio_end_ms, Math.floor(deps.responses.audioSentMs(turnId)));
        publish({ type: 'control.truncate', turnId, audioEndMs });
        deps.responses.truncate(turnId, audioEndMs);
        send({
          type: 'conversation.item.truncated',
          item_id: event.item_id,
          content_index: event.content_index,
          audio_end_ms: audioEndMs,
        });
      });
    },
    'voice_agent.estop': () => publish({ type: 'control.estop' }),
    // Push-to-talk (`session.activation`): the page's Space key, a client's button.
    'voice_agent.input_audio.listen': (event) => publish({ type: 'control.listen', open: event.open }),
  };
}

/** One microphone append: checked, taken from the audio budget, decoded to s16le and pushed to the session. */
function append(deps: ClientEventDeps, event: Extract<ClientEvent, { type: 'input_audio_buffer.append' }>): void {
  const bytes = decodeBase64Strict(event.audio);
  if (!bytes) return deps.failFor(event, 'invalid_audio', 'audio must be base64', 'audio');
  if (bytes.byteLength === 0) return;
  const format = deps.settings.get().inputFormat;
  const pcm16 = format.type === 'audio/pcm';
  if (pcm16 && bytes.byteLength % 2 !== 0)
    return deps.failFor(event, 'invalid_audio', 'audio/pcm must be 16-bit samples (an even number of bytes)', 'audio');
  const rate = sampleRateOf(format);
  const seconds = (pcm16 ? bytes.byteLength / 2 : bytes.byteLength) / rate;
  const taken = appendAudio(deps.input.get(), {
    nowMs: deps.nowMs(),
    bytes: bytes.byteLength,
    seconds,
    maxAudioSecondsPerSecond: deps.maxAudioSecondsPerSecond,
  });
  deps.input.set(taken.state);
  if (taken.verdict === 'dropped_first') {
    return deps.failFor(
      event,
      'rate_limited',
      `audio arrives faster than ${deps.maxAudioSecondsPerSecond}× real time: this audio was dropped; send at ` +
        `the pace it is recorded`,
    );
  }
  if (taken.verdict === 'dropped') return;
  deps.session.pushAudio(pcm16 ? bytes : decodeG711(format.type === 'audio/pcmu' ? 'pcmu' : 'pcma', bytes), rate);
}
