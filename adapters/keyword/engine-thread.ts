/**
 * The learned keyword engine (engine.ts) on a thread of its own (engine-worker.ts): ONNX runs each call on
 * the calling thread, and on the event loop the front end and the heads took every session's loop 6–8 ms
 * an 80 ms hop per session (the capacity bench's largest share of the loop). Here a stream's audio is
 * gathered on the event loop until it completes a hop, sent whole, and scored on the thread; its scores
 * and spottings are those of the engine on the event loop. A thread of its own, not the recognizer's: a
 * stop phrase is never scored behind an utterance's decode.
 *
 * A thread that stops fails its streams' pending blocks (their listeners tell it and stop listening); the
 * next stream opened starts a new thread.
 *
 * @example
 * ```ts
 * const engine = await loadKeywordEngineOnThread({ phrases: ['stop', 'yes'] });
 * const { spotted } = await engine.open().push(samples16k);
 * ```
 */
import { Worker } from 'node:worker_threads';
import type { KeywordEngine, KeywordEngineOptions, KeywordScores, KeywordSpotting, KeywordStream } from './engine.js';
import type { HeadFacts, KeywordJob, KeywordReply } from './engine-worker.js';
import { HOP_SAMPLES } from './front-end.js';
import type { KeywordHead } from './head.js';
import { KeywordModelError } from './onnx-runtime.js';

/** The engine on its thread; `close` stops the thread (its streams' pending blocks fail). */
export interface ThreadedKeywordEngine extends KeywordEngine {
  close(): Promise<void>;
}

type Scored = { hops: KeywordScores[]; spotted: KeywordSpotting[] };
type Waiting = { resolve(scored: Scored): void; reject(error: Error): void };

/** A thread and the blocks its streams wait on, oldest first per stream (streams with none are not listed). */
interface Thread {
  worker: Worker;
  ready: Promise<{ heads: HeadFacts[]; sampleRateHz: number }>;
  waiting: Map<number, Waiting[]>;
  stopped?: Error;
}

/** Running from the TypeScript sources (tests, tsx), where a worker needs source-worker.mjs to load `.ts`. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');
const NOTHING: Scored = { hops: [], spotted: [] };

const failureOf = (error: { name: string; message: string; path?: string }): Error =>
  error.name === 'KeywordModelError'
    ? new KeywordModelError(error.message, error.path ?? '')
    : new Error(error.message);

function startThread(options: KeywordEngineOptions, entry: URL | undefined): Thread {
  const script = entry ?? new URL(FROM_SOURCES ? './engine-worker.ts' : './engine-worker.js', import.meta.url);
  const worker = script.href.endsWith('.ts')
    ? new Worker(new URL('../source-worker.mjs', import.meta.url), { workerData: { ...options, entry: script.href } })
    : new Worker(script, { workerData: options });
  const waiting = new Map<number, Waiting[]>();
  let ready!: { resolve(facts: { heads: HeadFacts[]; sampleRateHz: number }): void; reject(error: Error): void };
  const thread: Thread = { worker, waiting, ready: new Promise((resolve, reject) => (ready = { resolve, reject })) };
  const stop = (error: Error) => {
    if (thread.stopped) return;
    thread.stopped = error;
    ready.reject(error);
    for (const blocks of waiting.values()) for (const block of blocks) block.reject(error);
    waiting.clear();
  };
  worker.on('message', (reply: KeywordReply) => {
    if (reply.type === 'ready') return ready.resolve({ heads: reply.heads, sampleRateHz: reply.sampleRateHz });
    if (reply.type === 'failed' && reply.id === undefined) return stop(failureOf(reply.error));
    if (reply.id === undefined) return;
    const blocks = waiting.get(reply.id);
    const block = blocks?.shift();
    if (blocks?.length === 0) waiting.delete(reply.id);
    // Why unref: an idle thread must not keep the process alive after the sessions end.
    if (waiting.size === 0) worker.unref();
    if (reply.type === 'scored') block?.resolve({ hops: reply.hops, spotted: reply.spotted });
    else block?.reject(failureOf(reply.error));
  });
  worker.on('error', (error) => stop(new Error(`the keyword thread stopped (${error.message})`)));
  worker.on('exit', (code) => stop(new Error(`the keyword thread stopped (exit code ${code})`)));
  return thread;
}

/** Loads the engine on a thread; rejects as {@link loadKeywordEngine} does (errors name the file and the fix). */
export async function loadKeywordEngineOnThread(
  options: KeywordEngineOptions,
  entry?: URL,
): Promise<ThreadedKeywordEngine> {
  let thread = startThread(options, entry);
  const { heads, sampleRateHz } = await thread.ready.catch(async (error: unknown) => {
    await thread.worker.terminate();
    throw error;
  });
  thread.worker.unref();
  const ids = { next: 1, closed: false };
  /** The live thread, a new one when the last stopped. */
  const current = () => {
    if (thread.stopped && !ids.closed) thread = startThread(options, entry);
    return thread;
  };
  return {
    heads: heads.map((facts): KeywordHead => ({
      ...facts,
      score: () => Promise.reject(new Error('a head on the keyword thread scores in a stream: open one')),
    })),
    sampleRateHz,
    open: () => openOnThread(current(), ids.next++),
    async close() {
      ids.closed = true;
      await thread.worker.terminate();
    },
  };
}

function openOnThread(thread: Thread, id: number): KeywordStream {
  const pending = { samples: [] as Float32Array[], inHop: 0, tail: Promise.resolve(NOTHING), closed: false };
  return {
    push(samples) {
      if (thread.stopped) return Promise.reject(thread.stopped);
      if (pending.closed) return Promise.resolve(NOTHING);
      pending.samples.push(Float32Array.from(samples));
      pending.inHop += samples.length;
      // Nothing to score before a hop is whole: told after the blocks before it, with nothing.
      if (pending.inHop < HOP_SAMPLES) return (pending.tail = pending.tail.then(() => NOTHING));
      pending.inHop %= HOP_SAMPLES;
      const gathered = joined(pending.samples.splice(0));
      pending.tail = new Promise<Scored>((resolve, reject) => {
        const blocks = thread.waiting.get(id) ?? [];
        thread.waiting.set(id, [...blocks, { resolve, reject }]);
      });
      thread.worker.ref();
      thread.worker.postMessage({ type: 'push', id, samples: gathered } satisfies KeywordJob, [
        gathered.buffer as ArrayBuffer,
      ]);
      return pending.tail;
    },
    close() {
      if (pending.closed) return;
      pending.closed = true;
      // Its blocks in flight are still told; the thread forgets the stream after them.
      if (!thread.stopped) thread.worker.postMessage({ type: 'close', id } satisfies KeywordJob);
    },
  };
}

function joined(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}
