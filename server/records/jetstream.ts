/**
 * The few JetStream operations the outbox needs, spoken over a core NATS connection (the `$JS.API`
 * request subjects): `@nats-io/jetstream` is not among this project's dependencies, and a stream
 * check, an acknowledged publish and a message read are each one request. Replies are checked with zod.
 *
 * @example
 * ```ts
 * await ensureStream(nc, { name: 'VA_TURNS', subjects: ['va.*.record.turn'], duplicateWindowMs: 3_600_000 });
 * const ack = await publishWithAck(nc, 'va.s1.record.turn', payload, 'r1.t1');
 * ack; // { stream: 'VA_TURNS', seq: 1, duplicate: false }
 * ```
 */
import { headers, NoRespondersError, type NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';

/** A JetStream request failed; the message says what to change. */
export class JetStreamError extends Error {
  override name = 'JetStreamError';
}

/** Why 5 s: a JetStream API call answers in milliseconds; this long means the server is gone or overloaded. */
export const JETSTREAM_REQUEST_TIMEOUT_MS = 5000;

const ApiErrorSchema = z.object({ code: z.number(), err_code: z.number().optional(), description: z.string().optional() }).passthrough();
const StreamInfoSchema = z
  .object({
    error: ApiErrorSchema.optional(),
    config: z.object({ name: z.string(), subjects: z.array(z.string()).optional() }).passthrough().optional(),
    state: z.object({ messages: z.number(), first_seq: z.number(), last_seq: z.number() }).passthrough().optional(),
  })
  .passthrough();
const PubAckSchema = z
  .object({ error: ApiErrorSchema.optional(), stream: z.string().optional(), seq: z.number().optional(), duplicate: z.boolean().optional() })
  .passthrough();
const StoredMessageSchema = z
  .object({
    error: ApiErrorSchema.optional(),
    message: z.object({ subject: z.string(), seq: z.number(), data: z.string().optional(), hdrs: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

/** JetStream's "stream not found" error code. */
const STREAM_NOT_FOUND = 10059;

async function api<S extends z.ZodType>(nc: NatsConnection, subject: string, body: unknown, schema: S): Promise<z.infer<S>> {
  let reply;
  try {
    reply = await nc.request(subject, body === undefined ? undefined : JSON.stringify(body), { timeout: JETSTREAM_REQUEST_TIMEOUT_MS });
  } catch (cause) {
    if (cause instanceof NoRespondersError || (cause as { cause?: unknown })?.cause instanceof NoRespondersError) {
      throw new JetStreamError(`JetStream is not enabled on this NATS server (no answer on ${subject}): start nats-server with -js (and a store dir, -sd)`, { cause });
    }
    throw cause;
  }
  const parsed = schema.safeParse(reply.json());
  if (!parsed.success) throw new JetStreamError(`unexpected JetStream reply on ${subject}: ${parsed.error.message}`, { cause: parsed.error });
  return parsed.data;
}

const describe = (e: z.infer<typeof ApiErrorSchema>) => `${e.description ?? 'error'} (code ${e.code}${e.err_code ? `, ${e.err_code}` : ''})`;

export interface StreamSpec {
  name: string;
  subjects: string[];
  /** How long JetStream remembers message ids to drop a second copy. */
  duplicateWindowMs: number;
}

/** Creates the stream if it does not exist; checks that an existing one takes our subjects. */
export async function ensureStream(nc: NatsConnection, spec: StreamSpec): Promise<void> {
  const info = await api(nc, `$JS.API.STREAM.INFO.${spec.name}`, undefined, StreamInfoSchema);
  if (info.error?.err_code === STREAM_NOT_FOUND || info.error?.code === 404) {
    const created = await api(
      nc,
      `$JS.API.STREAM.CREATE.${spec.name}`,
      {
        name: spec.name,
        subjects: spec.subjects,
        storage: 'file',
        retention: 'limits',
        discard: 'old',
        num_replicas: 1,
        duplicate_window: spec.duplicateWindowMs * 1_000_000,
      },
      StreamInfoSchema,
    );
    if (created.error) throw new JetStreamError(`could not create JetStream stream ${spec.name}: ${describe(created.error)}`);
    return;
  }
  if (info.error) throw new JetStreamError(`could not look up JetStream stream ${spec.name}: ${describe(info.error)}`);
  const missing = spec.subjects.filter((s) => !(info.config?.subjects ?? []).includes(s));
  if (missing.length > 0) {
    throw new JetStreamError(
      `JetStream stream ${spec.name} exists but does not take ${missing.join(', ')}: add the subjects to it (nats stream edit ${spec.name}) or set record.outbox.stream to another name`,
    );
  }
}

export interface PubAck {
  stream: string;
  seq: number;
  /** JetStream already had a message with this id (a retry after a lost ack): nothing was stored twice. */
  duplicate: boolean;
}

/** Publishes with a `Nats-Msg-Id` and waits for JetStream's acknowledgement (the message is stored). */
export async function publishWithAck(nc: NatsConnection, subject: string, payload: Uint8Array, msgId: string, timeoutMs = JETSTREAM_REQUEST_TIMEOUT_MS): Promise<PubAck> {
  const h = headers();
  h.set('Nats-Msg-Id', msgId);
  let reply;
  try {
    reply = await nc.request(subject, payload, { timeout: timeoutMs, headers: h });
  } catch (cause) {
    if (cause instanceof NoRespondersError || (cause as { cause?: unknown })?.cause instanceof NoRespondersError) {
      throw new JetStreamError(`no JetStream stream takes ${subject}: create one (the relay does so at start) or check record.outbox.stream`, { cause });
    }
    throw cause;
  }
  const ack = PubAckSchema.safeParse(reply.json());
  if (!ack.success) throw new JetStreamError(`unexpected JetStream acknowledgement for ${subject}: ${ack.error.message}`, { cause: ack.error });
  if (ack.data.error) throw new JetStreamError(`JetStream refused ${subject}: ${describe(ack.data.error)}`);
  if (ack.data.stream === undefined || ack.data.seq === undefined) throw new JetStreamError(`JetStream acknowledgement for ${subject} lacks stream and seq`);
  return { stream: ack.data.stream, seq: ack.data.seq, duplicate: ack.data.duplicate ?? false };
}

/** How many messages a stream holds, and its sequence range; undefined when it does not exist. */
export async function streamState(nc: NatsConnection, name: string): Promise<{ messages: number; firstSeq: number; lastSeq: number } | undefined> {
  const info = await api(nc, `$JS.API.STREAM.INFO.${name}`, undefined, StreamInfoSchema);
  if (info.error?.err_code === STREAM_NOT_FOUND || info.error?.code === 404) return undefined;
  if (info.error || !info.state) throw new JetStreamError(`could not look up JetStream stream ${name}: ${info.error ? describe(info.error) : 'no state'}`);
  return { messages: info.state.messages, firstSeq: info.state.first_seq, lastSeq: info.state.last_seq };
}

export interface StoredMessage {
  subject: string;
  seq: number;
  data: Uint8Array;
  /** The message's `Nats-Msg-Id` header, if it had one. */
  msgId: string | undefined;
}

/** Reads one stored message by sequence number (for consumers without a JetStream client, and the tests). */
export async function getStoredMessage(nc: NatsConnection, name: string, seq: number): Promise<StoredMessage | undefined> {
  const reply = await api(nc, `$JS.API.STREAM.MSG.GET.${name}`, { seq }, StoredMessageSchema);
  if (reply.error?.code === 404) return undefined;
  if (reply.error || !reply.message) throw new JetStreamError(`could not read message ${seq} of ${name}: ${reply.error ? describe(reply.error) : 'empty reply'}`);
  const hdrs = reply.message.hdrs ? Buffer.from(reply.message.hdrs, 'base64').toString('utf8') : '';
  const msgId = /^Nats-Msg-Id:\s*(.+?)\r?$/im.exec(hdrs)?.[1];
  return { subject: reply.message.subject, seq: reply.message.seq, data: new Uint8Array(Buffer.from(reply.message.data ?? '', 'base64')), msgId };
}
