/**
 * `voice-agent worker <tts|llm|stt>`: runs one engine as a worker process on NATS until SIGINT/SIGTERM.
 * Engines are built by `buildWorkerEngine`, so the CLI's config decides which one runs.
 *
 * @example
 * ```sh
 * npx tsx bin/voice-agent.ts worker tts --nats nats://127.0.0.1:4222 --engine fake
 * ```
 */
import { systemClock } from '../../adapters/clock.js';
import { WORKER_STAGES, type WorkerStage } from '../../adapters/remote/protocol.js';
import { createMessageBus } from '../../bus/message-bus.js';
import { connectNatsTransport } from '../../bus/nats-transport.js';
import { createLogger, type Logger } from '../../runtime/logger.js';
import { startWorker, type WorkerEngine } from './worker.js';

export type EngineFactory = (stage: WorkerStage, engineName: string) => Promise<WorkerEngine>;

export interface WorkerMainOptions {
  stage: string;
  nats: string;
  prefix?: string;
  engine: string;
  buildEngine: EngineFactory;
  log?: Logger;
}

export async function runWorkerMain(options: WorkerMainOptions): Promise<{ stop(): Promise<void> }> {
  if (!WORKER_STAGES.includes(options.stage as WorkerStage)) {
    throw new Error(`unknown worker stage "${options.stage}": use one of ${WORKER_STAGES.join(', ')}`);
  }
  const stage = options.stage as WorkerStage;
  const log = options.log ?? createLogger();
  const engine = await options.buildEngine(stage, options.engine);
  await (engine.engine as { warmUp?: () => Promise<void> }).warmUp?.();
  const transport = await connectNatsTransport({
    servers: options.nats,
    name: `voice-agent-worker-${stage}`,
    onHandlerError: (error, subject) => log.error('bus handler threw', { subject, error }),
  });
  const bus = createMessageBus(transport, {
    clock: systemClock,
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });
  const worker = startWorker({ bus, clock: systemClock, log: (line) => log.debug(line), ...engine });
  await bus.flush();
  log.info('worker serving', {
    workerId: worker.workerId,
    subject: `${bus.prefix}.*.${stage}.request`,
    queue: `${stage}-workers`,
    engine: engine.engine.name,
    nats: options.nats,
  });
  return {
    async stop() {
      await worker.stop();
      await bus.close();
      log.info('worker stopped', { workerId: worker.workerId, ...worker.stats });
    },
  };
}
