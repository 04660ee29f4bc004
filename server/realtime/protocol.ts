/**
 * The OpenAI Realtime (GA) client events this server understands, as zod schemas: every event from the
 * network is parsed here before anything acts on it. Unknown fields are tolerated (clients send the whole
 * session object back), unknown event types and wrong types are errors that name the event. The events
 * the server sends are `ServerEventSchema` (server-events.ts).
 *
 * @example
 * ```ts
 * const parsed = parseClientEvent('{"type":"input_audio_buffer.commit"}');
 * if (parsed.ok) parsed.event.type; // 'input_audio_buffer.commit'
 * else parsed.error.message;         // what was wrong, with the event_id when the client gave one
 * ```
 */
import { z } from 'zod';
import { NoiseReductionSchema } from './noise-reduction.js';

/** Why 128: client event ids are short tokens; the limit bounds what error events echo back. */
const MAX_EVENT_ID_LENGTH = 128;
const eventId = z.string().max(MAX_EVENT_ID_LENGTH).optional();

export const AudioFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('audio/pcm'), rate: z.literal(24_000).default(24_000) }),
  z.object({ type: z.literal('audio/pcmu') }),
  z.object({ type: z.literal('audio/pcma') }),
]);
export type AudioFormat = z.infer<typeof AudioFormatSchema>;

/** `semantic_vad` is taken as `server_vad` (our VAD and hangover; `eagerness` has no equivalent here). */
const TurnDetectionSchema = z
  .object({
    type: z.enum(['server_vad', 'semantic_vad']),
    eagerness: z.enum(['low', 'medium', 'high', 'auto']).optional(),
    threshold: z.number().min(0).max(1).optional(),
    prefix_padding_ms: z.number().int().min(0).max(5_000).optional(),
    silence_duration_ms: z.number().int().min(20).max(10_000).optional(),
    create_response: z.boolean().optional(),
    interrupt_response: z.boolean().optional(),
  })
  .nullable();
export type RealtimeTurnDetection = NonNullable<z.infer<typeof TurnDetectionSchema>>;
export type SessionUpdate = z.infer<typeof SessionUpdateSchema>;

const toolName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a tool name is 1-64 characters of A-Z, a-z, 0-9, "_" or "-"');

/**
 * A function the client runs itself: offered to the LLM beside the declared actions (`strict` and the like are
 * tolerated).
 */
export const RealtimeToolSchema = z.object({
  type: z.literal('function'),
  name: toolName,
  description: z.string().max(4_000).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});
export type RealtimeTool = z.infer<typeof RealtimeToolSchema>;
export const RealtimeToolChoiceSchema = z.union([
  z.enum(['auto', 'none', 'required']),
  z.object({ type: z.literal('function'), name: toolName }),
]);
export type RealtimeToolChoice = z.infer<typeof RealtimeToolChoiceSchema>;

export const SessionUpdateSchema = z.object({
  type: z.literal('realtime').optional(),
  instructions: z.string().min(1).max(20_000).optional(),
  output_modalities: z.array(z.enum(['audio', 'text'])).optional(),
  audio: z
    .object({
      input: z
        .object({
          format: AudioFormatSchema.optional(),
          turn_detection: TurnDetectionSchema.optional(),
          noise_reduction: NoiseReductionSchema.optional(),
        })
        .optional(),
      output: z
        .object({ format: AudioFormatSchema.optional(), voice: z.string().min(1).max(200).optional() })
        .optional(),
    })
    .optional(),
  tools: z.array(RealtimeToolSchema).max(128).optional(),
  tool_choice: RealtimeToolChoiceSchema.optional(),
  /** The beta session shape's `noise_reduction` (see noise-reduction.ts). */
  input_audio_noise_reduction: NoiseReductionSchema.optional(),
  /** This server's own settings (OpenAI's server would reject the field; clients of ours opt in here). */
  voice_agent: z
    .object({
      /** Send `voice_agent.output_audio.mouth` (mouth level 0-1 and viseme) before every audio delta. */
      lip_sync: z.boolean().optional(),
    })
    .strict()
    .optional(),
});

const userContent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('input_text'), text: z.string().min(1).max(10_000) }),
  z.object({ type: z.literal('input_audio'), audio: z.string().optional(), transcript: z.string().optional() }),
]);

const ItemSchema = z.discriminatedUnion('type', [
  z.object({
    id: z.string().max(64).optional(),
    type: z.literal('message'),
    role: z.literal('user'),
    content: z.array(userContent).min(1).max(32),
  }),
  /** A tool's result, sent back by a client that ran a function call it was given. */
  z.object({
    id: z.string().max(64).optional(),
    type: z.literal('function_call_output'),
    call_id: z.string().min(1).max(128),
    output: z.string().max(100_000),
  }),
]);

/**
 * What a `response.create` may ask for: `metadata` comes back on the response's events (clients match
 * their requests by it), `instructions` are added to the system prompt for this response, `conversation:
 * "none"` keeps the response out of the conversation; other fields
 * (`output_modalities`, `tools`, …) are tolerated and the session's own are used.
 */
export const ResponseRequestSchema = z
  .object({
    metadata: z.record(z.string().max(64), z.string().max(512)).nullable().optional(),
    instructions: z.string().min(1).max(20_000).optional(),
    /** `auto` (the default): the response joins the conversation; `none`: an out-of-band response, kept out of it. */
    conversation: z.enum(['auto', 'none']).optional(),
  })
  .passthrough();
export type ResponseRequest = z.infer<typeof ResponseRequestSchema>;

export const ClientEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session.update'), event_id: eventId, session: SessionUpdateSchema }),
  z.object({ type: z.literal('input_audio_buffer.append'), event_id: eventId, audio: z.string() }),
  z.object({ type: z.literal('input_audio_buffer.commit'), event_id: eventId }),
  z.object({ type: z.literal('input_audio_buffer.clear'), event_id: eventId }),
  /** voice-agent's own: open or close the microphone (`session.activation` push-to-talk; `control.listen`). */
  z.object({ type: z.literal('voice_agent.input_audio.listen'), event_id: eventId, open: z.boolean() }),
  z.object({
    type: z.literal('conversation.item.create'),
    event_id: eventId,
    previous_item_id: z.string().nullable().optional(),
    item: ItemSchema,
  }),
  z.object({
    type: z.literal('conversation.item.truncate'),
    event_id: eventId,
    item_id: z.string().max(64),
    content_index: z.number().int().min(0),
    audio_end_ms: z.number().int().min(0),
  }),
  z.object({ type: z.literal('conversation.item.retrieve'), event_id: eventId, item_id: z.string().max(64) }),
  z.object({ type: z.literal('conversation.item.delete'), event_id: eventId, item_id: z.string().max(64) }),
  z.object({ type: z.literal('response.create'), event_id: eventId, response: ResponseRequestSchema.optional() }),
  z.object({ type: z.literal('response.cancel'), event_id: eventId, response_id: z.string().optional() }),
  /** This server's own: the emergency stop (a client's button): playback cleared, every action cancelled. */
  z.object({ type: z.literal('voice_agent.estop'), event_id: eventId }),
]);
export type ClientEvent = z.infer<typeof ClientEventSchema>;

/** Events the OpenAI API knows that this server does not implement: answered with a clear error. */
const KNOWN_UNSUPPORTED = new Set(['output_audio_buffer.clear', 'transcription_session.update']);

export interface ProtocolError {
  /** `invalid_json`, `invalid_event`, `unknown_event`, `unsupported_event`. */
  code: string;
  message: string;
  event_id: string | null;
  param: string | null;
}

export type ParsedClientEvent = { ok: true; event: ClientEvent } | { ok: false; error: ProtocolError };

/** One message's text as a client event, or the error that says what was wrong with it. */
export function parseClientEvent(text: string): ParsedClientEvent {
  const json = parseJson(text);
  if (!json.ok) return json;
  const raw = json.value;
  const append = asAppend(raw);
  if (append) return { ok: true, event: append };
  const id = eventIdOf(raw);
  const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  if (typeof type !== 'string')
    return refused('invalid_event', 'the event has no "type": see the Realtime client events', id, 'type');
  if (KNOWN_UNSUPPORTED.has(type))
    return refused('unsupported_event', `"${type.slice(0, 64)}" is not supported by this server`, id, 'type');
  const parsed = ClientEventSchema.safeParse(raw);
  if (parsed.success) return { ok: true, event: parsed.data };
  return schemaRefusal(type, id, parsed.error.issues[0]!);
}

/** A refused event: the error the client gets, with its `event_id` when it gave one. */
function refused(code: string, message: string, eventId: string | null, param: string | null): ParsedClientEvent {
  return { ok: false, error: { code, message, event_id: eventId, param } };
}

/** The message's JSON, or the `invalid_json` refusal. */
function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: ProtocolError } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (cause) {
    const message = `the event is not JSON (${(cause as Error).message}): send one JSON object per message`;
    return { ok: false, error: { code: 'invalid_json', message, event_id: null, param: null } };
  }
}

/** The client's `event_id`, cut to {@link MAX_EVENT_ID_LENGTH} for echoing back; `null` if it gave none. */
function eventIdOf(raw: unknown): string | null {
  return typeof raw === 'object' && raw !== null && typeof (raw as { event_id?: unknown }).event_id === 'string'
    ? (raw as { event_id: string }).event_id.slice(0, MAX_EVENT_ID_LENGTH)
    : null;
}

/** The schema's first issue as the refusal: an unknown `type`, or the field that is wrong. */
function schemaRefusal(type: string, id: string | null, issue: z.ZodError['issues'][number]): ParsedClientEvent {
  if (issue.code === 'invalid_union' && issue.path.length === 1 && issue.path[0] === 'type')
    return refused('unknown_event', `unknown event type "${type.slice(0, 64)}"`, id, 'type');
  const param = issue.path.join('.') || null;
  return refused('invalid_event', `invalid ${type.slice(0, 64)}: ${param ?? '(event)'}: ${issue.message}`, id, param);
}

type AppendEvent = Extract<ClientEvent, { type: 'input_audio_buffer.append' }>;

/**
 * The microphone's append, 50 times a second per client, checked by hand: exactly what the schema's
 * `input_audio_buffer.append` accepts (a string `audio`, an optional `event_id` of at most
 * `MAX_EVENT_ID_LENGTH` characters, unknown fields dropped), without building zod's result and issue
 * objects. Anything else, including an append the schema would reject, goes through the schema and gets
 * its error from there.
 */
function asAppend(raw: unknown): AppendEvent | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { type, audio, event_id } = raw as { type?: unknown; audio?: unknown; event_id?: unknown };
  if (type !== 'input_audio_buffer.append' || typeof audio !== 'string') return undefined;
  if (event_id === undefined) return { type, audio };
  return typeof event_id === 'string' && event_id.length <= MAX_EVENT_ID_LENGTH ? { type, event_id, audio } : undefined;
}

const EQUALS = 0x3d;

/**
 * Strict base64 (`A-Z a-z 0-9 + /`, padded to a multiple of 4), decoded; `undefined` for anything else.
 * Node's decoder silently skips bad characters, takes the URL-safe `-` and `_`, and stops at a `=` inside
 * the text, so anything but strict base64 decodes to fewer bytes than its length promises, or holds one
 * of those two characters: checking that costs a quarter of the regular expression it replaces, which ran
 * over every microphone append (1,280 characters, 50 times a second per client).
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  const length = text.length;
  if (length % 4 !== 0) return undefined;
  // A view of the decoded bytes, not a second copy (small ones share Node's pool, as the bus's copies do).
  const bytes = Buffer.from(text, 'base64');
  const padding =
    length === 0 || text.charCodeAt(length - 1) !== EQUALS ? 0 : text.charCodeAt(length - 2) === EQUALS ? 2 : 1;
  if (bytes.byteLength !== (length / 4) * 3 - padding || text.indexOf('-') !== -1 || text.indexOf('_') !== -1)
    return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
