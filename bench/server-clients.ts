/**
 * The client side of `--scenario server`: N OpenAI-Realtime WebSocket clients speaking raw JSON over `ws`,
 * run in a child process of the bench (a server's clients are elsewhere in real life; in the same process
 * they would take the server's core and measure each other). Every client streams 20 ms of 24 kHz silence
 * every 20 ms (a microphone's load on the server), the clients spread over `micPhases` phases of the 20 ms
 * as independent devices are, and runs typed turns
 * (`conversation.item.create` + `response.create`); three turns in four, drawn per client and turn
 * ({@link turnRoll}), are cancelled with `response.cancel` 700 ms after their first audio. Every time is
 * taken here, at the client.
 *
 * Run by `bench/server-scenario.ts` through `fork()`; it talks over IPC ({@link FleetMessage}).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { makeSilenceFrame } from '../adapters/testing/index.js';
import { STOP_AFTER_MS } from './scenarios.js';
import { turnRoll } from './turn-roll.js';
import { measureWindow } from './window.js';
import type { Percentiles } from './stats.js';

export interface FleetOptions {
  /**
   * The servers' Realtime URLs: client i connects to `urls[i % urls.length]` (as DNS round robin would spread them).
   */
  urls: string[];
  sessions: number;
  warmUpMs: number;
  windowMs: number;
  /**
   * How many phases of the 20 ms frame the clients' microphones are spread over (client i sends at
   * phase i mod micPhases). 1: every client sends in the same millisecond, a burst no set of independent
   * devices produces; the default 10 puts a tenth of them every 2 ms.
   */
  micPhases?: number;
}

export interface ClientTurn {
  /** The server's session id (from `session.created`), to join the client's times with the server's. */
  sessionId?: string;
  requestAtMs: number;
  responseId?: string;
  firstTextAtMs?: number;
  firstAudioAtMs?: number;
  lastAudioAtMs?: number;
  cancelAtMs?: number;
  doneAtMs?: number;
  status?: string;
  audioDeltas: number;
  /** Audio received, from the deltas' sizes (a delta carries one frame or a burst of them). */
  audioMs: number;
}

/** Output is pcm16 at 24 kHz: 48 bytes a millisecond. */
const OUTPUT_BYTES_PER_MS = 48;
const DELTA_KEY = Buffer.from('"delta":"');

/** The audio in a delta event, from its base64's length (the delta is the event's last field), without decoding it. */
function deltaAudioMs(data: Buffer): number {
  const at = data.lastIndexOf(DELTA_KEY);
  if (at < 0) return 0;
  const start = at + DELTA_KEY.length;
  const end = data.indexOf(0x22, start);
  if (end < 0) return 0;
  let padding = 0;
  if (data[end - 1] === 0x3d) padding++;
  if (data[end - 2] === 0x3d) padding++;
  return (((end - start) * 3) / 4 - padding) / OUTPUT_BYTES_PER_MS;
}

export interface FleetResult {
  turns: ClientTurn[];
  connectMs: number[];
  errorCodes: Record<string, number>;
  lateTurns: number;
  audioAfterDone: number;
  windowStartMs: number;
  windowEndMs: number;
  loopLagMs: Percentiles;
  cpuPercent: number;
  /** This process's `performance.timeOrigin`: its times plus this are wall-clock ms, comparable with the server's. */
  timeOrigin: number;
}

/** Child → parent: progress lines, the phases the server measures around, and the result. */
export type FleetMessage =
  | { type: 'progress'; line: string }
  | { type: 'phase'; phase: 'connected' | 'settled' | 'window-start' | 'window-end' }
  | { type: 'result'; result: FleetResult }
  | { type: 'failed'; message: string };

/** Why 20 ms: the Realtime clients' usual append size, and the pipeline's frame. */
const MIC_FRAME_MS = 20;
/** Why 24 kHz: the Realtime protocol's default `audio/pcm` rate, what the server expects without a session.update. */
const CLIENT_RATE_HZ = 24_000;
/** Why 50 at a time: bounded accept bursts (the listen backlog is 511), as a fleet reconnecting in waves would. */
const CONNECT_BATCH = 50;
/** Why 15 s: far beyond any healthy turn (the whole reply is ~6 s of audio); past it the turn counts as late. */
const TURN_TIMEOUT_MS = 15_000;
/** Why 1 s: the microphones and each session's first frames (resampler creation) settle before RSS is read. */
const SETTLE_MS = 1000;
/** Why 10: a tenth of the clients every 2 ms, as fine as a timer of ~1 ms resolution spreads them. */
const DEFAULT_MIC_PHASES = 10;

interface BenchClient {
  ws: WebSocket;
  turns: ClientTurn[];
  closing: boolean;
  sessionId?: string;
  /** Response ids (`resp_<turnId>`, so only unique per session) whose `response.done` arrived. */
  finished: Set<string>;
  /** Resolvers of the current turn: first audio, response.done. */
  waiters: { audio?: () => void; done?: () => void };
}

/** One turn in four plays its whole reply; the rest are cancelled. */
const FULL_REPLY_SHARE = 0.25;
/** Two unrelated draws per turn (whether it plays in full, how long the user then pauses): any two different salts. */
const FULL_REPLY_SALT = 0x1f2e3d4c;
const PAUSE_SALT = 0x5a6b7c8d;

const TYPE = /"type":"([^"]+)"/;
const RESPONSE_ID = /"response_id":"([^"]+)"/;

export async function runClientFleet(
  options: FleetOptions,
  report: (message: FleetMessage) => void,
): Promise<FleetResult> {
  const { urls, sessions } = options;
  let connecting = 0;
  const errorCodes: Record<string, number> = {};
  const error = (code: string) => void (errorCodes[code] = (errorCodes[code] ?? 0) + 1);
  let lateTurns = 0;
  let audioAfterDone = 0;
  const progress = (line: string) => report({ type: 'progress', line });

  const connect = (): Promise<{ client: BenchClient; connectMs: number }> =>
    new Promise((resolve, reject) => {
      const startedAtMs = performance.now();
      const ws = new WebSocket(urls[connecting++ % urls.length]!);
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
          turn.audioMs += deltaAudioMs(data);
          if (turn.firstAudioAtMs === undefined) {
            turn.firstAudioAtMs = atMs;
            client.waiters.audio?.();
          }
        } else if (type === 'response.output_audio_transcript.delta') {
          if (turn && turn.firstTextAtMs === undefined && RESPONSE_ID.exec(head)?.[1] === turn.responseId)
            turn.firstTextAtMs = atMs;
        } else if (type === 'session.created') {
          created = true;
          client.sessionId = (JSON.parse(data.toString()) as { session?: { id?: string } }).session?.id;
          resolve({ client, connectMs: atMs - startedAtMs });
        } else if (type === 'response.created' || type === 'response.done' || type === 'error') {
          const event = JSON.parse(data.toString()) as {
            response?: { id: string; status: string };
            error?: { code?: string };
          };
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

  progress(`  connecting ${sessions} client(s)`);
  const clients: BenchClient[] = [];
  const connectMs: number[] = [];
  for (let i = 0; i < sessions; i += CONNECT_BATCH) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(CONNECT_BATCH, sessions - i) }, connect));
    for (const r of batch) {
      if (r.status === 'fulfilled') {
        clients.push(r.value.client);
        connectMs.push(r.value.connectMs);
      } else error(`connect: ${(r.reason as Error).message}`);
    }
  }
  report({ type: 'phase', phase: 'connected' });

  // The microphones: 20 ms of 24 kHz silence per client per frame, one pre-encoded event, on an absolute
  // schedule (a late timer sends the frames it owes at once, as a device's buffered audio would arrive).
  const append = Buffer.from(
    JSON.stringify({
      type: 'input_audio_buffer.append',
      audio: Buffer.from(makeSilenceFrame(CLIENT_RATE_HZ, MIC_FRAME_MS)).toString('base64'),
    }),
  );
  const phases = Math.max(1, Math.min(MIC_FRAME_MS, Math.round(options.micPhases ?? DEFAULT_MIC_PHASES)));
  const phaseMs = MIC_FRAME_MS / phases;
  const micStartMs = performance.now();
  const nextSendMs = Array.from({ length: phases }, (_, phase) => micStartMs + phase * phaseMs);
  let mic: NodeJS.Timeout | undefined;
  const sendDueFrames = () => {
    const now = performance.now();
    for (let phase = 0; phase < phases; phase++) {
      while (nextSendMs[phase]! <= now) {
        for (let i = phase; i < clients.length; i += phases)
          if (clients[i]!.ws.readyState === WebSocket.OPEN) clients[i]!.ws.send(append, { binary: false });
        nextSendMs[phase]! += MIC_FRAME_MS;
      }
    }
    mic = setTimeout(sendDueFrames, Math.max(1, Math.min(...nextSendMs) - performance.now()));
  };
  sendDueFrames();
  await sleep(SETTLE_MS);
  report({ type: 'phase', phase: 'settled' });

  const itemCreate = JSON.stringify({
    type: 'conversation.item.create',
    item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is the weather like?' }] },
  });
  const responseCreate = JSON.stringify({ type: 'response.create' });
  const cancel = JSON.stringify({ type: 'response.cancel' });
  let running = true;
  const loops = clients.map(async (client, i) => {
    // Why staggered over 2 s: N clients that all ask in the same millisecond measure a thundering herd, not a server.
    await sleep((i * 13) % 2000);
    for (let n = 0; running && client.ws.readyState === WebSocket.OPEN; n++) {
      const turn: ClientTurn = { sessionId: client.sessionId, requestAtMs: 0, audioDeltas: 0, audioMs: 0 };
      client.turns.push(turn);
      client.ws.send(itemCreate);
      turn.requestAtMs = performance.now();
      client.ws.send(responseCreate);
      if (!(await waitFor(client, 'audio', () => turn.firstAudioAtMs !== undefined))) {
        lateTurns++;
        continue;
      }
      // Why three in four: a full reply plays ~6 s, a cancelled turn ~1 s; this keeps samples coming at 1
      // client while full replies (and their playback load) stay in the mix. Why drawn per client and turn:
      // on one shared pattern all clients played their full replies at once, then all took short turns at
      // once, a load swinging every ~9 s that no set of independent users makes (docs/benchmarks.md).
      if (turnRoll(i, n, FULL_REPLY_SALT) >= FULL_REPLY_SHARE) {
        await sleep(STOP_AFTER_MS);
        turn.cancelAtMs = performance.now();
        client.ws.send(cancel);
      }
      if (!(await waitFor(client, 'done', () => turn.doneAtMs !== undefined))) lateTurns++;
      // Why 100-300 ms: a user's pause before the next turn, spread so turns do not align across clients.
      await sleep(100 + Math.floor(turnRoll(i, n, PAUSE_SALT) * 200));
    }
  });

  progress(`  ${clients.length} clients connected; warming up ${options.warmUpMs} ms`);
  await sleep(options.warmUpMs);
  const windowStartMs = performance.now();
  progress(`  measuring ${options.windowMs} ms`);
  report({ type: 'phase', phase: 'window-start' });
  const { loopLagMs, cpuPercent } = await measureWindow(() => sleep(options.windowMs));
  report({ type: 'phase', phase: 'window-end' });
  const windowEndMs = performance.now();
  running = false;
  progress('  stopping');
  await Promise.race([Promise.all(loops), sleep(TURN_TIMEOUT_MS)]);
  clearTimeout(mic);
  for (const c of clients) {
    c.closing = true;
    c.ws.close();
  }
  return {
    turns: clients.flatMap((c) => c.turns),
    connectMs,
    errorCodes,
    lateTurns,
    audioAfterDone,
    windowStartMs,
    windowEndMs,
    loopLagMs,
    cpuPercent,
    timeOrigin: performance.timeOrigin,
  };
}

// As a child process: options arrive over IPC, the result goes back the same way.
if (process.send && process.argv.includes('--fleet-child')) {
  const send = (message: FleetMessage) => process.send!(message);
  process.once('message', (options: FleetOptions) => {
    runClientFleet(options, send).then(
      (result) => send({ type: 'result', result }),
      (error: unknown) =>
        send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
}
