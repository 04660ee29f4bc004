/**
 * OpenAI-compatible transcription (`POST /audio/transcriptions`): OpenAI Whisper, faster-whisper-server,
 * whisper.cpp's server, LocalAI, vLLM, …. The utterance is buffered while the user speaks and sent as one
 * WAV file at speech end; the API has no partial results, so barge-in policies that count words fall
 * back to the minimum speech duration. One client per engine keeps its connection alive between turns.
 *
 * @example
 * ```ts
 * const stt = createOpenAiTranscriptionStt({
 *   baseUrl: 'http://127.0.0.1:8000/v1',
 *   model: 'Systran/faster-whisper-small',
 * });
 * const stream = stt.createStream({ sampleRateHz: 16_000, onPartial: () => {}, signal });
 * stream.push(pcm);
 * const { text, language } = await stream.finish(); // language: 'en', when the server says
 * ```
 */
import { encodeWav } from '../audio/wav.js';
import {
  apiErrorStatus,
  createOpenAiClient,
  describeServiceError,
  requireOpenAiPackage,
  type OpenAiEndpoint,
} from '../openai/client.js';
import { languageTag } from './language-tag.js';
import type { SttEngine, SttResult } from './types.js';

export interface OpenAiTranscriptionOptions extends OpenAiEndpoint {
  model: string;
  /** ISO-639-1 hint (`en`, `zh`); unset lets the server detect the language. */
  language?: string;
}

/** The transcription server failed or could not be reached; the message names the URL and the fix. */
export class TranscriptionServiceError extends Error {
  override name = 'TranscriptionServiceError';
}

export function createOpenAiTranscriptionStt(options: OpenAiTranscriptionOptions): SttEngine {
  const { toFile } = requireOpenAiPackage('`stt.engine: openai`');
  const client = createOpenAiClient(options);
  const fail = (error: unknown) =>
    new TranscriptionServiceError(
      describeServiceError(
        error,
        'transcription server',
        options.baseUrl,
        `check the model "${options.model}"`,
        'stt.baseUrl',
      ),
      {
        cause: error,
      },
    );

  // `verbose_json` names the detected language (Whisper, faster-whisper-server, whisper.cpp); OpenAI's
  // gpt-4o transcription models accept only `json`, which has no language.
  const verbose = !/^gpt-4o/.test(options.model);
  const transcribe = async (
    pcm: Uint8Array,
    sampleRateHz: number,
    language: string | undefined,
    signal: AbortSignal,
  ): Promise<SttResult> => {
    try {
      const file = await toFile(encodeWav(pcm, sampleRateHz), 'speech.wav', { type: 'audio/wav' });
      const result = (await client.audio.transcriptions.create(
        {
          file,
          model: options.model,
          response_format: verbose ? 'verbose_json' : 'json',
          ...(language ? { language } : {}),
        },
        { signal },
      )) as { text: string; language?: string };
      const tag = languageTag(result.language);
      return { text: result.text.trim(), ...(tag ? { language: tag } : {}) };
    } catch (error) {
      if (signal.aborted) return { text: '' };
      throw fail(error);
    }
  };

  return {
    name: `openai-transcription(${options.model})`,
    // Why GET /models: cheap, and it opens the kept-alive connection the first turn then reuses. Any
    // answer (whisper.cpp's server has no /models and says 404) proves the server is there.
    async warmUp() {
      try {
        await client.models.list();
      } catch (error) {
        if (apiErrorStatus(error) !== undefined) return;
        throw fail(error);
      }
    },
    createStream({ sampleRateHz, language, signal }) {
      const parts: Uint8Array[] = [];
      let bytes = 0;
      return {
        push(audio) {
          parts.push(audio.slice());
          bytes += audio.byteLength;
        },
        // An aborted turn resolves with an empty transcript: the STT actor drops it by turnId anyway.
        async finish() {
          if (signal.aborted || bytes === 0) return { text: '' };
          const pcm = new Uint8Array(bytes);
          let at = 0;
          for (const p of parts) {
            pcm.set(p, at);
            at += p.byteLength;
          }
          return transcribe(pcm, sampleRateHz, language ?? options.language, signal);
        },
      };
    },
  };
}
