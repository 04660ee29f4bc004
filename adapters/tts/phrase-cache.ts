/**
 * Pre-synthesized phrases (greetings, fillers, confirmations): a TTS engine decorator that synthesizes
 * the configured phrases at start-up and then answers them from memory, so their first frame leaves
 * in microseconds instead of an engine round trip. Other text goes to the wrapped engine, and the last
 * `rememberSentences` sentences it spoke whole are answered from memory too: a robot's replies repeat.
 *
 * @example
 * ```ts
 * const tts = createPhraseCache(createFliteTts(), { phrases: ['Hmm, let me see.', 'Okay.'] });
 * await tts.warmUp(); // synthesizes both phrases once
 * ```
 */
import type { TtsEngine, TtsRequest } from './types.js';

export interface PhraseCacheOptions {
  phrases: readonly string[];
  voice?: string;
  language?: string;
  /** Chunk size of cached audio. Why 100 ms: the same granularity live engines stream at. */
  chunkMs?: number;
  /** How many sentences the engine spoke (whole, not aborted) are kept, the least recently said dropped first. */
  rememberSentences?: number;
}

/** Why 10 s: a sentence longer than that is an LLM's, said once; 64 of them would hold ~20 MB at 16 kHz. */
const REMEMBERED_MAX_MS = 10_000;

export interface PhraseCache extends TtsEngine {
  warmUp(): Promise<void>;
  /** Phrases held in memory. */
  readonly cached: ReadonlySet<string>;
  readonly stats: { hits: number; misses: number };
}

/** Case, spacing and trailing punctuation do not change what is spoken. */
export function normalizePhrase(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[.!?。！？]+$/u, '');
}

export function createPhraseCache(engine: TtsEngine, options: PhraseCacheOptions): PhraseCache {
  const audio = new Map<string, Uint8Array[]>();
  const remembered = createRemembered(
    options.rememberSentences ?? 0,
    (REMEMBERED_MAX_MS * engine.sampleRateHz * 2) / 1000,
  );
  const stats = { hits: 0, misses: 0 };
  const chunkBytes = Math.max(2, Math.round(((options.chunkMs ?? 100) * engine.sampleRateHz) / 1000) * 2);

  const synthesizeAll = async (text: string): Promise<Uint8Array[]> => {
    const parts: Uint8Array[] = [];
    let total = 0;
    const request: TtsRequest = { text, signal: new AbortController().signal };
    if (options.voice !== undefined) request.voice = options.voice;
    if (options.language !== undefined) request.language = options.language;
    for await (const chunk of engine.synthesize(request)) {
      parts.push(chunk);
      total += chunk.byteLength;
    }
    const whole = new Uint8Array(total);
    let offset = 0;
    for (const p of parts) {
      whole.set(p, offset);
      offset += p.byteLength;
    }
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < whole.byteLength; i += chunkBytes)
      chunks.push(whole.subarray(i, Math.min(whole.byteLength, i + chunkBytes)));
    return chunks;
  };

  return {
    name: `${engine.name}+cache`,
    sampleRateHz: engine.sampleRateHz,
    stats,
    get cached() {
      return new Set(audio.keys());
    },
    async warmUp() {
      await engine.warmUp?.();
      for (const phrase of options.phrases) {
        const key = normalizePhrase(phrase);
        if (!audio.has(key)) audio.set(key, await synthesizeAll(phrase));
      }
    },
    has: (text) => audio.has(normalizePhrase(text)),
    synthesize(request) {
      // Lip sync needs the engine's phonemes: such a request is always synthesized.
      const key = request.onPhoneme ? undefined : sentenceKey(request);
      const hit = audio.get(normalizePhrase(request.text)) ?? (key === undefined ? undefined : remembered.get(key));
      if (!hit) {
        stats.misses++;
        return key === undefined
          ? engine.synthesize(request)
          : remembered.learn(key, engine.synthesize(request), request.signal);
      }
      stats.hits++;
      const { signal } = request;
      // A plain sync-backed iterator: the first chunk is available on the first `next()`, no timer involved.
      return (async function* () {
        for (const chunk of hit) {
          if (signal.aborted) return;
          yield chunk;
        }
      })();
    },
  };
}

/** A sentence as the engine would speak it: its words, voice and language. */
const sentenceKey = (request: TtsRequest) =>
  `${request.voice ?? ''}|${request.language ?? ''}|${normalizePhrase(request.text)}`;

/** The last `size` sentences spoken whole (up to `maxBytes` each), the least recently said dropped first. */
function createRemembered(size: number, maxBytes: number) {
  const kept = new Map<string, Uint8Array[]>();
  return {
    get(key: string): Uint8Array[] | undefined {
      const chunks = kept.get(key);
      if (!chunks) return undefined;
      // Said again: the most recent now.
      kept.delete(key);
      kept.set(key, chunks);
      return chunks;
    },
    /** The engine's chunks as they come; kept once the engine has ended the sentence without an abort. */
    learn(key: string, chunks: AsyncIterable<Uint8Array>, signal: AbortSignal): AsyncIterable<Uint8Array> {
      if (size <= 0) return chunks;
      return (async function* () {
        const heard: Uint8Array[] = [];
        let bytes = 0;
        for await (const chunk of chunks) {
          // A copy: the consumer may transfer or reuse the buffer it is given.
          heard.push(chunk.slice());
          bytes += chunk.byteLength;
          yield chunk;
        }
        if (signal.aborted || bytes === 0 || bytes > maxBytes) return;
        kept.set(key, heard);
        if (kept.size > size) kept.delete(kept.keys().next().value!);
      })();
    },
  };
}
