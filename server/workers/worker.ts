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

  async function serve(request: WorkerRequest) {
    const controller = new AbortController();
    running.set(request.requestId, controller);
    stats.active++;
    const reply = (message: WorkerReply) => send(request.replyTo, message);
    reply({ kind: 'accepted', workerId });
    const stopHeartbeat = startHeartbeat(clock, () => reply({ kind: 'heartbeat' }));
    const startedAtMs = clock.now();
    const named = `${workerId} ${request.type} ${request.requestId}`;
    options.log?.(`${named} started`);
    try {
      const { signal } = controller;
      await runEngine(options, request, signal, reply);
      if (signal.aborted) stats.cancelled++;
      else {
        stats.served++;
        reply({ kind: 'done' });
      }
      const ms = Math.round(clock.now() - startedAtMs);
      options.log?.(`${named} ${signal.aborted ? 'cancelled' : 'done'} in ${ms} ms`);
    } catch (error) {
      stats.failed++;
      const message = error instanceof Error ? error.message : String(error);
      if (!controller.signal.aborted) reply({ kind: 'error', message });
      options.log?.(`${named} failed: ${message}`);
    } finally {
      stopHeartbeat();
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

type WorkerRequest = MessageOf<'tts.request'> | MessageOf<'llm.request'> | MessageOf<'stt.request'>;
type Reply = (message: WorkerReply) => void;

/** Sends `beat` every {@link HEARTBEAT_MS}, so the session knows the worker is alive; returns the stop. */
function startHeartbeat(clock: Clock, beat: () => void): () => void {
  let timer: unknown;
  const next = () => {
    timer = clock.setTimeout(() => {
      beat();
      next();
    }, HEARTBEAT_MS);
  };
  next();
  return () => clock.clearTimeout(timer);
}

/** Runs the request on the worker's engine, if the request is for its stage, streaming the replies. */
async function runEngine(worker: WorkerEngine, request: WorkerRequest, signal: AbortSignal, reply: Reply) {
  if (worker.stage === 'tts' && request.type === 'tts.request') await synthesize(worker.engine, request, signal, reply);
  else if (worker.stage === 'llm' && request.type === 'llm.request')
    await generate(worker.engine, request, signal, reply);
  else if (worker.stage === 'stt' && request.type === 'stt.request')
    await transcribe(worker.engine, request, signal, reply);
}

/** TTS: one `chunk` reply per audio chunk, numbered from 0. */
async function synthesize(engine: TtsEngine, request: MessageOf<'tts.request'>, signal: AbortSignal, reply: Reply) {
  let seq = 0;
  const ttsRequest = {
    text: request.text,
    signal,
    ...(request.voice ? { voice: request.voice } : {}),
    ...(request.language ? { language: request.language } : {}),
  };
  for await (const audio of engine.synthesize(ttsRequest)) {
    if (signal.aborted) break;
    reply({ kind: 'chunk', seq: seq++, audio });
  }
}

/** LLM: a `token` reply per text delta, a `tool_call` reply per tool call. */
async function generate(engine: LlmEngine, request: MessageOf<'llm.request'>, signal: AbortSignal, reply: Reply) {
  for await (const delta of engine.stream({
    messages: request.messages,
    signal,
    ...(request.tools ? { tools: request.tools } : {}),
    ...(request.toolChoice ? { toolChoice: request.toolChoice } : {}),
  })) {
    if (signal.aborted) break;
    reply(
      typeof delta === 'string'
        ? { kind: 'token', text: delta }
        : { kind: 'tool_call', id: delta.id, name: delta.name, arguments: delta.arguments },
    );
  }
}

/** STT: the request's audio in one push, then one `text` reply with the final transcript. */
async function transcribe(engine: SttEngine, request: MessageOf<'stt.request'>, signal: AbortSignal, reply: Reply) {
  const stream = engine.createStream({
    sampleRateHz: request.sampleRateHz,
    signal,
    onPartial: () => undefined,
    ...(request.language ? { language: request.language } : {}),
    ...(request.channel ? { channel: request.channel } : {}),
  });
  stream.push(request.audio);
  const { text, confidence, language } = await stream.finish();
  reply({
    kind: 'text',
    text,
    ...(confidence !== undefined ? { confidence } : {}),
    ...(language ? { language } : {}),
  });
}
