/**
 * The Realtime conformance suite's common ground: a `serve()` on the deterministic fakes (fake VAD, STT
 * and TTS; the LLM an OpenAI-compatible chat fixture that can call tools), speech-like audio streamed at
 * the pace it is recorded; the figures each client file prints are sim/conformance-figures.ts's `report`.
 * Each client library has its own test file (test/conformance/).
 *
 * @example
 * ```ts
 * const world = await startConformanceServer({ tls: true });
 * await streamSpeech((b64) => client.send({ type: 'input_audio_buffer.append', audio: b64 }), 900, true);
 * ```
 */
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/testing/index.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { startChatFixture, type ChatFixture } from './chat-fixture.js';
import { FAKE_ENGINES } from './fake-config.js';
import { makeTestCertificate, type TestCertificate } from './tls.js';

export const API_KEY = 'conformance-key-0123456789';
/** What the fake STT hears in every utterance of the suite. */
export const SPOKEN = 'what time is it';

export interface ConformanceWorld {
  server: VoiceAgentServer;
  chat: ChatFixture;
  tls: TestCertificate | undefined;
  /** `http(s)://127.0.0.1:<port>` */
  httpUrl: string;
  /** `ws(s)://127.0.0.1:<port>/v1/realtime` */
  realtimeUrl: string;
  stop(): Promise<void>;
}

export async function startConformanceServer(options: { tls?: boolean } = {}): Promise<ConformanceWorld> {
  const chat = await startChatFixture();
  const tls = options.tls ? makeTestCertificate() : undefined;
  const config = loadConfig({
    overrides: {
      ...FAKE_ENGINES,
      // The fake STT gives one transcript per utterance, in order, across the server's sessions.
      stt: { engine: 'fake', fakeTranscripts: Array.from({ length: 64 }, () => SPOKEN) },
      llm: { engine: 'openai', baseUrl: chat.baseUrl, model: 'test-model' },
      actions: { path: null },
      server: {
        port: 0,
        apiKeys: [API_KEY],
        drainTimeoutMs: 200,
        ...(tls ? { tls: { certPath: tls.certPath, keyPath: tls.keyPath } } : {}),
      },
    },
  });
  const server = await serve({ config, log: silentLogger });
  const httpUrl = server.http.url;
  return {
    server,
    chat,
    tls,
    httpUrl,
    realtimeUrl: `${httpUrl.replace(/^http/, 'ws')}/v1/realtime`,
    async stop() {
      await server.stop();
      await chat.close();
    },
  };
}

const RATE_HZ = 24_000;

/** Appends `ms` of speech-like audio (or silence), 20 ms per append, at the pace it would be recorded. */
export async function streamSpeech(append: (base64: string) => void, ms: number, speech: boolean): Promise<void> {
  const begun = Date.now();
  for (let i = 0; i < ms / 20; i++) {
    append(Buffer.from(speech ? makeSpeechFrame(RATE_HZ, 20, i) : makeSilenceFrame(RATE_HZ, 20)).toString('base64'));
    await new Promise((r) => setTimeout(r, Math.max(0, begun + (i + 1) * 20 - Date.now())));
  }
}

/** The same, as 24 kHz s16le bytes for clients that take raw audio (the Agents SDK's `sendAudio`). */
export async function streamSpeechBytes(
  append: (pcm: ArrayBuffer) => void,
  ms: number,
  speech: boolean,
): Promise<void> {
  await streamSpeech(
    (b64) => {
      const bytes = Buffer.from(b64, 'base64');
      append(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    },
    ms,
    speech,
  );
}
