/**
 * Runs one engine as a worker: it serves `<prefix>.*.<stage>.request` in the queue group
 * `<stage>-workers` (so N workers share the load and a dead one simply stops receiving), streams its
 * replies to each request's inbox with a heartbeat, and aborts a request on `<stage>.cancel`.
 *
 * @example
 * ```ts
 * const worker = startWorker({ bus, clock: systemClock, stage: 'tts', engine: createFliteTts() });
 * // … later
 * await worker.stop();
 * ```
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../adapters/clock.js';
import type { LlmEngine } from '../../adapters/llm/types.js';
import { HEARTBEAT_MS, queueGroupFor, type WorkerReply, type WorkerStage } from '../../adapters/remote/protocol.js';
import type { SttEngine } from '../../adapters/stt/types.js';
import type { TtsEngine } from '../../adapters/tts/types.js';
import { encodeMessage } from '../../bus/codec.js';
import type { MessageBus } from '../../bus/message-bus.js';
import type { BusMessage, MessageOf } from '../../bus/messages.js';

export type WorkerEngine =
  { stage: 'tts'; engine: TtsEngine } | { stage: 'llm'; engine: LlmEngine } | { stage: 'stt'; engine: SttEngine };

export interface WorkerOptions {
  bus: MessageBus;
  clock: Clock;
  workerId?: string;
  /** Log one line per request (stderr), for `voice-agent worker`. */
  log?: (line: string) => void;
}

export interface WorkerHandle {
  readonly workerId: string;
  readonly stage: WorkerStage;
  readonly stats: { served: number; failed: number; cancelled: number; active: number };
  stop(): Promise<void>;
}

export function startWorker(options: WorkerOptions & WorkerEngine): WorkerHandle {
  const { bus, clock, stage } = options;
  const workerId = options.workerId ?? `${stage}-${randomUUID().slice(0, 8)}`;
  const stats = { served: 0, failed: 0, cancelled: 0, active: 0 };
  const running = new Map<string, AbortController>();

  const send = (replyTo: string, reply: WorkerReply) => bus.transport.publish(replyTo, encodeMessage(reply));

  async function serve(request: MessageOf<'tts.request'> | MessageOf<'llm.request'> | MessageOf<'stt.request'>) {
    const controller = new AbortController();
    running.set(request.requestId, controller);
    stats.active++;
    send(request.replyTo, { kind: 'accepted', workerId });
    let beat: unknown;
    const heartbeat = () => {
      beat = clock.setTimeout(() => {
        send(request.replyTo, { kind: 'heartbeat' });
        heartbeat();
      }, HEARTBEAT_MS);
    };
    heartbeat();
    const startedAtMs = clock.now();
    options.log?.(`${workerId} ${request.type} ${request.requestId} started`);
    try {
      const { signal } = controller;
      if (options.stage === 'tts' && request.type === 'tts.request') {
        let seq = 0;
        const ttsRequest = {
          text: request.text,
          signal,
          ...(request.voice ? { voice: request.voice } : {}),
          ...(request.language ? { language: request.language } : {}),
        };
        for await (const audio of options.engine.synthesize(ttsRequest)) {
          if (signal.aborted) break;
          send(request.replyTo, { kind: 'chunk', seq: seq++, audio });
        }
      } else if (options.stage === 'llm' && request.type === 'llm.request') {
        for await (const delta of options.engine.stream({
          messages: request.messages,
          signal,
          ...(request.tools ? { tools: request.tools } : {}),
          ...(request.toolChoice ? { toolChoice: request.toolChoice } : {}),
        })) {
          if (signal.aborted) break;
          send(
            request.replyTo,
            typeof delta === 'string'
              ? { kind: 'token', text: delta }
              : { kind: 'tool_call', id: delta.id, name: delta.name, arguments: delta.arguments },
          );
        }
      } else if (options.stage === 'stt' && request.type === 'stt.request') {
        const stream = options.engine.createStream({
          sampleRateHz: request.sampleRateHz,
          signal,
          onPartial: () => undefined,
          ...(request.language ? { language: request.language } : {}),
          ...(request.channel ? { channel: request.channel } : {}),
        });
        stream.push(request.audio);
        const { text, confidence, language } = await stream.finish();
        send(request.replyTo, {
          kind: 'text',
          text,
          ...(confidence !== undefined ? { confidence } : {}),
          ...(language ? { language } : {}),
        });
      }
      if (signal.aborted) stats.cancelled++;
      else {
        stats.served++;
        send(request.replyTo, { kind: 'done' });
      }
      options.log?.(
        `${workerId} ${request.type} ${request.requestId} ${signal.aborted ? 'cancelled' : 'done'} in ` +
          `${Math.round(clock.now() - startedAtMs)} ms`,
      );
    } catch (error) {
      stats.failed++;
      const message = error instanceof Error ? error.message : String(error);
      if (!controller.signal.aborted) send(request.replyTo, { kind: 'error', message });
      options.log?.(`${workerId} ${request.type} ${request.requestId} failed: ${message}`);
    } finally {
      clock.clearTimeout(beat);
      running.delete(request.requestId);
      stats.active--;
    }
  }

  const requests = bus.subscribe(
    bus.subjects.allSessions(stage, 'request'),
    (message: BusMessage) => {
      if (
        (message.type === 'tts.request' || message.type === 'llm.request' || message.type === 'stt.request') &&
        message.type === `${stage}.request`
      )
        void serve(message);
    },
    { queue: queueGroupFor(stage) },
  );
  const cancels = bus.subscribe(bus.subjects.allSessions(stage, 'cancel'), (message) => {
    if ('requestId' in message) running.get(message.requestId)?.abort(new Error('cancelled by the session'));
  });

  return {
    workerId,
    stage,
    stats,
    async stop() {
      requests.unsubscribe();
      cancels.unsubscribe();
      for (const controller of running.values()) controller.abort(new Error('worker stopping'));
      await bus.flush();
    },
  };
}
