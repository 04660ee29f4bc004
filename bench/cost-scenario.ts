/**
 * `--scenario cost`: what one turn and one microphone frame cost the server in CPU, measured in this
 * process on `serve`'s own session host and Realtime connection code (fake engines, as the server
 * scenario), without sockets or a client process. The server scenario's latency tail swings by 3× between
 * identical runs on a shared 2-core machine; these costs stay within about ±15 %, so an optimization of
 * the turn or microphone path shows here first.
 *
 * - *turn*: N sessions run typed turns (`conversation.item.create` + `response.create`), each cancelled
 *   700 ms after its first audio, as three turns in four of the server scenario are; CPU time of the
 *   process over turns completed, and the events each turn sends the client.
 * - *microphone frame*: N sessions each get 20 ms appends of 24 kHz silence, as fast as the loop takes
 *   them: wall time per append (parse, base64, resampling to the VAD's rate, conditioning, VAD).
 * - *chart*: during the turns, each session's chart is timed per event it processes (`actor.send`, the
 *   transitions and the children it spawns or stops): the chart's share of a turn, event by event.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../adapters/clock.js';
import { makeSilenceFrame } from '../adapters/testing/index.js';
import { silentLogger } from '../runtime/logger.js';
import { openRealtimeConnection, type RealtimeConnection } from '../server/realtime/connection.js';
import type { ServerEvent } from '../server/realtime/server-events.js';
import { serve, type VoiceAgentServer } from '../server/serve.js';
import { STOP_AFTER_MS } from './scenarios.js';
import { benchServeConfig } from './server-scenario.js';
import { round } from './stats.js';
import { startWindow } from './window.js';

export interface CostRow {
  scenario: 'cost';
  sessions: number;
  turns: number;
  /** Process CPU (all threads) per cancelled typed turn, ms. */
  cpuPerTurnMs: number;
  /** Main-thread busy time per turn, ms (the part that queues on the event loop). */
  busyPerTurnMs: number;
  /** Events sent to the client per turn, and of those transcript deltas. */
  eventsPerTurn: number;
  transcriptDeltasPerTurn: number;
  /** Wall time per microphone append on a busy loop, µs. */
  microsecondsPerMicFrame: number;
  /** The chart's time per turn, ms, and per event type: events per turn and µs each. */
  chartPerTurnMs: number;
  chartEvents: Array<{ type: string; perTurn: number; microsecondsEach: number }>;
}

/** Times every event the session's chart processes (bench instrumentation: the host calls `actor.send`). */
function timeChart(client: CostClient, into: Map<string, { count: number; ms: number }>): void {
  const actor = client.connection.session.handle.actor;
  const send = actor.send.bind(actor);
  actor.send = (event) => {
    const startedAtMs = performance.now();
    send(event);
    const entry = into.get(event.type) ?? { count: 0, ms: 0 };
    entry.count++;
    entry.ms += performance.now() - startedAtMs;
    into.set(event.type, entry);
  };
}

/** Why 24 kHz: the Realtime default input rate, so every frame is resampled as a client's would be. */
const CLIENT_RATE_HZ = 24_000;
const ITEM_CREATE = JSON.stringify({
  type: 'conversation.item.create',
  item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is the weather like?' }] },
});
const RESPONSE_CREATE = JSON.stringify({ type: 'response.create' });
const CANCEL = JSON.stringify({ type: 'response.cancel' });

interface CostClient {
  connection: RealtimeConnection;
  waiting: { audio?: () => void; done?: () => void };
}

async function connect(server: VoiceAgentServer, onEvent: (event: ServerEvent) => void): Promise<CostClient> {
  const waiting: CostClient['waiting'] = {};
  const connection = await openRealtimeConnection({
    manager: server.manager,
    bus: server.bus,
    clock: systemClock,
    // Why 1000× real time: the microphone part appends as fast as the loop takes them, on purpose.
    limits: { maxEventBytes: 1 << 20, maxAudioSecondsPerSecond: 1000 },
    // Serialized as the WebSocket path does, so the cost includes it.
    send: (event) => {
      JSON.stringify(event);
      onEvent(event);
      if (event.type === 'response.output_audio.delta') waiting.audio?.();
      if (event.type === 'response.done') waiting.done?.();
    },
    close: () => {},
  });
  return { connection, waiting };
}

export async function runCostScenario(
  sessions: number,
  windowMs: number,
  progress: (line: string) => void,
): Promise<CostRow> {
  const server = await serve({ config: benchServeConfig(sessions), log: silentLogger });
  try {
    let events = 0;
    let transcriptDeltas = 0;
    const chart = new Map<string, { count: number; ms: number }>();
    const clients: CostClient[] = [];
    for (let i = 0; i < sessions; i++) {
      clients.push(
        await connect(server, (event) => {
          events++;
          if (event.type === 'response.output_audio_transcript.delta') transcriptDeltas++;
        }),
      );
      timeChart(clients[i]!, chart);
    }

    progress(`  ${sessions} sessions: typed turns cancelled after ${STOP_AFTER_MS} ms, ${windowMs} ms`);
    let turns = 0;
    let running = true;
    const loops = clients.map(async (client, i) => {
      // Why staggered over 1 s: a turn a second per session, spread, not a thundering herd.
      await sleep((i * 13) % 1000);
      while (running) {
        const audio = new Promise<void>((resolve) => (client.waiting.audio = resolve));
        client.connection.receive(ITEM_CREATE);
        client.connection.receive(RESPONSE_CREATE);
        await audio;
        client.waiting.audio = undefined;
        await sleep(STOP_AFTER_MS);
        const done = new Promise<void>((resolve) => (client.waiting.done = resolve));
        client.connection.receive(CANCEL);
        await done;
        client.waiting.done = undefined;
        turns++;
        await sleep(200);
      }
    });
    // Why 2 s: every session has started its first turn, and the code paths are warm.
    await sleep(2000);
    turns = 0;
    events = 0;
    transcriptDeltas = 0;
    chart.clear();
    const window = startWindow();
    await sleep(windowMs);
    const measured = window.stop();
    // The loops go on until they see `running` false: what they finish after this is not counted.
    const windowTurns = turns;
    const counted = Math.max(1, windowTurns);
    const chartEvents = [...chart]
      .sort((a, b) => b[1].ms - a[1].ms)
      .map(([type, { count, ms }]) => ({
        type,
        perTurn: round(count / counted, 2),
        microsecondsEach: round((ms * 1000) / count, 1),
      }));
    const chartPerTurnMs = round([...chart.values()].reduce((sum, e) => sum + e.ms, 0) / counted, 2);
    running = false;
    await Promise.race([Promise.all(loops), sleep(5000)]);

    progress(`  ${sessions} sessions: microphone appends as fast as the loop takes them`);
    const append = JSON.stringify({
      type: 'input_audio_buffer.append',
      audio: Buffer.from(makeSilenceFrame(CLIENT_RATE_HZ, 20)).toString('base64'),
    });
    // The first append of each session loads its resampler; then a round per loop turn.
    for (const client of clients) client.connection.receive(append);
    await sleep(200);
    const rounds = 400;
    const startedAtMs = performance.now();
    for (let r = 0; r < rounds; r++) {
      for (const client of clients) client.connection.receive(append);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const micMs = performance.now() - startedAtMs;

    for (const client of clients) await client.connection.close();
    return {
      scenario: 'cost',
      sessions,
      turns: windowTurns,
      cpuPerTurnMs: round(((measured.cpuPercent / 100) * windowMs) / counted, 2),
      busyPerTurnMs: round(((measured.loopBusyPercent / 100) * windowMs) / counted, 2),
      eventsPerTurn: round(events / counted, 1),
      transcriptDeltasPerTurn: round(transcriptDeltas / counted, 1),
      microsecondsPerMicFrame: round((micMs * 1000) / (rounds * sessions), 1),
      chartPerTurnMs,
      chartEvents,
    };
  } finally {
    await server.stop();
  }
}
