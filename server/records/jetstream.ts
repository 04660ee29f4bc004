/**
 * The JetStream operations the outbox needs, on `@nats-io/jetstream`, with errors that say what to
 * change: make sure the stream exists and takes our subjects, publish with a message id and wait for the
 * acknowledgement, and read a stream's state and stored messages (for consumers without a JetStream
 * client of their own, and the tests).
 *
 * @example
 * ```ts
 * await ensureStream(nc, { name: 'VA_TURNS', subjects: ['va.*.record.turn'], duplicateWindowMs: 3_600_000 });
 * const ack = await publishWithAck(nc, 'va.s1.record.turn', payload, 'r1.t1');
 * ack; // { stream: 'VA_TURNS', seq: 1, duplicate: false }
 * ```
 */
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';

/** A JetStream request failed; the message says what to change. */
export class JetStreamError extends Error {
  override name = 'JetStreamError';
}

/** Why 5 s: a JetStream API call answers in milliseconds; this long means the server is gone or overloaded. */
export const JETSTREAM_REQUEST_TIMEOUT_MS = 5000;

const manager = (nc: NatsConnection) =>
  jetstreamManager(nc, { timeout: JETSTREAM_REQUEST_TIMEOUT_MS, checkAPI: false });
const isStreamNotFound = (error: unknown) =>
  error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound;
/**
 * The client's "no responders" error: JetStream is off, or (for a publish) no stream takes the subject. Not exported by
 * the package, so matched by name.
 */
const isNoJetStream = (error: unknown) => (error as { name?: unknown } | null)?.name === 'JetStreamNotEnabled';

export interface StreamSpec {
  name: string;
  subjects: string[];
  /** How long JetStream remembers message ids to drop a second copy. */
  duplicateWindowMs: number;
}

/** Creates the stream if it does not exist; checks that an existing one takes our subjects. */
export async function ensureStream(nc: NatsConnection, spec: StreamSpec): Promise<void> {
  const jsm = await manager(nc);
  let subjects: string[];
  try {
    subjects = (await jsm.streams.info(spec.name)).config.subjects ?? [];
  } catch (error) {
    if (isNoJetStream(error)) {
      throw new JetStreamError(
        `JetStream is not enabled on this NATS server: start nats-server with -js (and a store ` + `dir, -sd)`,
        { cause: error },
      );
    }
    if (!isStreamNotFound(error)) throw error;
    await jsm.streams.add({
      name: spec.name,
      subjects: spec.subjects,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      num_replicas: 1,
      duplicate_window: nanos(spec.duplicateWindowMs),
    });
    return;
  }
  const missing = spec.subjects.filter((s) => !subjects.includes(s));
  if (missing.length > 0) {
    throw new JetStreamError(
      `JetStream stream ${spec.name} exists but does not take ${missing.join(', ')}: add the subjects to it ` +
        `(nats stream edit ${spec.name}) or set record.outbox.stream to another name`,
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
export async function publishWithAck(
  nc: NatsConnection,
  subject: string,
  payload: Uint8Array,
  msgId: string,
  timeoutMs = JETSTREAM_REQUEST_TIMEOUT_MS,
): Promise<PubAck> {
  try {
    const ack = await jetstream(nc).publish(subject, payload, { msgID: msgId, timeout: timeoutMs });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  } catch (error) {
    if (isNoJetStream(error)) {
      throw new JetStreamError(
        `no JetStream stream takes ${subject}: create one (the relay does so when it connects) or check ` +
          `record.outbox.stream`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

/** How many messages a stream holds, and its sequence range; undefined when it does not exist. */
export async function streamState(
  nc: NatsConnection,
  name: string,
): Promise<{ messages: number; firstSeq: number; lastSeq: number } | undefined> {
  try {
    const { state } = await (await manager(nc)).streams.info(name);
    return { messages: state.messages, firstSeq: state.first_seq, lastSeq: state.last_seq };
  } catch (error) {
    if (isStreamNotFound(error)) return undefined;
    throw error;
  }
}

export interface StoredMessage {
  subject: string;
  seq: number;
  data: Uint8Array;
  /** The message's `Nats-Msg-Id` header, if it had one. */
  msgId: string | undefined;
}

/** Reads one stored message by sequence number; undefined when there is none. */
export async function getStoredMessage(
  nc: NatsConnection,
  name: string,
  seq: number,
): Promise<StoredMessage | undefined> {
  const message = await (await manager(nc)).streams.getMessage(name, { seq });
  if (!message) return undefined;
  const msgId = message.header?.get('Nats-Msg-Id') || undefined;
  return { subject: message.subject, seq: message.seq, data: message.data, msgId };
}
