/**
 * pocketsphinx decoding on threads of its own (`stt.threads`), never on the event loop: a decode costs a
 * few ms per second of audio and making a decoder set ~0.5 s, and on the event loop every session of the
 * process waited for each (the capacity bench's longest stall: seconds). Each thread
 * (pocketsphinx-worker.ts) runs a local engine with its own pool of decoder sets; a channel (a session's
 * microphone) keeps to one thread, so its cepstral means and the decoder it last used stay where it
 * decodes, and its transcripts are those of the same engine on the event loop.
 *
 * A thread that stops (a crash, a library gone) fails its open utterances with a
 * {@link PocketsphinxError}, and the next utterance starts a new thread.
 *
 * @example
 * ```ts
 * const stt = createPocketsphinxThreads(pocketsphinxSetup({ grammarPath }), { threads: 1 });
 * const stream = stt.createStream({ sampleRateHz: 16_000, channel: 's1', onPartial, signal });
 * ```
 */
import { Worker } from 'node:worker_threads';
import { PocketsphinxError } from './pocketsphinx-binding.js';
import type { PocketsphinxSetup } from './pocketsphinx-setup.js';
import type { DecodeJob, DecodeReply, DecodeThreadData, ThreadError } from './pocketsphinx-worker.js';
import { SttBusyError, type SttEngine, type SttResult, type SttStream, type SttStreamOptions } from './types.js';

export interface DecodeThreadsOptions {
  threads: number;
  libraries?: { pocketsphinx: string; sphinxbase: string };
  /** The thread's script (default pocketsphinx-worker); the tests start one that fails on purpose. */
  entry?: URL;
}

/** A pocketsphinx engine on threads; `close` stops them (their open utterances fail). */
export interface ThreadedStt extends SttEngine {
  close(): Promise<void>;
}

/** An utterance on a thread, as the event loop sees it. */
interface ThreadStream {
  onPartial: SttStreamOptions['onPartial'];
  signal: AbortSignal;
  /** The stream holds a decoder set on its thread (until its final is asked for, or it is aborted). */
  holding: boolean;
  /** Opening it made the thread a new set (counted in `Slot.sets`). */
  madeSet: boolean;
  failed?: Error;
  final?: { resolve(result: SttResult): void; reject(error: Error): void };
}

/** One thread and what the event loop knows of it. */
interface Slot {
  worker: Worker | undefined;
  /** Decoder sets the thread has (or is making), and those open streams hold: idle is the difference. */
  sets: number;
  holding: number;
  /** Idle sets a stream that may be shed leaves (the thread's pool keeps the same). */
  kept: number;
  streams: Map<number, ThreadStream>;
  prepares: Map<number, { resolve(): void; reject(error: Error): void }>;
}

/** Running from the TypeScript sources (tests, tsx), where a worker needs source-worker.mjs to load `.ts`. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');
/** Why 1024: far more live sessions than a process serves (as the channels' means). */
const MAX_CHANNELS = 1024;

const errorFrom = (error: ThreadError): Error => {
  if (error.name === 'SttBusyError') return new SttBusyError(error.message);
  return new PocketsphinxError(error.message);
};

export function createPocketsphinxThreads(setup: PocketsphinxSetup, options: DecodeThreadsOptions): ThreadedStt {
  const slots: Slot[] = Array.from({ length: Math.max(1, options.threads) }, () => ({
    worker: undefined,
    sets: 0,
    holding: 0,
    kept: 0,
    streams: new Map(),
    prepares: new Map(),
  }));
  const channels = new Map<string, Slot>();
  const ids = { next: 1, closing: false };
  const start = (slot: Slot) => startThread(slot, setup, options, () => ids.closing, channels);
  const post = (slot: Slot, job: DecodeJob, transfer: ArrayBuffer[] = []) => {
    const worker = (slot.worker ??= start(slot));
    worker.ref();
    worker.postMessage(job, transfer);
  };
  const slotFor = (channel: string | undefined): Slot => {
    const own = channel === undefined ? undefined : channels.get(channel);
    const slot = own ?? slots.reduce((best, s) => (s.holding < best.holding ? s : best));
    if (channel === undefined) return slot;
    channels.delete(channel);
    channels.set(channel, slot);
    if (channels.size > MAX_CHANNELS) channels.delete(channels.keys().next().value!);
    return slot;
  };
  const prepare = (slot: Slot, streams: number) =>
    new Promise<void>((resolve, reject) => {
      const id = ids.next++;
      slot.prepares.set(id, { resolve, reject });
      slot.sets += Math.max(0, streams - (slot.sets - slot.holding));
      slot.kept = streams > 2 ? 1 : 0;
      post(slot, { type: 'prepare', id, streams });
    });
  return {
    name: setup.name,
    warmUp: async () =>
      void (await Promise.all(slots.map((slot) => prepare(slot, Math.max(1, slot.sets - slot.holding))))),
    prepare: async (streams) =>
      void (await Promise.all(slots.map((slot) => prepare(slot, Math.ceil(streams / slots.length))))),
    createStream(streamOptions) {
      if (streamOptions.sampleRateHz !== setup.sampleRateHz) {
        throw new PocketsphinxError(
          `pocketsphinx is set up for ${setup.sampleRateHz} Hz audio, got ${streamOptions.sampleRateHz} Hz: ` +
            `resample at the input`,
        );
      }
      const slot = slotFor(streamOptions.channel);
      // Work that may be shed is, when the thread has no set to spare: making one would delay every utterance there.
      if (streamOptions.ifIdle && slot.sets - slot.holding <= slot.kept)
        throw new SttBusyError('every pocketsphinx decoder is busy');
      return openOnThread(slot, ids.next++, streamOptions, post);
    },
    async close() {
      ids.closing = true;
      await Promise.all(slots.map((slot) => slot.worker?.terminate()));
    },
  };
}

type Post = (slot: Slot, job: DecodeJob, transfer?: ArrayBuffer[]) => void;

function openOnThread(
  slot: Slot,
  id: number,
  { sampleRateHz, channel, ifIdle, onPartial, signal }: SttStreamOptions,
  post: Post,
): SttStream {
  const madeSet = slot.sets === slot.holding;
  if (madeSet) slot.sets += 1;
  slot.holding += 1;
  const stream: ThreadStream = { onPartial, signal, holding: true, madeSet };
  slot.streams.set(id, stream);
  post(slot, {
    type: 'open',
    id,
    sampleRateHz,
    ...(channel === undefined ? {} : { channel }),
    ...(ifIdle ? { ifIdle } : {}),
  });
  const letGo = () => {
    if (!stream.holding) return false;
    stream.holding = false;
    slot.holding -= 1;
    signal.removeEventListener('abort', aborted);
    return true;
  };
  const aborted = () => {
    if (!letGo()) return;
    slot.streams.delete(id);
    post(slot, { type: 'abort', id });
    idleUnlessBusy(slot);
  };
  signal.addEventListener('abort', aborted, { once: true });
  return {
    push(audio) {
      if (!stream.holding) return;
      // A copy of its own: a view's whole buffer would be copied otherwise, and this one is handed over.
      const copy = audio.slice();
      post(slot, { type: 'push', id, audio: copy }, [copy.buffer as ArrayBuffer]);
    },
    flushPartial() {
      if (stream.holding) post(slot, { type: 'flush', id });
    },
    finish() {
      if (stream.failed) return Promise.reject(stream.failed);
      if (!letGo()) return Promise.resolve({ text: '' });
      return new Promise<SttResult>((resolve, reject) => {
        stream.final = { resolve, reject };
        post(slot, { type: 'finish', id });
      });
    },
  };
}

function startThread(
  slot: Slot,
  setup: PocketsphinxSetup,
  options: DecodeThreadsOptions,
  closing: () => boolean,
  channels: Map<string, Slot>,
): Worker {
  const data: DecodeThreadData = { setup, ...(options.libraries ? { libraries: options.libraries } : {}) };
  const entry =
    options.entry ?? new URL(FROM_SOURCES ? './pocketsphinx-worker.ts' : './pocketsphinx-worker.js', import.meta.url);
  const worker = entry.href.endsWith('.ts')
    ? new Worker(new URL('../source-worker.mjs', import.meta.url), { workerData: { ...data, entry: entry.href } })
    : new Worker(entry, { workerData: data });
  worker.on('message', (reply: DecodeReply) => onReply(slot, reply));
  const stopped = (reason: string) => {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    const error = new PocketsphinxError(
      `the pocketsphinx decode thread stopped (${reason}): the utterance was not decoded`,
    );
    failAll(slot, closing() ? new PocketsphinxError('the pocketsphinx engine was closed') : error);
    for (const [channel, own] of channels) if (own === slot) channels.delete(channel);
  };
  worker.on('error', (error) => stopped(error.message));
  worker.on('exit', (code) => stopped(`exit code ${code}`));
  return worker;
}

/** Every utterance and preparation of a thread that stopped fails; the next one starts a new thread with no sets. */
function failAll(slot: Slot, error: Error): void {
  for (const stream of slot.streams.values()) {
    stream.holding = false;
    stream.failed = error;
    stream.final?.reject(error);
  }
  for (const waiting of slot.prepares.values()) waiting.reject(error);
  slot.streams.clear();
  slot.prepares.clear();
  Object.assign(slot, { sets: 0, holding: 0, kept: 0 });
}

function onReply(slot: Slot, reply: DecodeReply): void {
  if (reply.type === 'done') {
    slot.prepares.get(reply.id)?.resolve();
    slot.prepares.delete(reply.id);
  } else if (reply.id === undefined) {
    // The thread could not start its engine: every job it is given fails with the reason, one by one.
    return;
  } else if (reply.type === 'failed' && slot.prepares.has(reply.id)) {
    slot.prepares.get(reply.id)!.reject(errorFrom(reply.error));
    slot.prepares.delete(reply.id);
  } else {
    onStreamReply(slot, reply, reply.id);
  }
  idleUnlessBusy(slot);
}

/** Why unref: an idle thread must not keep the process alive after the sessions end. */
function idleUnlessBusy(slot: Slot): void {
  if (slot.streams.size === 0 && slot.prepares.size === 0) slot.worker?.unref();
}

function onStreamReply(slot: Slot, reply: Exclude<DecodeReply, { type: 'done' }>, id: number): void {
  const stream = slot.streams.get(id);
  if (!stream) return;
  if (reply.type === 'partial') {
    if (!stream.signal.aborted) stream.onPartial(reply.text, reply.confidence, reply.detail);
    return;
  }
  slot.streams.delete(id);
  if (reply.type === 'final') return stream.final?.resolve(reply.result);
  // Failed: opening it (no set taken; none made if it was to make one), or on its audio (its set released).
  const error = errorFrom(reply.error);
  if (stream.holding) {
    stream.holding = false;
    slot.holding -= 1;
    if (stream.madeSet && error instanceof SttBusyError) slot.sets -= 1;
  }
  stream.failed = error;
  stream.final?.reject(error);
}
