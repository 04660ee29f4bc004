/**
 * Pre-synthesized phrases (greetings, fillers, confirmations): a TTS engine decorator that synthesizes
 * the configured phrases at start-up and then answers them from memory, so their first frame leaves
 * in microseconds instead of an engine round trip. Other text goes to the wrapped engine.
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
}

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
      const hit = audio.get(normalizePhrase(request.text));
      if (!hit) {
        stats.misses++;
        return engine.synthesize(request);
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
