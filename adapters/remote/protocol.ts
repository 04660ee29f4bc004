/**
 * The worker protocol: how a session uses an engine that runs in another process.
 *
 * A client publishes `<stage>.request` on the session's subjects (`va.<sessionId>.tts.request`);
 * workers subscribe to `va.*.<stage>.request` in the queue group `<stage>-workers`, so each request
 * reaches exactly one of them. The worker streams replies to the request's `replyTo` inbox subject:
 * `accepted`, then `chunk`s (TTS audio) / `token`s and `tool_call`s (LLM) / `text` (STT), a
 * `heartbeat` every {@link HEARTBEAT_MS} while it works, and `done` or `error`. A client that hears
 * nothing for its silence timeout treats the worker as dead and fails the request, which is what the
 * TTS actor's failover path (or the LLM actor's error path) acts on. Cancel: `<stage>.cancel` with the
 * requestId; every worker hears it and the one holding the request aborts it.
 */
import { z } from 'zod';
import { EngineError } from '../engine-error.js';

/** Why 250 ms: four beats inside the default 1 s silence timeout, cheap even with hundreds of requests. */
export const HEARTBEAT_MS = 250;
/** Why 1000 ms: a killed worker is noticed well inside a turn; a busy-but-alive one never misses 4 beats. */
export const DEFAULT_SILENCE_TIMEOUT_MS = 1000;

export type WorkerStage = 'tts' | 'llm' | 'stt';
export const WORKER_STAGES: readonly WorkerStage[] = ['tts', 'llm', 'stt'];

export const queueGroupFor = (stage: WorkerStage) => `${stage}-workers`;

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'audio must be bytes');

export const WorkerReplySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('accepted'), workerId: z.string() }),
  z.object({ kind: z.literal('heartbeat') }),
  z.object({ kind: z.literal('chunk'), seq: z.number().int().nonnegative(), audio: bytes }),
  z.object({ kind: z.literal('token'), text: z.string() }),
  z.object({ kind: z.literal('tool_call'), id: z.string(), name: z.string(), arguments: z.string() }),
  z.object({
    kind: z.literal('text'),
    text: z.string(),
    confidence: z.number().min(0).max(1).optional(),
    language: z.string().max(35).optional(),
  }),
  z.object({ kind: z.literal('done') }),
  z.object({ kind: z.literal('error'), message: z.string() }),
]);
export type WorkerReply = z.infer<typeof WorkerReplySchema>;

/** A remote request failed: the worker reported an error, went silent, or nobody serves the stage. */
export class WorkerError extends EngineError {
  override name = 'WorkerError';
  /** Another worker of the queue group may serve the retry. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
  }
}

/** Inbox for one request's replies; outside the session scheme on purpose (only the client reads it). */
export const replyInbox = (prefix: string, requestId: string) => `_INBOX.${prefix}.${requestId}`;
