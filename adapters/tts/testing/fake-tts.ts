/**
 * Fake streaming TTS for tests and benchmarks: after a first-byte latency, "speaks" a fixed duration
 * per word as a deterministic tone, optionally in chunks, and can fail or hang on demand.
 */
import { sleeper, type Clock } from '../../clock.js';
import { pcmBytesFor } from '../../audio/pcm.js';
import { sharedTestTone } from '../../audio/testing/test-signal.js';
import { startClockedStream } from '../../testing/clocked-stream.js';
import type { TtsEngine, TtsRequest } from '../types.js';

export interface FakeTtsOptions {
  clock: Clock;
  sampleRateHz?: number;
  /** Time from request to first audio. */
  latencyMs?: number;
  /** Audio produced per word (see {@link countSpeechWords}). */
  msPerWord?: number;
  /** Chunk size in ms of audio; unset = all audio in one chunk. */
  chunkMs?: number;
  name?: string;
  /** 'error': throw after the latency; 'hang': never yield (until aborted). */
  fail?: 'error' | 'hang';
  /** Report a phoneme at the start of each word (its first letter), as eSpeak does for lip sync. */
  phonemes?: boolean;
}

export interface FakeTtsStats {
  /** `synthesize()` calls. */
  requests: number;
  /** Requests whose signal aborted while they were still synthesizing. */
  aborted: number;
  /** Chunks produced across all requests (whether or not anyone read them). */
  chunksGenerated: number;
}

export interface FakeTts extends TtsEngine {
  readonly stats: Readonly<FakeTtsStats>;
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu;

/**
 * Words as the fake TTS times them: whitespace-separated tokens containing a letter or digit, with
 * every CJK character counting as one word (a CJK character is about one spoken syllable).
 *
 * @example
 * ```ts
 * countSpeechWords('Hello, world!'); // 2
 * countSpeechWords('你好，world');    // 3
 * ```
 */
export function countSpeechWords(text: string): number {
  return speechWords(text).length;
}

function speechWords(text: string): string[] {
  return [
    ...(text.match(CJK) ?? []),
    ...text
      .replace(CJK, ' ')
      .split(/\s+/)
      .filter((w) => /[\p{L}\p{N}]/u.test(w)),
  ];
}

/**
 * Yields words × msPerWord of non-silent s16le PCM at `sampleRateHz`: the first chunk `latencyMs`
 * after `synthesize()` is called, and with `chunkMs` set each next chunk `chunkMs / 4` later (the
 * last chunk may be shorter). Text without words yields nothing. Aborting the signal stops synthesis
 * at once and makes the iterator throw the abort reason.
 *
 * @example
 * ```ts
 * const tts = createFakeTts({ clock, chunkMs: 100 });
 * // 'Hello there' = 400 ms of audio: chunks of 100 ms at t = 50, 75, 100, 125 ms.
 * for await (const chunk of tts.synthesize({ text: 'Hello there', signal })) sink.write(chunk, meta);
 * ```
 */
export function createFakeTts(options: FakeTtsOptions): FakeTts {
  const {
    clock,
    // Why 24 kHz: the native rate of most neural TTS voices.
    sampleRateHz = 24000,
    // Why 50 ms: time-to-first-byte of a fast streaming TTS service on a warm connection.
    latencyMs = 50,
    // Why 200 ms: a brisk but real speaking rate (5 words/s) that keeps test audio short.
    msPerWord = 200,
    chunkMs,
    name = 'fake-tts',
    fail,
    phonemes = false,
  } = options;
  const stats: FakeTtsStats = { requests: 0, aborted: 0, chunksGenerated: 0 };

  function synthesize({ text, signal, onPhoneme }: TtsRequest): AsyncIterable<Uint8Array> {
    // Eight voices' worth of distinct noise: requests differ, and the tone cache stays small and warm.
    const seed = stats.requests++ % 8;
    return startClockedStream<Uint8Array>(
      signal,
      async (emit, stop) => {
        if (fail === 'hang') {
          await new Promise((_, reject) => stop.addEventListener('abort', () => reject(stop.reason), { once: true }));
        }
        const wait = sleeper(clock, stop);
        const firstAtMs = clock.now() + latencyMs;
        await wait(latencyMs);
        if (fail === 'error') throw new Error(`${name}: synthesis failed`);
        // A view of a cached tone, not a copy: nothing downstream writes into TTS audio (see sharedTestTone).
        const pcm = sharedTestTone(sampleRateHz, countSpeechWords(text) * msPerWord, { seed, noise: 0.02 });
        if (phonemes && onPhoneme)
          speechWords(text).forEach((word, i) => onPhoneme({ atMs: i * msPerWord, name: word[0]!.toLowerCase() }));
        const chunkBytes = chunkMs ? Math.max(2, pcmBytesFor(chunkMs, sampleRateHz)) : pcm.byteLength;
        for (let offset = 0; offset < pcm.byteLength; offset += chunkBytes) {
          // Why chunkMs / 4: streaming TTS runs a few times faster than real time (here 4x), so a
          // player fed by it builds up a buffer, yet chunks still visibly arrive over time in tests.
          // On a fixed schedule from the request, as the LLM fake's tokens (see there).
          const delayMs = firstAtMs + (offset / chunkBytes) * (chunkMs! / 4) - clock.now();
          if (offset > 0 && delayMs > 0) await wait(delayMs);
          stats.chunksGenerated++;
          emit(pcm.subarray(offset, offset + chunkBytes));
        }
      },
      { onAbort: () => stats.aborted++ },
    );
  }

  return { name, sampleRateHz, stats, synthesize };
}
