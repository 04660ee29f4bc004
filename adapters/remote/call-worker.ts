/**
 * One remote request: publish it, then yield the worker's replies until `done`. Throws
 * {@link WorkerError} when the worker reports an error, when nobody accepts the request, or when the
 * worker goes silent (no reply or heartbeat for `silenceTimeoutMs`, e.g. its process was killed).
 * Aborting the signal publishes a cancel and ends the iteration.
 */
import { randomUUID } from 'node:crypto';
import { decodeMessage } from '../../bus/codec.js';
import type { MessageBus } from '../../bus/message-bus.js';
import type { Clock } from '../clock.js';
import type { ChatMessage, ToolChoice, ToolDefinition } from '../llm/types.js';
import { createChannel } from '../channel.js';
import {
  DEFAULT_SILENCE_TIMEOUT_MS,
  WorkerError,
  WorkerReplySchema,
  replyInbox,
  type WorkerReply,
  type WorkerStage,
} from './protocol.js';

export interface RemoteCallOptions {
  bus: MessageBus;
  clock: Clock;
  sessionId: string;
  stage: WorkerStage;
  signal: AbortSignal;
  silenceTimeoutMs?: number;
}

type RequestBody =
  | { stage: 'tts'; text: string; voice?: string; language?: string }
  | { stage: 'llm'; messages: ChatMessage[]; tools?: ToolDefinition[]; toolChoice?: ToolChoice }
  | { stage: 'stt'; sampleRateHz: number; language?: string; audio: Uint8Array };

export async function* callWorker(options: RemoteCallOptions, body: RequestBody): AsyncGenerator<WorkerReply> {
  const { bus, clock, sessionId, stage, signal } = options;
  const silenceMs = options.silenceTimeoutMs ?? DEFAULT_SILENCE_TIMEOUT_MS;
  const requestId = randomUUID().replace(/-/g, '');
  const replyTo = replyInbox(bus.prefix, requestId);
  const replies = createChannel<WorkerReply>();
  let accepted = false;
  let watchdog: unknown;

  const armWatchdog = () => {
    clock.clearTimeout(watchdog);
    watchdog = clock.setTimeout(() => {
      replies.fail(
        new WorkerError(
          accepted
            ? `${stage} worker went silent for ${silenceMs} ms (stopped or unreachable)`
            : `no ${stage} worker answered within ${silenceMs} ms: start one with \`voice-agent worker ${stage}\` ` +
                `on the same NATS server and prefix "${bus.prefix}"`,
        ),
      );
    }, silenceMs);
  };

  const sub = bus.transport.subscribe(replyTo, ({ data }) => {
    let reply: WorkerReply;
    try {
      reply = WorkerReplySchema.parse(decodeMessage(data, replyTo));
    } catch (error) {
      replies.fail(new WorkerError(`invalid reply from the ${stage} worker: ${(error as Error).message}`));
      return;
    }
    if (reply.kind === 'accepted') accepted = true;
    armWatchdog();
    replies.push(reply);
    if (reply.kind === 'done' || reply.kind === 'error') replies.close();
  });

  const onAbort = () => {
    bus.publish({ type: `${stage}.cancel`, sessionId, turnId: '-', requestId } as never);
    replies.close();
  };
  signal.addEventListener('abort', onAbort, { once: true });

  try {
    // The reply subscription must reach the server before the request, or a fast worker's first reply is lost.
    await bus.flush();
    if (signal.aborted) return;
    const { stage: _stage, ...fields } = body;
    bus.publish({ type: `${stage}.request`, sessionId, turnId: '-', requestId, replyTo, ...fields } as never);
    armWatchdog();
    for await (const reply of replies) {
      if (signal.aborted) return;
      if (reply.kind === 'error') throw new WorkerError(`${stage} worker failed: ${reply.message}`);
      if (reply.kind === 'done') return;
      if (reply.kind !== 'accepted' && reply.kind !== 'heartbeat') yield reply;
    }
  } finally {
    clock.clearTimeout(watchdog);
    signal.removeEventListener('abort', onAbort);
    sub.unsubscribe();
  }
}
