/**
 * A fake TTS engine the test steers request by request: each `synthesize` call waits until the test
 * pushes audio, ends or fails it. `activeRequests()` proves that cancelled turns stop synthesizing.
 */
import { createChannel, type Channel } from '../../channel.js';
import type { TtsEngine } from '../types.js';

export interface ControlledTtsRequest {
  text: string;
  /** The voice and language the request asked for (absent: the engine's own). */
  voice?: string;
  language?: string;
  signal: AbortSignal;
  channel: Channel<Uint8Array>;
}

export interface ControlledTts extends TtsEngine {
  readonly requests: ControlledTtsRequest[];
  /** Requests neither aborted nor finished, oldest first. */
  activeRequests(): ControlledTtsRequest[];
}

export function createControlledTts(options: { name?: string; sampleRateHz?: number } = {}): ControlledTts {
  const requests: ControlledTtsRequest[] = [];
  return {
    name: options.name ?? 'controlled-tts',
    sampleRateHz: options.sampleRateHz ?? 16_000,
    requests,
    activeRequests: () => requests.filter((r) => !r.signal.aborted && !r.channel.closed),
    synthesize({ text, voice, language, signal }) {
      const channel = createChannel<Uint8Array>(signal);
      requests.push({
        text,
        signal,
        channel,
        ...(voice !== undefined ? { voice } : {}),
        ...(language !== undefined ? { language } : {}),
      });
      return channel;
    },
  };
}
