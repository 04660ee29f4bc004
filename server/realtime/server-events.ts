/**
 * Every event this server sends a Realtime client, as one zod union beside the client events of `protocol.ts`: the
 * OpenAI Realtime (GA) events it implements and its own `voice_agent.*` events, each with exactly its top-level fields.
 * With `setStrictChecks` (bus/strict-checks.ts) every event sent is checked against it (`checkServerEvent`);
 * docs/server.md's event table and the page's shapes (web/realtime-events.js) are checked against it by
 * test/server/realtime-server-events.test.ts.
 *
 * @example
 * ```ts
 * const problem = checkServerEvent({ type: 'input_audio_buffer.cleared', event_id: 'evt_1' }); // undefined: valid
 * ```
 */
import { z } from 'zod';
import { NoticeSchema } from '../../bus/notice-schema.js';
import { NOTICE_CODES } from '../../bus/notices.js';
import { parseSessionState } from '../../machines/states.js';
import { ACTION_STATUSES } from './action-events.js';

const id = z.string();
const nullableString = z.string().nullable();

const ItemSchema = z
  .object({
    id,
    object: z.literal('realtime.item'),
    type: z.enum(['message', 'function_call', 'function_call_output']),
    status: z.enum(['in_progress', 'completed', 'incomplete']),
    role: z.enum(['user', 'assistant']).optional(),
    content: z
      .array(
        z
          .object({
            type: z.enum(['input_text', 'input_audio', 'output_audio']),
            text: z.string().optional(),
            transcript: nullableString.optional(),
          })
          .strict(),
      )
      .optional(),
    call_id: z.string().optional(),
    name: z.string().optional(),
    arguments: z.string().optional(),
    output: z.string().optional(),
  })
  .strict();

const FormatSchema = z
  .object({ type: z.enum(['audio/pcm', 'audio/pcmu', 'audio/pcma']), rate: z.number().optional() })
  .strict();
const SessionSchema = z
  .object({
    type: z.literal('realtime'),
    object: z.literal('realtime.session'),
    id,
    model: z.string(),
    output_modalities: z.array(z.literal('audio')),
    instructions: z.string(),
    audio: z.object({
      input: z.object({
        format: FormatSchema,
        turn_detection: z.record(z.string(), z.unknown()).nullable(),
        transcription: z.object({ model: z.string(), language: z.string().nullable(), prompt: z.string() }).strict(),
        noise_reduction: z.unknown(),
      }),
      output: z.object({ format: FormatSchema, voice: z.string(), speed: z.number() }),
    }),
    tools: z.array(
      z
        .object({
          type: z.literal('function'),
          name: z.string(),
          description: z.string(),
          parameters: z.record(z.string(), z.unknown()),
        })
        .strict(),
    ),
    tool_choice: z.union([z.string(), z.object({ type: z.literal('function'), name: z.string() })]),
    max_output_tokens: z.literal('inf'),
    voice_agent: z.object({ lip_sync: z.boolean() }),
  })
  .strict();

const ResponseSchema = z
  .object({
    object: z.literal('realtime.response'),
    id,
    status: z.enum(['in_progress', 'completed', 'cancelled', 'failed', 'incomplete']),
    output: z.array(ItemSchema),
    conversation_id: z.null(),
    output_modalities: z.array(z.literal('audio')),
    status_details: z.object({ type: z.string(), reason: z.string() }).nullable().optional(),
    metadata: z.record(z.string(), z.string()).nullable(),
  })
  .strict();

/** The ids of an event about the reply's audio content part. */
const part = { response_id: id, item_id: id, output_index: z.number().int(), content_index: z.number().int() };
const audioPart = z.object({ type: z.literal('audio'), transcript: z.string() }).strict();
const ms = z.number();

const event = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ type: z.literal(type), event_id: id, ...shape }).strict();

export const ServerEventSchema = z.discriminatedUnion('type', [
  event('session.created', { session: SessionSchema }),
  event('session.updated', { session: SessionSchema }),
  event('input_audio_buffer.speech_started', { audio_start_ms: ms, item_id: id }),
  event('input_audio_buffer.speech_stopped', { audio_end_ms: ms, item_id: id }),
  event('input_audio_buffer.committed', { previous_item_id: nullableString, item_id: id }),
  event('input_audio_buffer.cleared', {}),
  event('conversation.item.added', { previous_item_id: nullableString, item: ItemSchema }),
  event('conversation.item.done', { previous_item_id: nullableString, item: ItemSchema }),
  event('conversation.item.input_audio_transcription.completed', {
    item_id: id,
    content_index: z.number().int(),
    transcript: z.string(),
  }),
  event('conversation.item.truncated', { item_id: id, content_index: z.number().int(), audio_end_ms: ms }),
  event('conversation.item.retrieved', { item: ItemSchema }),
  event('conversation.item.deleted', { item_id: id }),
  event('response.created', { response: ResponseSchema }),
  event('response.done', { response: ResponseSchema }),
  event('response.output_item.added', { response_id: id, output_index: z.number().int(), item: ItemSchema }),
  event('response.output_item.done', { response_id: id, output_index: z.number().int(), item: ItemSchema }),
  event('response.content_part.added', { ...part, part: audioPart }),
  event('response.content_part.done', { ...part, part: audioPart }),
  event('response.output_audio.delta', { ...part, delta: z.string() }),
  event('response.output_audio.done', part),
  event('response.output_audio_transcript.delta', { ...part, delta: z.string() }),
  event('response.output_audio_transcript.done', { ...part, transcript: z.string() }),
  event('response.function_call_arguments.delta', {
    response_id: id,
    item_id: id,
    output_index: z.number().int(),
    call_id: id,
    delta: z.string(),
  }),
  event('response.function_call_arguments.done', {
    response_id: id,
    item_id: id,
    output_index: z.number().int(),
    call_id: id,
    name: z.string(),
    arguments: z.string(),
  }),
  event('error', {
    error: z
      .object({
        type: z.string(),
        code: nullableString,
        message: z.string(),
        param: nullableString,
        event_id: nullableString,
      })
      .strict(),
  }),
  /**
   * `value`: a published session state (`speaking.reply.playing+user.silent`), as `splitSessionState` reads it back.
   */
  event('voice_agent.session.state', {
    value: z.string().refine((v) => parseSessionState(v) !== undefined, 'not a session state value'),
    cause: z.string(),
    turn_id: id,
  }),
  event('voice_agent.turn.latency', {
    turn_id: id,
    item_id: id,
    response_id: id,
    words: nullableString,
    heard: nullableString,
    from: z.enum(['voice_end', 'speech_end', 'request']),
    end_of_turn_ms: ms.nullable(),
    transcript_ms: ms.nullable(),
    first_token_ms: ms.nullable(),
    first_clause_ms: ms.nullable(),
    first_audio_ms: ms.nullable(),
    end_ms: ms.nullable(),
    outcome: z.enum(['finished', 'interrupted', 'failed']).nullable(),
    reason: nullableString,
  }),
  event('voice_agent.output_audio.mouth', { ...part, level: z.number().min(0).max(1), viseme: nullableString }),
  event('voice_agent.conversation.item.heard', { response_id: id, item_id: id, transcript: z.string() }),
  event('voice_agent.action', {
    action_id: id,
    name: z.string(),
    turn_id: id,
    status: z.enum(ACTION_STATUSES),
    call_id: nullableString,
    detail: z.unknown(),
  }),
  /** `notice`: the notice's typed fields as the bus has them (`reason`, `actionId`, …); `detail`: the same as text. */
  event('voice_agent.notice', { code: z.enum(NOTICE_CODES), detail: z.string(), turn_id: id, notice: NoticeSchema }),
]);

type WireEvent = z.infer<typeof ServerEventSchema>;
type WithoutEventId<T> = T extends unknown ? Omit<T, 'event_id'> : never;
/** A server event as the connection makes it; `event_id` is added when it is sent. */
export type ServerEvent = WithoutEventId<WireEvent>;
export type ServerEventType = ServerEvent['type'];
export type ServerEventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;

/** What is wrong with an event about to be sent, or `undefined` when it matches `ServerEventSchema`. */
export function checkServerEvent(candidate: unknown): string | undefined {
  const parsed = ServerEventSchema.safeParse(candidate);
  if (parsed.success) return undefined;
  const type =
    typeof candidate === 'object' && candidate !== null
      ? String((candidate as { type?: unknown }).type)
      : typeof candidate;
  return `${type}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ')}`;
}
