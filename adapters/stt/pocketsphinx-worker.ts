/**
 * A pocketsphinx decode thread (pocketsphinx-threads.ts starts it): its own pool of decoder sets
 * (pocketsphinx-decoders.ts) and utterances (pocketsphinx-stream.ts), as a local engine has, driven by the
 * event loop's messages, one stream per id. Partials, finals and errors go back as messages; an error
 * never ends the thread. Jobs run in the decode queue's order (decode-queue.ts): a stream's final before
 * the other streams' audio. A stream that finds no idle set waits for one made on koffi's threads, its jobs
 * kept in order meanwhile: the thread goes on decoding the other streams (a set made here held them all
 * ~0.5 s).
 *
 * Run as a worker only: `new Worker(url, { workerData: { setup, libraries } })`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { bind } from './pocketsphinx-binding.js';
import { createDecoderPool, type DecoderPool, type DecoderSet } from './pocketsphinx-decoders.js';
import type { PocketsphinxSetup } from './pocketsphinx-setup.js';
import { createDecodeQueue } from './decode-queue.js';
import { createScorer, openUtterance, type UtteranceContext } from './pocketsphinx-stream.js';
import type { SttResult, SttStream, TranscriptDetail } from './types.js';

/** Event loop → thread. */
export type DecodeJob =
  | { type: 'open'; id: number; sampleRateHz: number; channel?: string; ifIdle?: boolean }
  | { type: 'push'; id: number; audio: Uint8Array }
  | { type: 'flush'; id: number }
  | { type: 'finish'; id: number }
  | { type: 'abort'; id: number }
  | { type: 'prepare'; id: number; streams: number };

/** An error as it crosses threads: its class name and message. */
export interface ThreadError {
  name: string;
  message: string;
}

/** Thread → event loop. `done` answers a `prepare`; `failed` with no stream is the thread's own failure. */
export type DecodeReply =
  | { type: 'partial'; id: number; text: string; confidence?: number; detail?: TranscriptDetail }
  | { type: 'final'; id: number; result: SttResult }
  | { type: 'done'; id: number }
  | { type: 'failed'; id?: number; error: ThreadError };

export interface DecodeThreadData {
  setup: PocketsphinxSetup;
  libraries?: { pocketsphinx: string; sphinxbase: string };
}

type StreamJob = Exclude<DecodeJob, { type: 'open' | 'prepare' }>;
type Reply = (reply: DecodeReply) => void;

const asThreadError = (error: unknown): ThreadError =>
  error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };

/** The thread's streams: open ones, and those waiting for a set with their jobs so far. */
function createThreadStreams(context: UtteranceContext & { pool: DecoderPool }, reply: Reply) {
  const open = new Map<number, { stream: SttStream; controller: AbortController }>();
  const waiting = new Map<number, StreamJob[]>();
  const fail = (id: number, error: unknown) => {
    open.delete(id);
    reply({ type: 'failed', id, error: asThreadError(error) });
  };
  const start = (job: Extract<DecodeJob, { type: 'open' }>, set: DecoderSet) => {
    const { id, sampleRateHz, channel } = job;
    const controller = new AbortController();
    const onPartial = (text: string, confidence?: number, detail?: TranscriptDetail) =>
      reply({
        type: 'partial',
        id,
        text,
        ...(confidence === undefined ? {} : { confidence }),
        ...(detail ? { detail } : {}),
      });
    try {
      const options = {
        sampleRateHz,
        onPartial,
        signal: controller.signal,
        ...(channel === undefined ? {} : { channel }),
      };
      open.set(id, { stream: openUtterance(context, options, set), controller });
    } catch (error) {
      context.pool.give(set, channel);
      fail(id, error);
    }
  };
  const run = (job: StreamJob) => {
    const own = open.get(job.id);
    if (!own) return;
    try {
      if (job.type === 'push') own.stream.push(job.audio);
      else if (job.type === 'flush') own.stream.flushPartial?.();
      else if (job.type === 'abort') {
        open.delete(job.id);
        own.controller.abort();
      } else {
        open.delete(job.id);
        own.stream.finish().then(
          (result) => reply({ type: 'final', id: job.id, result }),
          (error: unknown) => fail(job.id, error),
        );
      }
    } catch (error) {
      own.controller.abort();
      fail(job.id, error);
    }
  };
  return {
    open(job: Extract<DecodeJob, { type: 'open' }>) {
      let set: DecoderSet | undefined;
      try {
        set = context.pool.takeIdle(job.channel, job.ifIdle);
      } catch (error) {
        return fail(job.id, error);
      }
      if (set) return start(job, set);
      waiting.set(job.id, []);
      context.pool.makeOffThread(job.channel).then(
        (made) => {
          start(job, made);
          for (const queued of waiting.get(job.id) ?? []) run(queued);
          waiting.delete(job.id);
        },
        (error: unknown) => {
          waiting.delete(job.id);
          fail(job.id, error);
        },
      );
    },
    job(job: StreamJob) {
      const queued = waiting.get(job.id);
      if (queued) queued.push(job);
      else run(job);
    },
  };
}

const port = parentPort;
if (port) {
  const { setup, libraries } = workerData as DecodeThreadData;
  const reply: Reply = (r) => port.postMessage(r);
  const started = (():
    { streams: ReturnType<typeof createThreadStreams>; pool: DecoderPool } | { error: ThreadError } => {
    try {
      const lib = bind(libraries);
      const pool = createDecoderPool(lib, setup);
      return { streams: createThreadStreams({ lib, setup, pool, scorer: createScorer(lib) }, reply), pool };
    } catch (error) {
      return { error: asThreadError(error) };
    }
  })();
  if ('error' in started) reply({ type: 'failed', error: started.error });
  const queue = createDecodeQueue<Exclude<DecodeJob, { type: 'prepare' }>>();
  const scheduled = { drain: false };
  // One job a turn of the thread's loop: the messages that came meanwhile are queued before the next is
  // picked, so a final or a pause's partial goes ahead of other streams' audio.
  const drain = () => {
    const job = queue.next();
    if (job && !('error' in started)) {
      if (job.type === 'open') started.streams.open(job);
      else started.streams.job(job);
    }
    scheduled.drain = queue.size > 0;
    if (scheduled.drain) setImmediate(drain);
  };
  port.on('message', (job: DecodeJob) => {
    if ('error' in started) {
      if (job.type === 'open' || job.type === 'prepare') reply({ type: 'failed', id: job.id, error: started.error });
    } else if (job.type === 'prepare') {
      started.pool.prepare(job.streams).then(
        () => reply({ type: 'done', id: job.id }),
        (error: unknown) => reply({ type: 'failed', id: job.id, error: asThreadError(error) }),
      );
    } else {
      queue.add(job);
      if (!scheduled.drain) {
        scheduled.drain = true;
        setImmediate(drain);
      }
    }
  });
}
