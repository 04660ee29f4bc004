// @ts-check
/**
 * The server events the page acts on, checked field by field before use: an event that does not have
 * the shape its type promises is dropped (and counted), never half-handled. Other event types pass as
 * `{type}` only, for the event log. The full list is in docs/server.md; the server's union
 * (`ServerEventSchema`, server/realtime/server-events.ts) is the reference, and a test holds these shapes to it.
 *
 * @example
 * const event = parseServerEvent(messageEvent.data);
 * if (event?.type === 'response.output_audio.delta') speaker.enqueue(event.delta, …);
 */

/**
 * @typedef {{type: 'input_audio_buffer.speech_started', item_id: string}
 *   | {type: 'input_audio_buffer.speech_stopped', item_id: string, audio_end_ms: number}
 *   | {type: 'session.created', session: {id: string}}
 *   | {type: 'conversation.item.input_audio_transcription.completed', item_id: string, transcript: string}
 *   | {type: 'response.created', response: {id: string}}
 *   | {type: 'response.output_audio_transcript.delta', response_id: string, item_id: string, delta: string}
 *   | {type: 'voice_agent.output_audio.mouth', response_id: string, item_id: string, level: number, viseme: string |
 *   null}
 *   | {type: 'response.output_audio.delta', response_id: string, item_id: string, delta: string}
 *   | {type: 'response.output_audio.done', response_id: string, item_id: string}
 *   | {type: 'response.done', response: {id: string, status: string, status_details: {reason?: string} | null}}
 *   | {type: 'voice_agent.conversation.item.heard', response_id: string, item_id: string, transcript: string}
 *   | {type: 'voice_agent.session.state', value: string, cause: string, turn_id: string}
 *   | {type: 'voice_agent.action', action_id: string, name: string, turn_id: string, status: 'requested' | 'accepted' |
 *   'rejected' | 'feedback' | 'result' | 'failed' | 'cancelled', call_id: string | null, detail: unknown}
 *   | {type: 'voice_agent.notice', code: string, detail: string, turn_id: string}
 *   | ({type: 'voice_agent.turn.latency'} & TurnLatencyEvent)
 *   | {type: 'error', error: {code: string | null, message: string}}
 * } KnownEvent
 */
/** @typedef {KnownEvent | {type: 'other', name: string}} ServerEvent */
/**
 * One turn's figures as the server computes them for the inspector and `/metrics` too: ms from the user's
 * end of speech (`from`), null where not reached.
 * @typedef {object} TurnLatencyEvent
 * @property {string} turn_id
 * @property {string} item_id the user's item
 * @property {string} response_id
 * @property {string | null} words
 * @property {string | null} heard
 * @property {'voice_end' | 'speech_end' | 'request'} from
 * @property {number | null} end_of_turn_ms
 * @property {number | null} transcript_ms
 * @property {number | null} first_token_ms
 * @property {number | null} first_clause_ms
 * @property {number | null} first_audio_ms
 * @property {number | null} end_ms
 * @property {'finished' | 'interrupted' | 'failed' | null} outcome
 * @property {string | null} reason
 */

/**
 * Field → expected `typeof` for each event type the page handles (exported for the test that checks them against the
 * server).
 */
export const SHAPES = /** @type {Record<KnownEvent['type'], Record<string, string>>} */ ({
  'input_audio_buffer.speech_started': { item_id: 'string' },
  'input_audio_buffer.speech_stopped': { item_id: 'string', audio_end_ms: 'number' },
  'session.created': { session: 'object', 'session.id': 'string' },
  'conversation.item.input_audio_transcription.completed': { item_id: 'string', transcript: 'string' },
  'response.created': { response: 'object', 'response.id': 'string' },
  'response.output_audio_transcript.delta': { response_id: 'string', item_id: 'string', delta: 'string' },
  'voice_agent.output_audio.mouth': { response_id: 'string', item_id: 'string', level: 'number' },
  'response.output_audio.delta': { response_id: 'string', item_id: 'string', delta: 'string' },
  'response.output_audio.done': { response_id: 'string', item_id: 'string' },
  'response.done': { response: 'object', 'response.id': 'string', 'response.status': 'string' },
  'voice_agent.conversation.item.heard': { response_id: 'string', item_id: 'string', transcript: 'string' },
  'voice_agent.session.state': { value: 'string', cause: 'string', turn_id: 'string' },
  'voice_agent.action': { action_id: 'string', name: 'string', turn_id: 'string', status: 'string' },
  'voice_agent.notice': { code: 'string', detail: 'string', turn_id: 'string' },
  'voice_agent.turn.latency': { turn_id: 'string', item_id: 'string', response_id: 'string', from: 'string' },
  error: { error: 'object', 'error.message': 'string' },
});

/**
 * @param {unknown} data a WebSocket message's data
 * @returns {ServerEvent | null} null when it is not a JSON event or lacks its type's fields
 */
export function parseServerEvent(data) {
  if (typeof data !== 'string') return null;
  let raw;
  try {
    raw = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null || typeof raw.type !== 'string') return null;
  const shape = Object.hasOwn(SHAPES, raw.type) ? SHAPES[/** @type {KnownEvent['type']} */ (raw.type)] : undefined;
  if (!shape) return { type: 'other', name: raw.type };
  for (const [path, type] of Object.entries(shape)) {
    const value = path.split('.').reduce((v, key) => (typeof v === 'object' && v !== null ? v[key] : undefined), raw);
    if (typeof value !== type || value === null) return null;
  }
  if (raw.type === 'voice_agent.output_audio.mouth' && typeof raw.viseme !== 'string') raw.viseme = null;
  if (raw.type === 'response.done' && typeof raw.response.status_details !== 'object')
    raw.response.status_details = null;
  if (raw.type === 'voice_agent.action' && typeof raw.call_id !== 'string') raw.call_id = null;
  return /** @type {KnownEvent} */ (raw);
}
