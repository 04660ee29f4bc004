/**
 * The Realtime conformance suite's common ground: a `serve()` on the deterministic fakes (fake VAD, STT
 * and TTS; the LLM an OpenAI-compatible chat fixture that can call tools), speech-like audio streamed at
 * the pace it is recorded, and the figures each client file prints (result and first-audio time per
 * scenario). Each client library has its own test file (test/conformance/).
 *
 * @example
 * ```ts
 * const world = await startConformanceServer({ tls: true });
 * await streamSpeech((b64) => client.send({ type: 'input_audio_buffer.append', audio: b64 }), 900, true);
 * report('openai 6.49', 'typed text', 'ok', 42);
 * ```
 */
import { appendFileSync } from 'node:fs';
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
      server: { port: 0, apiKeys: [API_KEY], drainTimeoutMs: 200, ...(tls ? { tls: { certPath: tls.certPath, keyPath: tls.keyPath } } : {}) },
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
export async function streamSpeechBytes(append: (pcm: ArrayBuffer) => void, ms: number, speech: boolean): Promise<void> {
  await streamSpeech(
    (b64) => {
      const bytes = Buffer.from(b64, 'base64');
      append(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    },
    ms,
    speech,
  );
}

/** Where {@link report} also writes its figures, one JSON object a line (the `realtime-clients` benchmark reads them). */
export const FIGURES_ENV = 'VA_CONFORMANCE_FIGURES';

/** One figure of the suite, as the benchmark reads it. */
export interface ConformanceFigure {
  client: string;
  scenario: string;
  result: string;
  /** ms from the request (or the user's end of speech) to the first audio; `null` where the client does not say. */
  firstAudioMs: number | null;
}

/**
 * One figure of the suite, printed: the client, the scenario, its result and its first audio (ms from the
 * request). With `VA_CONFORMANCE_FIGURES` set, also appended to that file.
 */
export function report(client: string, scenario: string, result: string, firstAudioMs: number | null): void {
  const figure = firstAudioMs === null ? '-' : `${Math.round(firstAudioMs)} ms`;
  console.log(`conformance | ${client} | ${scenario} | ${result} | first audio ${figure}`);
  const path = process.env[FIGURES_ENV];
  const row: ConformanceFigure = { client, scenario, result, firstAudioMs: firstAudioMs === null ? null : Math.round(firstAudioMs) };
  if (path) appendFileSync(path, `${JSON.stringify(row)}\n`);
}
