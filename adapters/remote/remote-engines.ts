/**
 * Engines that run in worker processes (`voice-agent worker tts|llm|stt`), reached over the bus. They
 * implement the same interfaces as local engines, so the stage actors use them unchanged; a remote TTS
 * can sit in the failover chain like any other engine.
 *
 * @example
 * ```ts
 * const tts = createRemoteTts({ bus, clock: systemClock, sessionId: 's1', sampleRateHz: 16000 });
 * startSession({ ..., engines: { ..., tts: [tts, createRemoteTts({ ... })] } });
 * ```
 */
import type { MessageBus } from '../../bus/message-bus.js';
import type { Clock } from '../clock.js';
import type { LlmEngine } from '../llm/types.js';
import type { SttEngine, SttResult } from '../stt/types.js';
import type { TtsEngine } from '../tts/types.js';
import { callWorker } from './call-worker.js';

export interface RemoteEngineOptions {
  bus: MessageBus;
  clock: Clock;
  sessionId: string;
  /** See DEFAULT_SILENCE_TIMEOUT_MS. */
  silenceTimeoutMs?: number;
  name?: string;
}

export function createRemoteTts(options: RemoteEngineOptions & { sampleRateHz: number }): TtsEngine {
  return {
    name: options.name ?? 'remote-tts',
    sampleRateHz: options.sampleRateHz,
    async *synthesize({ text, voice, language, signal }) {
      const body = { stage: 'tts' as const, text, ...(voice ? { voice } : {}), ...(language ? { language } : {}) };
      for await (const reply of callWorker({ ...options, stage: 'tts', signal }, body)) {
        if (reply.kind === 'chunk') yield reply.audio;
      }
    },
  };
}

export function createRemoteLlm(options: RemoteEngineOptions): LlmEngine {
  return {
    name: options.name ?? 'remote-llm',
    async *stream({ messages, signal, tools, toolChoice }) {
      const request = {
        stage: 'llm' as const,
        messages,
        ...(tools ? { tools } : {}),
        ...(toolChoice ? { toolChoice } : {}),
      };
      for await (const reply of callWorker({ ...options, stage: 'llm', signal }, request)) {
        if (reply.kind === 'token') yield reply.text;
        else if (reply.kind === 'tool_call')
          yield { type: 'tool_call', id: reply.id, name: reply.name, arguments: reply.arguments };
      }
    },
  };
}

/** Remote STT transcribes the whole utterance at speech end (no partials across processes). */
export function createRemoteStt(options: RemoteEngineOptions & { language?: string }): SttEngine {
  return {
    name: options.name ?? 'remote-stt',
    createStream({ sampleRateHz, signal, language, channel }) {
      const parts: Uint8Array[] = [];
      return {
        push: (audio) => void parts.push(audio),
        async finish() {
          const audio = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
          let offset = 0;
          for (const p of parts) {
            audio.set(p, offset);
            offset += p.byteLength;
          }
          const lang = language ?? options.language;
          let result: SttResult = { text: '' };
          const body = {
            stage: 'stt' as const,
            sampleRateHz,
            audio,
            ...(lang ? { language: lang } : {}),
            ...(channel ? { channel } : {}),
          };
          for await (const reply of callWorker({ ...options, stage: 'stt', signal }, body)) {
            if (reply.kind !== 'text') continue;
            const { kind: _kind, ...rest } = reply;
            result = { ...result, ...rest, text: result.text + reply.text };
          }
          return result;
        },
      };
    },
  };
}
