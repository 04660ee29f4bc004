/**
 * The client side of `--scenario capacity`: N OpenAI-Realtime clients over `ws` in a process of their own,
 * each a microphone streaming 20 ms frames of 24 kHz audio in real time (a −70 dBFS room between the
 * words) and, in a loop: 0.6 s quiet, a spoken command (a recording of a real person or an eSpeak NG
 * voice), its answer, 2.5 s quiet; then a typed question with a long answer ("tell me a joke": the rule
 * policy's fallback), and 700 ms into that answer's audio a spoken stop phrase; 2.5 s quiet.
 *
 * Times are taken here, as capture times: a frame sent at `t` holds the audio of `[t − 20 ms, t)`, so the
 * voice's end was captured at `sendTime − 20 ms + its offset in the frame`.
 * - first audio after the end of speech: the command's voice end → its response's first audio delta;
 * - e-stop after the phrase: the stop phrase's voice end → the `voice_agent.notice` `estop`.
 *
 * Run by `bench/capacity-scenario.ts` through `fork()`; it talks over IPC ({@link CapacityFleetMessage}).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { CLIENT_RATE_HZ, loadCapacityClips, type CapacityClip } from './capacity-speech.js';

export interface CapacityFleetOptions {
  /** Client i connects to `urls[i % urls.length]`. */
  urls: string[];
  sessions: number;
  /** How long clients start new loops (ms); the turns under way then finish. */
  windowMs: number;
}

export interface CapacityFleetResult {
  connected: number;
  /** Clients the server refused, by the `error` event's code (or the HTTP status / close code). */
  refused: Record<string, number>;
  commands: number;
  answered: number;
  /** Answered commands whose transcript was the words said. */
  recognized: number;
  /** First audio after the voice's end of the recognized commands (ms): the promise's figure. */
  firstAudioMs: number[];
  /**
   * And of the misheard ones: a transcript that is no complete command waits the VAD's full hangover, by design
   * (docs/end-of-turn.md), whatever the load.
   */
  unrecognizedFirstAudioMs: number[];
  /** Misheard commands, as `clip as "transcript"`, with how often. */
  misheard: Record<string, number>;
  stops: number;
  stopped: number;
  estopMs: number[];
  /** `error` events to admitted clients, by code. */
  errors: Record<string, number>;
  /** Clips that went unanswered or unstopped, with how often. */
  missed: Record<string, number>;
  /** Each clip's times (first audio, or e-stop), ms. */
  byClip: Record<string, number[]>;
  /**
   * The server's own figures of each spoken turn (`voice_agent.turn.latency`, its last report): where the time went.
   */
  stages: Array<Record<string, number | null>>;
  skipped: string[];
}

export type CapacityFleetMessage =
  | { type: 'progress'; line: string }
  | { type: 'phase'; phase: 'window-start' | 'window-end' }
  | { type: 'result'; result: CapacityFleetResult }
  | { type: 'failed'; message: string };

const FRAME_MS = 20;
const FRAME_SAMPLES = (CLIENT_RATE_HZ * FRAME_MS) / 1000;
const QUIET_BEFORE_MS = 600;
const QUIET_AFTER_MS = 2500;
/** Why 700 ms: well into the answer, as the reply bench's STOP (scenarios.ts). */
const STOP_AFTER_MS = 700;
/** Why 10 s: an answer this late is not an answer; the turn counts as unanswered. */
const ANSWER_TIMEOUT_MS = 10_000;
/** Why 3 s: a stop this late did not stop the robot; the stop counts as missed. */
const STOP_TIMEOUT_MS = 3000;
/** Why 15 s: the longest answer (~5 s of audio) with room. */
const IDLE_TIMEOUT_MS = 15_000;
const LONG_ANSWER_PROMPT = 'tell me a joke';
const NOISE_FLOOR_DBFS = -70;

const TYPE = /"type":"([^"]+)"/;
/** Lower case, words only: a transcript and the words said compared. */
const wordsOf = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .trim()
    .split(/\s+/)
    .join(' ');
const sameWords = (a: string, b: string) => wordsOf(a) === wordsOf(b);

/** Eight frames of a quiet room, base64 events ready to send. */
function quietFrames(): { samples: Int16Array[]; events: string[] } {
  const rms = 32_768 * 10 ** (NOISE_FLOOR_DBFS / 20);
  let seed = 7;
  const noise = () => {
    let sum = 0;
    for (let i = 0; i < 3; i++) sum += (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648 - 0.5;
    return Math.round(sum * 2 * rms);
  };
  const samples = Array.from({ length: 8 }, () => Int16Array.from({ length: FRAME_SAMPLES }, noise));
  return { samples, events: samples.map((s) => appendEvent(s)) };
}

const appendEvent = (frame: Int16Array) =>
  JSON.stringify({
    type: 'input_audio_buffer.append',
    audio: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64'),
  });

interface Speaking {
  clip: CapacityClip;
  at: number;
  resolve: (endAtMs: number) => void;
  endAtMs?: number;
}

interface Client {
  ws: WebSocket;
  index: number;
  speaking?: Speaking;
  /** Response ids created and not yet done. */
  open: Set<string>;
  latency: Map<string, Record<string, number | null>>;
  /** Listeners for the next matching event. */
  waiters: Set<(type: string, head: string, data: Buffer, atMs: number) => void>;
}

export async function runCapacityFleet(
  options: CapacityFleetOptions,
  report: (message: CapacityFleetMessage) => void,
): Promise<CapacityFleetResult> {
  const progress = (line: string) => report({ type: 'progress', line });
  const { clips, skipped } = await loadCapacityClips();
  const commands = clips.filter((c) => c.kind === 'command');
  const stops = clips.filter((c) => c.kind === 'stop');
  if (commands.length === 0 || stops.length === 0) throw new Error(`no speech to send: ${skipped.join('; ')}`);
  const quiet = quietFrames();
  const result: CapacityFleetResult = {
    connected: 0,
    refused: {},
    commands: 0,
    answered: 0,
    recognized: 0,
    firstAudioMs: [],
    unrecognizedFirstAudioMs: [],
    misheard: {},
    stops: 0,
    stopped: 0,
    estopMs: [],
    errors: {},
    missed: {},
    byClip: {},
    stages: [],
    skipped,
  };
  const count = (into: Record<string, number>, key: string) => void (into[key] = (into[key] ?? 0) + 1);

  const connect = (index: number): Promise<Client | undefined> =>
    new Promise((resolve) => {
      const ws = new WebSocket(options.urls[index % options.urls.length]!);
      const client: Client = { ws, index, open: new Set(), waiters: new Set(), latency: new Map() };
      let created = false;
      const refused = (code: string) => {
        if (created) return;
        created = true;
        count(result.refused, code);
        resolve(undefined);
      };
      ws.once('unexpected-response', (_req, res) => refused(`HTTP ${res.statusCode}`));
      ws.on('error', () => refused('socket error'));
      ws.on('close', (code) => refused(`closed ${code}`));
      ws.on('message', (data: Buffer) => {
        const atMs = performance.now();
        const head = data.toString('latin1', 0, 200);
        const type = TYPE.exec(head)?.[1] ?? '';
        if (type === 'session.created') {
          created = true;
          result.connected++;
          return resolve(client);
        }
        if (type === 'error') {
          const code = (JSON.parse(data.toString()) as { error?: { code?: string } }).error?.code ?? 'error';
          if (!created) return refused(code);
          count(result.errors, code);
        }
        if (type === 'voice_agent.turn.latency') {
          const e = JSON.parse(data.toString()) as Record<string, unknown>;
          if (e.from === 'voice_end' && typeof e.first_audio_ms === 'number') {
            const turn = String(e.turn_id);
            client.latency.set(turn, {
              end_of_turn_ms: e.end_of_turn_ms as number | null,
              transcript_ms: e.transcript_ms as number | null,
              first_token_ms: e.first_token_ms as number | null,
              first_audio_ms: e.first_audio_ms,
            });
          }
        }
        if (type === 'response.created')
          client.open.add((JSON.parse(data.toString()) as { response: { id: string } }).response.id);
        if (type === 'response.done')
          client.open.delete((JSON.parse(data.toString()) as { response: { id: string } }).response.id);
        for (const waiter of [...client.waiters]) waiter(type, head, data, atMs);
      });
    });

  /** Resolves with the first event `match` accepts (its arrival time), or undefined after `timeoutMs`. */
  const next = (client: Client, timeoutMs: number, match: (type: string, head: string, data: Buffer) => boolean) =>
    new Promise<number | undefined>((resolve) => {
      const waiter = (type: string, head: string, data: Buffer, atMs: number) => {
        if (!match(type, head, data)) return;
        client.waiters.delete(waiter);
        clearTimeout(timer);
        resolve(atMs);
      };
      const timer = setTimeout(() => {
        client.waiters.delete(waiter);
        resolve(undefined);
      }, timeoutMs);
      client.waiters.add(waiter);
    });
  const idle = async (client: Client) => {
    const deadline = performance.now() + IDLE_TIMEOUT_MS;
    while (client.open.size > 0 && performance.now() < deadline) await sleep(50);
  };
  const speak = (client: Client, clip: CapacityClip) =>
    new Promise<number>((resolve) => (client.speaking = { clip, at: 0, resolve }));

  progress(`  connecting ${options.sessions} client(s)`);
  const clients: Client[] = [];
  for (let i = 0; i < options.sessions; i++) {
    const client = await connect(i);
    if (client) clients.push(client);
    // Why 20 ms apart: a fleet's clients arrive over time; a burst of upgrades measures the accept queue.
    await sleep(20);
  }

  // The microphones: one frame per client every 20 ms on an absolute schedule, spread over the 20 ms.
  const startedAtMs = performance.now();
  const due = clients.map((_, i) => startedAtMs + ((i * 7) % FRAME_MS));
  let frameNo = 0;
  let mic: NodeJS.Timeout | undefined;
  const sendDue = () => {
    const now = performance.now();
    for (const [i, client] of clients.entries()) {
      while (due[i]! <= now) {
        due[i]! += FRAME_MS;
        if (client.ws.readyState !== WebSocket.OPEN) continue;
        const speaking = client.speaking;
        const n = frameNo++ % quiet.events.length;
        if (!speaking) {
          client.ws.send(quiet.events[n]!);
          continue;
        }
        const frame = Int16Array.from(quiet.samples[n]!);
        const { samples, endIndex } = speaking.clip;
        for (let j = 0; j < FRAME_SAMPLES; j++)
          frame[j] = Math.max(-32_768, Math.min(32_767, frame[j]! + (samples[speaking.at + j] ?? 0)));
        client.ws.send(appendEvent(frame));
        const capturedFromMs = performance.now() - FRAME_MS;
        if (speaking.endAtMs === undefined && endIndex <= speaking.at + FRAME_SAMPLES)
          speaking.endAtMs = capturedFromMs + ((endIndex - speaking.at) * 1000) / CLIENT_RATE_HZ;
        speaking.at += FRAME_SAMPLES;
        if (speaking.at >= samples.length) {
          client.speaking = undefined;
          speaking.resolve(speaking.endAtMs ?? capturedFromMs);
        }
      }
    }
    mic = setTimeout(sendDue, Math.max(1, Math.min(...due) - performance.now()));
  };
  sendDue();

  let running = true;
  const loops = clients.map(async (client) => {
    const i = client.index;
    // Why staggered: N users who all speak in the same 20 ms measure a thundering herd, not a server.
    await sleep((i * 373) % 3000);
    for (let n = 0; running && client.ws.readyState === WebSocket.OPEN; n++) {
      await sleep(QUIET_BEFORE_MS);
      const command = commands[(i * 5 + n) % commands.length]!;
      const answer = next(
        client,
        ANSWER_TIMEOUT_MS + command.samples.length / (CLIENT_RATE_HZ / 1000),
        (type) => type === 'response.output_audio.delta',
      );
      const heard = { text: undefined as string | undefined };
      const transcribed = next(
        client,
        ANSWER_TIMEOUT_MS + command.samples.length / (CLIENT_RATE_HZ / 1000),
        (type, _, data) => {
          if (type !== 'conversation.item.input_audio_transcription.completed') return false;
          heard.text = (JSON.parse(data.toString()) as { transcript?: string }).transcript ?? '';
          return true;
        },
      );
      const endAtMs = await speak(client, command);
      const firstAudioAtMs = await answer;
      await transcribed;
      result.commands++;
      if (firstAudioAtMs !== undefined && firstAudioAtMs > endAtMs - 500) {
        result.answered++;
        const recognized = heard.text !== undefined && sameWords(heard.text, command.text);
        if (recognized) result.recognized++;
        (recognized ? result.firstAudioMs : result.unrecognizedFirstAudioMs).push(firstAudioAtMs - endAtMs);
        (result.byClip[command.name] ??= []).push(Math.round(firstAudioAtMs - endAtMs));
        if (!recognized) count(result.misheard, `${command.name} as "${heard.text ?? ''}"`);
      } else count(result.missed, command.name);
      await idle(client);
      await sleep(QUIET_AFTER_MS);
      if (!running || client.ws.readyState !== WebSocket.OPEN) break;

      // A stop over a long answer.
      const playing = next(client, ANSWER_TIMEOUT_MS, (type) => type === 'response.output_audio.delta');
      client.ws.send(
        JSON.stringify({
          type: 'conversation.item.create',
          item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: LONG_ANSWER_PROMPT }] },
        }),
      );
      client.ws.send(JSON.stringify({ type: 'response.create' }));
      if ((await playing) === undefined) {
        count(result.errors, 'long answer never played');
        continue;
      }
      await sleep(STOP_AFTER_MS);
      const stop = stops[(i * 3 + n) % stops.length]!;
      const startedAt = performance.now();
      const estop = next(
        client,
        STOP_TIMEOUT_MS + stop.samples.length / (CLIENT_RATE_HZ / 1000),
        (type, head) => type === 'voice_agent.notice' && head.includes('"code":"estop"'),
      );
      const stopEndAtMs = await speak(client, stop);
      const estopAtMs = await estop;
      result.stops++;
      if (estopAtMs !== undefined && estopAtMs >= startedAt) {
        result.stopped++;
        result.estopMs.push(estopAtMs - stopEndAtMs);
        (result.byClip[stop.name] ??= []).push(Math.round(estopAtMs - stopEndAtMs));
      } else count(result.missed, stop.name);
      await idle(client);
      await sleep(QUIET_AFTER_MS);
    }
  });

  progress(
    `  ${clients.length} client(s) in session, ${Object.values(result.refused).reduce((a, b) => a + b, 0)} ` +
      `refused; measuring ${options.windowMs} ms`,
  );
  report({ type: 'phase', phase: 'window-start' });
  await sleep(options.windowMs);
  running = false;
  await Promise.race([Promise.all(loops), sleep(2 * IDLE_TIMEOUT_MS)]);
  report({ type: 'phase', phase: 'window-end' });
  clearTimeout(mic);
  for (const c of clients) c.ws.close();
  result.stages = clients.flatMap((c) => [...c.latency.values()]);
  return result;
}

if (process.send && process.argv.includes('--capacity-fleet-child')) {
  const send = (message: CapacityFleetMessage) => process.send!(message);
  process.once('message', (options: CapacityFleetOptions) => {
    runCapacityFleet(options, send).then(
      (result) => {
        send({ type: 'result', result });
        setTimeout(() => process.exit(0), 200);
      },
      (error: unknown) =>
        send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
}
