/**
 * OpenAI-compatible speech (`POST /audio/speech`): OpenAI, and local servers that speak the same API
 * (Kokoro-FastAPI, openedai-speech, LocalAI, …). Asks for `response_format: "pcm"` — raw s16le mono at
 * 24 kHz — and yields it as it streams in, so the first audio plays while the server is still
 * synthesizing. An abort closes the HTTP request, which stops the server.
 *
 * @example
 * ```ts
 * const tts = createOpenAiSpeechTts({ baseUrl: 'http://127.0.0.1:8880/v1', model: 'kokoro', voice: 'af_heart' });
 * for await (const chunk of tts.synthesize({ text: 'Hello there.', signal })) play(chunk);
 * ```
 */
import { EngineError } from '../engine-error.js';
import {
  createOpenAiClient,
  describeServiceError,
  isRetryableServiceError,
  type OpenAiEndpoint,
} from '../openai/client.js';
import type { TtsEngine } from './types.js';

export interface OpenAiSpeechOptions extends OpenAiEndpoint {
  model: string;
  voice: string;
  /** Why 100 ms: what streaming engines deliver; fine-grained for playback, few messages on the bus. */
  chunkMs?: number;
}

/** The speech server failed or could not be reached; the message names the URL and the fix. */
export class SpeechServiceError extends EngineError {
  override name = 'SpeechServiceError';
}

/** What the API's `pcm` format is: 24 kHz, 16-bit signed little-endian, mono. */
const PCM_RATE_HZ = 24_000;

export function createOpenAiSpeechTts(options: OpenAiSpeechOptions): TtsEngine {
  const client = createOpenAiClient(options);
  const chunkBytes = Math.round(((options.chunkMs ?? 100) * PCM_RATE_HZ) / 1000) * 2;
  const fail = (error: unknown) =>
    new SpeechServiceError(
      describeServiceError(
        error,
        'speech server',
        options.baseUrl,
        `check the model "${options.model}" and the voice "${options.voice}"`,
        'tts.engines[].baseUrl',
      ),
      { cause: error, retryable: isRetryableServiceError(error) },
    );

  async function* synthesize({
    text,
    voice,
    signal,
  }: Parameters<TtsEngine['synthesize']>[0]): AsyncGenerator<Uint8Array> {
    if (signal.aborted) return;
    let body: ReadableStream<Uint8Array> | null;
    try {
      const response = await client.audio.speech.create(
        { model: options.model, voice: voice ?? options.voice, input: text, response_format: 'pcm' },
        { signal },
      );
      body = response.body;
    } catch (error) {
      if (signal.aborted) return;
      throw fail(error);
    }
    if (!body)
      throw new SpeechServiceError(`speech server at ${options.baseUrl} sent no audio for "${text.slice(0, 40)}"`, {
        retryable: true,
      });
    const reader = body.getReader();
    let pending = new Uint8Array(0);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (signal.aborted) return;
        if (done) break;
        const joined = new Uint8Array(pending.byteLength + value.byteLength);
        joined.set(pending, 0);
        joined.set(value, pending.byteLength);
        // Whole chunks go out now; the remainder (including an odd byte) waits for the next read.
        const ready = joined.byteLength - (joined.byteLength % chunkBytes);
        for (let at = 0; at < ready; at += chunkBytes) yield joined.slice(at, at + chunkBytes);
        pending = joined.slice(ready);
      }
      const even = pending.byteLength - (pending.byteLength % 2);
      if (even > 0) yield pending.slice(0, even);
    } catch (error) {
      if (signal.aborted) return;
      throw fail(error);
    } finally {
      // Closes the connection when the consumer stops early (barge-in, failover).
      void reader.cancel().catch(() => undefined);
    }
  }

  return {
    name: `openai-speech(${options.model}/${options.voice})`,
    sampleRateHz: PCM_RATE_HZ,
    // Why a one-word synthesis rather than GET /models: many local speech servers do not serve /models,
    // and this also loads the voice, which is what makes a first request slow.
    async warmUp() {
      const signal = new AbortController().signal;
      for await (const chunk of synthesize({ text: 'ok', signal })) void chunk;
    },
    synthesize,
  };
}
