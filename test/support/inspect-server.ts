/**
 * For the inspector's tests: a `serve()` on the fakes with an API key and in-memory records, a
 * WebSocket watcher that collects `@statelyai/inspect` messages, and a voice that speaks into a live
 * session in real time (fake VAD: tone frames are speech, zero frames silence).
 */
import { WebSocket } from 'ws';
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/vad/testing/fake-vad.js';
import { INSPECT_SUBPROTOCOL } from '../../server/inspect/routes.js';
import type { StatelyMessage, StatelySnapshotMessage } from '../../server/inspect/stately-events.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import type { SessionHandle } from '../../runtime/session-host.js';
import { stateValueToString } from '../../runtime/state-value.js';
import { FAKE_ENGINES } from './fake-config.js';

export const INSPECT_KEY = 'inspect-test-key-0123456789';
const RATE_HZ = 16_000;
const FRAME_MS = 20;

export function serveForInspection(): Promise<VoiceAgentServer> {
  return serve({
    // Echo cancellation off: a bus device gets it by default, and it holds the microphone half duplex
    // during the agent's first seconds of speech, when these tests talk over the reply.
    config: loadConfig({
      overrides: {
        ...FAKE_ENGINES,
        audio: { echoCancel: 'off' },
        server: { port: 0, apiKeys: [INSPECT_KEY], drainTimeoutMs: 200 },
      },
    }),
    db: ':memory:',
    log: silentLogger,
  });
}

export interface Watcher {
  ws: WebSocket;
  messages: StatelyMessage[];
  /** The root chart's states, flattened (`speaking.reply.playing+user.silent`), in order. */
  states(): string[];
  rootSnapshots(): StatelySnapshotMessage[];
  closed: Promise<{ code: number; reason: string }>;
}

/** Connects to `/inspect/ws?<query>` with the key as the browser subprotocol; resolves once open. */
export async function watch(server: VoiceAgentServer, query: string, key = INSPECT_KEY): Promise<Watcher> {
  const ws = new WebSocket(`${server.http.url.replace(/^http/, 'ws')}/inspect/ws?${query}`, [
    INSPECT_SUBPROTOCOL,
    `openai-insecure-api-key.${key}`,
  ]);
  const messages: StatelyMessage[] = [];
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as StatelyMessage));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const rootSnapshots = () =>
    messages.filter((m): m is StatelySnapshotMessage => m.type === '@xstate.snapshot' && m.sessionId === m.rootId);
  return {
    ws,
    messages,
    rootSnapshots,
    states: () => rootSnapshots().map((m) => stateValueToString(m.snapshot.value as never)),
    closed,
  };
}

/** Pushes `speechMs` of speech then `silenceMs` of silence into the session, paced in real time. */
export async function speak(handle: SessionHandle, speechMs: number, silenceMs: number): Promise<void> {
  const speech = Math.round(speechMs / FRAME_MS);
  const total = speech + Math.round(silenceMs / FRAME_MS);
  const startedAt = performance.now();
  for (let i = 0; i < total; i++) {
    handle.pushAudio(i < speech ? makeSpeechFrame(RATE_HZ, FRAME_MS, i) : makeSilenceFrame(RATE_HZ, FRAME_MS), RATE_HZ);
    const due = startedAt + (i + 1) * FRAME_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())));
  }
}
