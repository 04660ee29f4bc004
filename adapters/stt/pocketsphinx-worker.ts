/**
 * A pocketsphinx decode thread (pocketsphinx-threads.ts starts it): a local engine (pocketsphinx-local.ts)
 * with its own decoder sets, driven by the event loop's messages, one stream per id. Partials, finals and
 * errors go back as messages; an error never ends the thread.
 *
 * Run as a worker only: `new Worker(url, { workerData: { setup, libraries } })`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { bind } from './pocketsphinx-binding.js';
import { createLocalPocketsphinx } from './pocketsphinx-local.js';
import type { PocketsphinxSetup } from './pocketsphinx-setup.js';
import type { SttEngine, SttResult, SttStream, TranscriptDetail } from './types.js';

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

const asThreadError = (error: unknown): ThreadError =>
  error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };

/** Handles one job; streams and their aborts are kept in `open`. */
function handle(
  engine: SttEngine,
  open: Map<number, { stream: SttStream; controller: AbortController }>,
  job: DecodeJob,
  reply: (r: DecodeReply) => void,
) {
  const fail = (error: unknown) => {
    open.delete(job.id);
    reply({ type: 'failed', id: job.id, error: asThreadError(error) });
  };
  if (job.type === 'open') {
    const { id, sampleRateHz, channel, ifIdle } = job;
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
      const where = { ...(channel === undefined ? {} : { channel }), ...(ifIdle ? { ifIdle } : {}) };
      const stream = engine.createStream({ sampleRateHz, onPartial, signal: controller.signal, ...where });
      open.set(id, { stream, controller });
    } catch (error) {
      fail(error);
    }
    return;
  }
  if (job.type === 'prepare') {
    engine.prepare!(job.streams).then(() => reply({ type: 'done', id: job.id }), fail);
    return;
  }
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
      own.stream.finish().then((result) => reply({ type: 'final', id: job.id, result }), fail);
    }
  } catch (error) {
    own.controller.abort();
    fail(error);
  }
}

const port = parentPort;
if (port) {
  const { setup, libraries } = workerData as DecodeThreadData;
  const reply = (r: DecodeReply) => port.postMessage(r);
  const started = ((): { engine: SttEngine } | { error: ThreadError } => {
    try {
      return { engine: createLocalPocketsphinx(bind(libraries), setup) };
    } catch (error) {
      return { error: asThreadError(error) };
    }
  })();
  if ('error' in started) reply({ type: 'failed', error: started.error });
  const open = new Map<number, { stream: SttStream; controller: AbortController }>();
  port.on('message', (job: DecodeJob) => {
    if ('engine' in started) handle(started.engine, open, job, reply);
    else if (job.type === 'open' || job.type === 'prepare') reply({ type: 'failed', id: job.id, error: started.error });
  });
}
