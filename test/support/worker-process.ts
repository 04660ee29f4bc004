/**
 * A worker process for tests: `tsx test/support/worker-process.ts <stage> <natsUrl> [msPerWord]` runs
 * a fake engine as a real worker process, so tests can kill it mid-utterance.
 */
import { systemClock } from '../../adapters/clock.js';
import { createFakeLlm, createFakeTts } from '../../adapters/testing/index.js';
import { createLogger } from '../../runtime/logger.js';
import { runWorkerMain } from '../../server/workers/main.js';

const [stage = 'tts', nats = 'nats://127.0.0.1:4222', msPerWord = '200'] = process.argv.slice(2);
const worker = await runWorkerMain({
  stage,
  nats,
  engine: 'fake',
  buildEngine: async (s) =>
    s === 'tts'
      ? // Chunks of 100 ms delivered at 4x real time: an utterance streams long enough to be killed mid-way.
        {
          stage: 'tts',
          engine: createFakeTts({
            clock: systemClock,
            sampleRateHz: 16_000,
            latencyMs: 20,
            msPerWord: Number(msPerWord),
            chunkMs: 100,
          }),
        }
      : { stage: 'llm', engine: createFakeLlm({ clock: systemClock, reply: 'Remote hello.', tokenIntervalMs: 5 }) },
  // JSON lines on stdout, where the test reads the worker id from.
  log: createLogger({ level: 'debug', write: (line) => void process.stdout.write(`${line}\n`) }),
});
const stop = async () => {
  await worker.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
