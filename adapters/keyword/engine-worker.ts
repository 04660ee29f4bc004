/**
 * The learned keyword engine on a thread of its own (engine-thread.ts starts it): the front end and the
 * heads loaded here, one stream per id, each hop's scores and spottings sent back.
 *
 * Run as a worker only: `new Worker(url, { workerData: options })` with {@link KeywordEngineOptions}.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  loadKeywordEngine,
  type KeywordEngine,
  type KeywordEngineOptions,
  type KeywordScores,
  type KeywordSpotting,
  type KeywordStream,
} from './engine.js';

/** Event loop → thread: a stream's audio (16 kHz, 16-bit scale), or its end. */
export type KeywordJob = { type: 'push'; id: number; samples: Float32Array } | { type: 'close'; id: number };

/** A head as the event loop knows it. */
export interface HeadFacts {
  phrase: string;
  path: string;
  windowFrames: number;
  threshold?: number;
}

/** Thread → event loop. A `failed` with no stream: the engine did not load. */
export type KeywordReply =
  | { type: 'ready'; heads: HeadFacts[]; sampleRateHz: number }
  | { type: 'scored'; id: number; hops: KeywordScores[]; spotted: KeywordSpotting[] }
  | { type: 'failed'; id?: number; error: { name: string; message: string; path?: string } };

const errorOf = (error: unknown) => ({
  name: error instanceof Error ? error.name : 'Error',
  message: error instanceof Error ? error.message : String(error),
  ...(typeof (error as { path?: unknown }).path === 'string' ? { path: (error as { path: string }).path } : {}),
});

/** Each stream of the thread, and its last push: the next waits for it, so the hops are scored and told in order. */
type Streams = Map<number, { stream: KeywordStream; tail: Promise<unknown> }>;

function handle(engine: KeywordEngine, streams: Streams, job: KeywordJob, reply: (r: KeywordReply) => void): void {
  if (job.type === 'close') {
    streams.delete(job.id);
    return;
  }
  let own = streams.get(job.id);
  if (!own) streams.set(job.id, (own = { stream: engine.open(), tail: Promise.resolve() }));
  const { stream } = own;
  own.tail = own.tail.then(() =>
    stream.push(job.samples).then(
      ({ hops, spotted }) => reply({ type: 'scored', id: job.id, hops, spotted }),
      (error: unknown) => reply({ type: 'failed', id: job.id, error: errorOf(error) }),
    ),
  );
}

const port = parentPort;
if (port) {
  const reply = (r: KeywordReply) => port.postMessage(r);
  const loading = loadKeywordEngine(workerData as KeywordEngineOptions);
  loading.then(
    (engine) => {
      const heads = engine.heads.map(({ phrase, path, windowFrames, threshold }) => ({
        phrase,
        path,
        windowFrames,
        ...(threshold === undefined ? {} : { threshold }),
      }));
      reply({ type: 'ready', heads, sampleRateHz: engine.sampleRateHz });
    },
    (error: unknown) => reply({ type: 'failed', error: errorOf(error) }),
  );
  const streams: Streams = new Map();
  // Listening at once: jobs sent while the models load wait for them, in order.
  port.on(
    'message',
    (job: KeywordJob) =>
      void loading.then(
        (engine) => handle(engine, streams, job, reply),
        () => undefined,
      ),
  );
}
