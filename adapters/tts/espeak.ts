/**
 * eSpeak-NG (`@echogarden/espeak-ng-emscripten`, GPL-3.0, an optional dependency): 140 voices including
 * English and Mandarin, compact and fast. Synthesis runs on one worker thread per process and streams
 * eSpeak's own ~100 ms chunks to the caller the moment eSpeak makes them; an abort stops eSpeak
 * mid-utterance (at the next chunk) and drops requests still queued. Output is s16le mono at 22,050 Hz;
 * the TTS actor resamples it to the output rate.
 *
 * The project works without it: flite is the default English voice. If the package is missing, the
 * engine fails with {@link EspeakUnavailableError} naming the install command.
 *
 * @example
 * ```ts
 * const tts = createEspeakTts({ language: 'zh' });
 * for await (const chunk of tts.synthesize({ text: '你好，今天天气很好。', signal })) play(chunk);
 * ```
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { EngineError } from '../engine-error.js';
import { createChannel } from '../channel.js';
import type { TtsEngine, TtsRequest } from './types.js';

export interface EspeakOptions {
  /** An eSpeak voice id (`en-us`, `cmn`, `de`, …); wins over `language`. */
  voice?: string;
  /** Language of the text when no voice is set: `en` (default), `zh`, or any eSpeak language id. */
  language?: string;
  /** Why 175 wpm: eSpeak's default, clear for listeners and recognizers; robots in noise may want slower. */
  rateWpm?: number;
  /** Base pitch 0–100 (eSpeak's scale). Default: the voice's own (50). */
  pitch?: number;
}

/** The optional eSpeak-NG package is not installed: every request fails until it is (not retryable). */
export class EspeakUnavailableError extends EngineError {
  override name = 'EspeakUnavailableError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** A request eSpeak could not serve (unknown voice, engine failure): the same request fails again. */
export class EspeakError extends EngineError {
  override name = 'EspeakError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
  }
}

/** eSpeak's output rate (fixed by the engine). */
const ESPEAK_RATE_HZ = 22_050;
const primary = (tag: string) => tag.toLowerCase().split(/[-_]/)[0]!;

/** Short language tags to eSpeak voice ids where they differ. */
const LANGUAGE_VOICES: Record<string, string> = { en: 'en-us', zh: 'cmn', 'zh-cn': 'cmn', cmn: 'cmn', yue: 'yue' };

type Reply = {
  id: number;
  chunk?: Uint8Array;
  phonemes?: Array<{ atMs: number; name: string }>;
  done?: boolean;
  error?: string;
};
interface Pending {
  onReply(reply: Reply): void;
}

/** The per-process worker: eSpeak is not re-entrant, so one thread serves every engine in order. */
let shared: { worker: Worker; cancelled: Int32Array; pending: Map<number, Pending>; nextId: number } | undefined;

/** Throws {@link EspeakUnavailableError} when `resolve` cannot find the optional package. */
export function checkEspeakInstalled(resolve: (id: string) => string = createRequire(import.meta.url).resolve): void {
  try {
    resolve('@echogarden/espeak-ng-emscripten');
  } catch (cause) {
    throw new EspeakUnavailableError(
      'eSpeak-NG is an optional dependency (GPL-3.0) and is not installed: run `npm install ' +
        '@echogarden/espeak-ng-emscripten`, or use the flite engine',
      { cause },
    );
  }
}

function espeakWorker() {
  if (shared) return shared;
  checkEspeakInstalled();
  const cancelled = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./espeak-worker.mjs', import.meta.url), {
    workerData: { cancelled: cancelled.buffer },
  });
  // Why unref: an idle synthesizer must not keep the process alive after the sessions end.
  worker.unref();
  const pending = new Map<number, Pending>();
  worker.on('message', (reply: Reply) => pending.get(reply.id)?.onReply(reply));
  worker.on('error', (error) => {
    for (const [id, p] of pending) p.onReply({ id, error: `eSpeak worker failed: ${error.message}` });
    shared = undefined;
  });
  shared = { worker, cancelled, pending, nextId: 1 };
  return shared;
}

/** Sends one request to the worker; yields its chunks as they arrive until done, error or abort. */
async function* request(
  message: Record<string, unknown>,
  signal: AbortSignal,
  onPhoneme?: TtsRequest['onPhoneme'],
): AsyncGenerator<Uint8Array> {
  const w = espeakWorker();
  const id = w.nextId++;
  const replies = createChannel<Reply>();
  w.pending.set(id, { onReply: (reply) => replies.push(reply) });
  const onAbort = () => {
    // Stops eSpeak at its next chunk if this request is running; a queued one stops at its first.
    Atomics.store(w.cancelled, 0, id);
    replies.close();
  };
  signal.addEventListener('abort', onAbort, { once: true });
  w.worker.ref();
  try {
    w.worker.postMessage({ id, ...message });
    for await (const reply of replies) {
      if (signal.aborted) return;
      if (reply.error) throw new EspeakError(reply.error);
      if (reply.phonemes && onPhoneme) for (const p of reply.phonemes) onPhoneme(p);
      if (reply.chunk) yield reply.chunk;
      if (reply.done) return;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    w.pending.delete(id);
    if (w.pending.size === 0) w.worker.unref();
  }
}

export function createEspeakTts(options: EspeakOptions = {}): TtsEngine {
  const language = (options.language ?? 'en').toLowerCase();
  const voice = options.voice ?? LANGUAGE_VOICES[language] ?? language;
  const rateWpm = options.rateWpm ?? 175;
  const pitch = options.pitch;
  checkEspeakInstalled();
  return {
    name: `espeak(${voice})`,
    sampleRateHz: ESPEAK_RATE_HZ,
    async warmUp() {
      // Loads the WASM module and its 24 MB voice data (≈ 100 ms here), then the voice itself.
      for await (const chunk of request(
        { text: 'ok', voice, rateWpm, ...(pitch !== undefined ? { pitch } : {}) },
        new AbortController().signal,
      ))
        void chunk;
    },
    synthesize({ text, voice: requestVoice, language: requestLanguage, signal, onPhoneme }) {
      // A request in another language than this engine's gets that language's voice (a Mandarin clause
      // of an English reply); in the engine's own language its configured voice stays.
      const other = requestLanguage !== undefined && primary(requestLanguage) !== primary(language);
      const chosen =
        requestVoice ?? (other ? (LANGUAGE_VOICES[requestLanguage.toLowerCase()] ?? requestLanguage) : voice);
      return request({ text, voice: chosen, rateWpm, ...(pitch !== undefined ? { pitch } : {}) }, signal, onPhoneme);
    },
  };
}
