/**
 * `--scenario server`: `voice-agent serve` (in this process, port 0, fake engines) driven by N concurrent
 * OpenAI-Realtime WebSocket clients speaking raw JSON over `ws`. Every client streams 20 ms of 24 kHz
 * silence per tick from one shared timer (a microphone's load on the server) and runs typed turns
 * (`conversation.item.create` + `response.create`); three turns in four are cancelled with
 * `response.cancel` 700 ms after their first audio. Everything is measured at the client: first audio
 * against the ideal, cancel → last audio and → `response.done`, error events, plus the process's CPU,
 * loop lag and RSS per session. Clients and server share the process, so CPU and lag are both sides.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { createClauseChunker } from '../actors/clause-chunker.js';
import { makeSilenceFrame, tokenizeReply } from '../adapters/testing/index.js';
import { loadConfig } from '../server/config.js';
import { silentLogger } from '../server/logger.js';
import { serve, type VoiceAgentServer } from '../server/serve.js';
import { measureWindow, STOP_AFTER_MS } from './scenarios.js';
import { REPLY, TTS_LATENCY_MS } from './session-driver.js';
import { round, summarize, type Percentiles } from './stats.js';

export interface ServerRow {
  scenario: 'server';
  transport: 'websocket';
  sessions: number;
  /** Turns with a first audio delta inside the measured window. */
  turns: number;
  /** `new WebSocket()` → `session.created` (TCP, upgrade, session creation), clients connecting in batches. */
  connectMs: Percentiles;
  /** `response.create` sent → first transcript delta (the LLM's first token, one WebSocket hop away). */
  firstTextMs: Percentiles;
  firstAudioMs: Percentiles;
  idealFirstAudioMs: number;
  firstAudioOverIdealMs: Percentiles;
  /** Cancelled turns inside the window. */
  stops: number;
  /** `response.cancel` sent → last audio delta of that response (0 when none came after the cancel). */
  cancelToLastAudioMs: Percentiles;
  cancelToDoneMs: Percentiles;
  /** Audio deltas of a response that arrived after its `response.done`. */
  audioAfterDone: number;
  /** Full (not cancelled) replies in the window: wall time first audio → `response.done` over the audio's duration (≈ 1 in real time). */
  playbackStretch: Percentiles;
  /** Error events, unexpected closes and failed connects, over the whole run. */
  errors: number;
  errorCodes: Record<string, number>;
  /** Turns with no first audio, or no `response.done`, within 15 s (an overloaded server playing slower than real time). */
  lateTurns: number;
  loopLagMs: Percentiles;
  cpuPercent: number;
  /** null below 100 sessions (the process's own RSS swings swamp one session's share). */
  rssPerSessionMb: number | null;
}

/** Why 20 ms: the Realtime clients' usual append size, and the pipeline's frame. */
const MIC_FRAME_MS = 20;
/** Why 24 kHz: the Realtime protocol's default `audio/pcm` rate, what the server expects without a session.update. */
const CLIENT_RATE_HZ = 24_000;
/** Why 200 ms per word: the fake TTS's speaking rate in every other bench scenario (5 words/s). */
const TTS_MS_PER_WORD = 200;
/** Why 50 at a time: bounded accept bursts (the listen backlog is 511), as a fleet reconnecting in waves would. */
const CONNECT_BATCH = 50;
/** Why 15 s: far beyond any healthy turn (the whole reply is ~6 s of audio); past it the turn counts as an error. */
const TURN_TIMEOUT_MS = 15_000;
/** Why 1 s: the shared microphone clock and each session's first frames (resampler creation) settle before RSS is read. */
const SETTLE_MS = 1000;

/** The ideal first audio from `response.create`: the fake LLM's token that closes the first clause (the server's own chunker decides), plus the fake TTS latency. */
function idealFirstAudioMs(server: VoiceAgentServer): number {
  // Why 0 and 20: the fake LLM built by `serve` (server/engines.ts) has no first-token delay and 20 ms between tokens.
  const firstTokenDelayMs = 0;
  const tokenIntervalMs = 20;
  const chunker = createClauseChunker(server.pool.runtime.pipeline.chunker);
  const closing = tokenizeReply(REPLY).findIndex((token) => chunker.push(token).length > 0);
  return firstTokenDelayMs + closing * tokenIntervalMs + TTS_LATENCY_MS;
}

interface ClientTurn {
  requestAtMs: number;
  responseId?: string;
  firstTextAtMs?: number;
  firstAudioAtMs?: number;
  lastAudioAtMs?: number;
  cancelAtMs?: number;
  doneAtMs?: number;
  status?: string;
  audioDeltas: number;
}

interface BenchClient {
  ws: WebSocket;
  turns: ClientTurn[];
  closing: boolean;
  /** Response ids (`resp_<turnId>`, so only unique per session) whose `response.done` arrived. */
  finished: Set<string>;
  /** Resolvers of the current turn: first audio, response.done. */
  waiters: { audio?: () => void; done?: () => void };
}

const TYPE = /"type":"([^"]+)"/;
const RESPONSE_ID = /"response_id":"([^"]+)"/;

export async function runServerScenario(sessions: number, timing: { warmUpMs: number; windowMs: number }, progress: (line: string) => void): Promise<ServerRow> {
  const config = loadConfig({
    overrides: {
      server: { port: 0, maxSessions: sessions + 10, logLevel: 'error' },
      vad: { engine: 'fake' },
      stt: { engine: 'fake', fakeTranscripts: ['what is the weather like'] },
      llm: { engine: 'fake', fakeReply: REPLY },
      tts: { engines: [{ engine: 'fake', latencyMs: TTS_LATENCY_MS, msPerWord: TTS_MS_PER_WORD }], phrases: [] },
    },
  });
  const server = await serve({ config, log: silentLogger });
  const url = `${server.http.url.replace(/^http/, 'ws')}/v1/realtime`;
  const ideal = idealFirstAudioMs(server);
  const errorCodes: Record<string, number> = {};
  const error = (code: string) => void (errorCodes[code] = (errorCodes[code] ?? 0) + 1);
  let lateTurns = 0;
  let audioAfterDone = 0;

  const connect = (): Promise<{ client: BenchClient; connectMs: number }> =>
    new Promise((resolve, reject) => {
      const startedAtMs = performance.now();
      const ws = new WebSocket(url);
      const client: BenchClient = { ws, turns: [], closing: false, finished: new Set(), waiters: {} };
      let created = false;
      const refuse = (reason: Error) => {
        client.closing = true;
        reject(reason);
      };
      ws.on('error', (e) => (created ? error(`socket: ${e.message}`) : refuse(e)));
      ws.once('unexpected-response', (_req, res) => refuse(new Error(`HTTP ${res.statusCode}`)));
      ws.on('close', (code) => {
        if (!created) return refuse(new Error(`closed ${code} before session.created`));
        if (!client.closing) error(`unexpected_close ${code}`);
      });
      ws.on('message', (data: Buffer) => {
        const atMs = performance.now();
        // Only the head is read for the frequent events: audio deltas are ~1.3 kB of base64 each.
        const head = data.toString('latin1', 0, 160);
        const type = TYPE.exec(head)?.[1];
        const turn = client.turns[client.turns.length - 1];
        if (type === 'response.output_audio.delta') {
          const id = RESPONSE_ID.exec(head)?.[1];
          if (id && client.finished.has(id)) audioAfterDone++;
          if (!turn || id !== turn.responseId) return;
          turn.lastAudioAtMs = atMs;
          turn.audioDeltas++;
          if (turn.firstAudioAtMs === undefined) {
            turn.firstAudioAtMs = atMs;
            client.waiters.audio?.();
          }
        } else if (type === 'response.output_audio_transcript.delta') {
          if (turn && turn.firstTextAtMs === undefined && RESPONSE_ID.exec(head)?.[1] === turn.responseId) turn.firstTextAtMs = atMs;
        } else if (type === 'session.created') {
          created = true;
          resolve({ client, connectMs: atMs - startedAtMs });
        } else if (type === 'response.created' || type === 'response.done' || type === 'error') {
          const event = JSON.parse(data.toString()) as { response?: { id: string; status: string }; error?: { code?: string } };
          if (type === 'error') return error(event.error?.code ?? 'error');
          const id = event.response!.id;
          if (type === 'response.created') {
            if (turn && turn.responseId === undefined) turn.responseId = id;
            return;
          }
          client.finished.add(id);
          if (turn && id === turn.responseId) {
            turn.doneAtMs = atMs;
            turn.status = event.response!.status;
            client.waiters.done?.();
          }
        }
      });
    });

  const waitFor = (client: BenchClient, what: 'audio' | 'done', reached: () => boolean): Promise<boolean> =>
    reached()
      ? Promise.resolve(true)
      : new Promise((resolve) => {
          const timer = setTimeout(() => {
            client.waiters[what] = undefined;
            resolve(false);
          }, TURN_TIMEOUT_MS);
          client.waiters[what] = () => {
            clearTimeout(timer);
            client.waiters[what] = undefined;
            resolve(true);
          };
        });

  try {
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    progress(`  connecting ${sessions} client(s)`);
    const clients: BenchClient[] = [];
    const connectTimes: number[] = [];
    for (let i = 0; i < sessions; i += CONNECT_BATCH) {
      const batch = await Promise.allSettled(Array.from({ length: Math.min(CONNECT_BATCH, sessions - i) }, connect));
      for (const r of batch) {
        if (r.status === 'fulfilled') {
          clients.push(r.value.client);
          connectTimes.push(r.value.connectMs);
        } else error(`connect: ${(r.reason as Error).message}`);
      }
    }

    // One shared microphone clock: 20 ms of 24 kHz silence to every client per tick, one pre-encoded event.
    const append = Buffer.from(JSON.stringify({ type: 'input_audio_buffer.append', audio: Buffer.from(makeSilenceFrame(CLIENT_RATE_HZ, MIC_FRAME_MS)).toString('base64') }));
    const mic = setInterval(() => {
      for (const c of clients) if (c.ws.readyState === WebSocket.OPEN) c.ws.send(append, { binary: false });
    }, MIC_FRAME_MS);
    await sleep(SETTLE_MS);
    global.gc?.();
    const rssPerSessionMb = sessions < 100 ? null : round((process.memoryUsage().rss - rssBefore) / sessions / 2 ** 20, 3);

    const itemCreate = JSON.stringify({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is the weather like?' }] } });
    const responseCreate = JSON.stringify({ type: 'response.create' });
    const cancel = JSON.stringify({ type: 'response.cancel' });
    let running = true;
    const loops = clients.map(async (client, i) => {
      // Why staggered over 2 s: N clients that all ask in the same millisecond measure a thundering herd, not a server.
      await sleep((i * 13) % 2000);
      for (let n = 0; running && client.ws.readyState === WebSocket.OPEN; n++) {
        const turn: ClientTurn = { requestAtMs: 0, audioDeltas: 0 };
        client.turns.push(turn);
        client.ws.send(itemCreate);
        turn.requestAtMs = performance.now();
        client.ws.send(responseCreate);
        if (!(await waitFor(client, 'audio', () => turn.firstAudioAtMs !== undefined))) {
          lateTurns++;
          continue;
        }
        // Why three in four: a full reply plays ~6 s, a cancelled turn ~1 s; this keeps samples coming at 1
        // client while full replies (and their playback load) stay in the mix.
        if (n % 4 !== 3) {
          await sleep(STOP_AFTER_MS);
          turn.cancelAtMs = performance.now();
          client.ws.send(cancel);
        }
        if (!(await waitFor(client, 'done', () => turn.doneAtMs !== undefined))) lateTurns++;
        // Why 100-300 ms: a user's pause before the next turn, spread so turns do not align across clients.
        await sleep(100 + ((i * 37 + n * 53) % 200));
      }
    });

    progress(`  ${clients.length} clients connected; warming up ${timing.warmUpMs} ms`);
    await sleep(timing.warmUpMs);
    const windowStart = performance.now();
    progress(`  measuring ${timing.windowMs} ms`);
    const { loopLagMs, cpuPercent } = await measureWindow(() => sleep(timing.windowMs));
    const windowEnd = performance.now();
    running = false;
    progress('  stopping');
    await Promise.race([Promise.all(loops), sleep(TURN_TIMEOUT_MS)]);
    clearInterval(mic);

    const inWindow = (t: number | undefined) => t !== undefined && t >= windowStart && t <= windowEnd;
    const all = clients.flatMap((c) => c.turns);
    const answered = all.filter((t) => inWindow(t.firstAudioAtMs));
    const firstAudio = answered.map((t) => t.firstAudioAtMs! - t.requestAtMs);
    const stopped = all.filter((t) => inWindow(t.cancelAtMs) && t.doneAtMs !== undefined);
    // Each delta is one playback frame of the device sink (pipeline.frameMs).
    const frameMs = server.pool.runtime.pipeline.frameMs;
    const full = all.filter((t) => t.cancelAtMs === undefined && t.status === 'completed' && inWindow(t.doneAtMs) && t.audioDeltas > 0);
    const row: ServerRow = {
      scenario: 'server',
      transport: 'websocket',
      sessions,
      turns: answered.length,
      connectMs: summarize(connectTimes),
      firstTextMs: summarize(answered.filter((t) => t.firstTextAtMs !== undefined).map((t) => t.firstTextAtMs! - t.requestAtMs)),
      firstAudioMs: summarize(firstAudio),
      idealFirstAudioMs: ideal,
      firstAudioOverIdealMs: summarize(firstAudio.map((ms) => ms - ideal)),
      stops: stopped.length,
      cancelToLastAudioMs: summarize(stopped.map((t) => Math.max(0, (t.lastAudioAtMs ?? 0) - t.cancelAtMs!))),
      cancelToDoneMs: summarize(stopped.map((t) => t.doneAtMs! - t.cancelAtMs!)),
      audioAfterDone,
      playbackStretch: summarize(full.map((t) => (t.doneAtMs! - t.firstAudioAtMs!) / (t.audioDeltas * frameMs))),
      errors: Object.values(errorCodes).reduce((a, b) => a + b, 0),
      errorCodes,
      lateTurns,
      loopLagMs,
      cpuPercent,
      rssPerSessionMb,
    };
    for (const c of clients) {
      c.closing = true;
      c.ws.close();
    }
    return row;
  } finally {
    // Closed clients end their sessions; wait for that (bounded) so stop() has nothing to drain.
    const deadline = performance.now() + 10_000;
    while (server.manager.size > 0 && performance.now() < deadline) await sleep(20);
    await server.stop();
  }
}
