/**
 * `--scenario server`: `voice-agent serve` (in this process, port 0, fake engines) driven by N concurrent
 * OpenAI-Realtime WebSocket clients in a child process (`server-clients.ts`): typed turns, three in four
 * cancelled, a microphone of silence per client. Times are taken at the clients: first audio against the
 * ideal, cancel → last audio and → `response.done`, errors. CPU, loop lag and RSS per session are the
 * server process's own, measured over the same window as the clients'.
 *
 * `--inspect`: every session also has an inspector watching it (`/inspect/ws`, watchers in a third
 * process, `inspect-watchers.ts`) with the page's feed (`chart`); `--inspect full`: the whole feed, as
 * Stately's tools take it. To measure what live inspection costs the server.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createClauseChunker } from '../actors/clause-chunker.js';
import { tokenizeReply } from '../adapters/testing/index.js';
import { loadConfig } from '../runtime/config.js';
import { silentLogger } from '../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../server/serve.js';
import { YOUNG_GENERATION_FLAG } from '../server/young-generation.js';
import type { FleetMessage, FleetOptions, FleetResult } from './server-clients.js';
import { startWatchers } from './inspect-watchers.js';
import { tapFirstAudioStages, type FirstAudioStages } from './first-audio-stages.js';
import { REPLY, TTS_LATENCY_MS } from './session-driver.js';
import { round, summarize, type Percentiles } from './stats.js';
import { startWindow, type WindowMeasure } from './window.js';

export interface ServerRow {
  scenario: 'server';
  transport: 'websocket';
  sessions: number;
  /** Server processes the clients were spread over (`--processes`; 1: the server in the bench's own process). */
  processes: number;
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
  /**
   * Full (not cancelled) replies in the window: wall time first audio → `response.done` over the audio's duration (≈ 1
   * in real time).
   */
  playbackStretch: Percentiles;
  /** Error events, unexpected closes and failed connects, over the whole run. */
  errors: number;
  errorCodes: Record<string, number>;
  /**
   * Turns with no first audio, or no `response.done`, within 15 s (an overloaded server playing slower than real time).
   */
  lateTurns: number;
  /** The server process (with several, the worst one's lag and the sum of their CPU). */
  loopLagMs: Percentiles;
  /**
   * Share of the window the server's loop was busy, in %, over the window and in its busiest second (several processes:
   * the busiest process).
   */
  loopBusyPercent: number;
  peakLoopBusyPercent: number;
  /**
   * What the loop lag's p99 hides (see window.ts; several processes: the worst): the longest stall, full GCs and their
   * longest pause, GC pauses in % of the window.
   */
  longestStallMs: number;
  fullGcs: number;
  longestFullGcMs: number;
  gcPercent: number;
  cpuPercent: number;
  /** The client process (for reading the server numbers: a saturated client delays what it measures). */
  clientLoopLagMs: Percentiles;
  clientCpuPercent: number;
  /** null below 100 sessions (the process's own RSS swings swamp one session's share). */
  rssPerSessionMb: number | null;
  /** Sessions an inspector watched during the window (`--inspect`; 0 without). */
  inspected: number;
  inspectFeed: 'full' | 'chart' | null;
  /** Inspection messages the watchers received per second in the window. */
  inspectMessagesPerSecond: number;
  /**
   * Time the server spent on inspection in the window (converting, serializing, writing to the watchers), % of one
   * core; an upper bound (hub `stats.busyMs`).
   */
  inspectCpuPercent: number;
  /** `--stages`: where the time to first audio goes, from taps on the server's bus. */
  stages?: FirstAudioStages;
}

/** Why 200 ms per word: the fake TTS's speaking rate in every other bench scenario (5 words/s). */
const TTS_MS_PER_WORD = 200;
const FLEET = fileURLToPath(new URL('./server-clients.ts', import.meta.url));

const COMPARED_SETTINGS = ['VA_SERVER__HEAP_GROWTH_PERCENT', 'VA_PIPELINE__TTS_LOOK_AHEAD_MS'];

/**
 * `serve`'s configuration for the bench: fake engines with the reply scenario's delays, room for `sessions`
 * clients. Two variables are read as `serve` reads them, to compare settings: `VA_SERVER__HEAP_GROWTH_PERCENT`
 * (the collector; `0`: V8's own heuristic) and `VA_PIPELINE__TTS_LOOK_AHEAD_MS` (`0`: a reply synthesized
 * all at once); no other, so a stray `VA_` setting cannot change what is measured.
 */
export function benchServeConfig(sessions: number) {
  const env = Object.fromEntries(
    COMPARED_SETTINGS.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]),
  );
  return loadConfig({
    env,
    overrides: {
      server: { port: 0, maxSessions: sessions + 10, capacity: sessions + 10, logLevel: 'error' },
      // Why 24 kHz: the Realtime protocol's rate and a neural TTS's native one (OpenAI, Edge): the fake
      // TTS speaks at the clients' rate, as such a deployment would, so no reply audio is resampled.
      audio: { outputRateHz: 24_000 },
      vad: { engine: 'fake' },
      stt: { engine: 'fake', fakeTranscripts: ['what is the weather like'] },
      llm: { engine: 'fake', fakeReply: REPLY },
      tts: { engines: [{ engine: 'fake', latencyMs: TTS_LATENCY_MS, msPerWord: TTS_MS_PER_WORD }], phrases: [] },
    },
  });
}

/**
 * The ideal first audio from `response.create`: the fake LLM's token that closes the first clause (the server's own
 * chunker decides), plus the fake TTS latency.
 */
export function idealFirstAudioMs(server: VoiceAgentServer): number {
  // Why 0 and 20: the fake LLM built by `serve` (runtime/engines.ts) has no first-token delay and 20 ms between tokens.
  const firstTokenDelayMs = 0;
  const tokenIntervalMs = 20;
  const chunker = createClauseChunker(server.pool.runtime.pipeline.chunker);
  const closing = tokenizeReply(REPLY).findIndex((token) => chunker.push(token).length > 0);
  return firstTokenDelayMs + closing * tokenIntervalMs + TTS_LATENCY_MS;
}

/** Runs the client fleet in a child process; `onPhase` lets the server measure around the clients' window. */
export function runFleet(
  options: FleetOptions,
  progress: (line: string) => void,
  onPhase: (phase: string) => void,
): Promise<FleetResult> {
  return new Promise((resolve, reject) => {
    // The fleet is the measuring instrument: its own full collections (100 clients parse a JSON delta of
    // base64 audio per 100 ms each) would count against the server, so it runs with the young generation
    // the server has (docs/benchmarks.md, *Machine and method*).
    const child = fork(FLEET, ['--fleet-child'], {
      execArgv: [YOUNG_GENERATION_FLAG, '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (message: FleetMessage) => {
      if (message.type === 'progress') progress(message.line);
      else if (message.type === 'phase') onPhase(message.phase);
      else if (message.type === 'result') {
        resolve(message.result);
        child.kill();
      } else {
        reject(new Error(`client fleet failed: ${message.message}`));
        child.kill();
      }
    });
    child.once('exit', (code) => reject(new Error(`client fleet exited with ${code} before its result`)));
    child.send(options);
  });
}

/** The row's numbers taken at the clients: turns in the measuring window, cancels, errors. */
export function fleetStats(fleet: FleetResult, ideal: number) {
  const inWindow = (t: number | undefined) => t !== undefined && t >= fleet.windowStartMs && t <= fleet.windowEndMs;
  const all = fleet.turns;
  const answered = all.filter((t) => inWindow(t.firstAudioAtMs));
  const firstAudio = answered.map((t) => t.firstAudioAtMs! - t.requestAtMs);
  const stopped = all.filter((t) => inWindow(t.cancelAtMs) && t.doneAtMs !== undefined);
  const full = all.filter(
    (t) => t.cancelAtMs === undefined && t.status === 'completed' && inWindow(t.doneAtMs) && t.audioDeltas > 0,
  );
  return {
    scenario: 'server' as const,
    transport: 'websocket' as const,
    turns: answered.length,
    connectMs: summarize(fleet.connectMs),
    firstTextMs: summarize(
      answered.filter((t) => t.firstTextAtMs !== undefined).map((t) => t.firstTextAtMs! - t.requestAtMs),
    ),
    firstAudioMs: summarize(firstAudio),
    idealFirstAudioMs: ideal,
    firstAudioOverIdealMs: summarize(firstAudio.map((ms) => ms - ideal)),
    stops: stopped.length,
    cancelToLastAudioMs: summarize(stopped.map((t) => Math.max(0, (t.lastAudioAtMs ?? 0) - t.cancelAtMs!))),
    cancelToDoneMs: summarize(stopped.map((t) => t.doneAtMs! - t.cancelAtMs!)),
    audioAfterDone: fleet.audioAfterDone,
    playbackStretch: summarize(full.map((t) => (t.doneAtMs! - t.firstAudioAtMs!) / t.audioMs)),
    errors: Object.values(fleet.errorCodes).reduce((a, b) => a + b, 0),
    errorCodes: fleet.errorCodes,
    lateTurns: fleet.lateTurns,
    clientLoopLagMs: fleet.loopLagMs,
    clientCpuPercent: fleet.cpuPercent,
  };
}

export async function runServerScenario(
  sessions: number,
  timing: { warmUpMs: number; windowMs: number },
  progress: (line: string) => void,
  options: { inspect?: 'full' | 'chart'; micPhases?: number; stages?: boolean } = {},
): Promise<ServerRow> {
  const config = benchServeConfig(sessions);
  const server = await serve({ config, log: silentLogger });
  const ideal = idealFirstAudioMs(server);
  let watchers: ReturnType<typeof startWatchers> | undefined;
  let inspected = 0;
  let watchStarted: Promise<unknown> | undefined;
  let watchEnded: Promise<{ messages: number }> | undefined;
  let busyAtStartMs = 0;
  let busyAtEndMs = 0;
  try {
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPerSessionMb: number | null = null;
    let window: ReturnType<typeof startWindow> | undefined;
    let serverWindow: WindowMeasure | undefined;
    const url = `${server.http.url.replace(/^http/, 'ws')}/v1/realtime`;
    const stagesTap = options.stages ? tapFirstAudioStages(server.bus, TTS_LATENCY_MS) : undefined;
    // Before the clients: the watchers join each session as it appears.
    if (options.inspect) {
      watchers = startWatchers(server.http.url, options.inspect);
      await watchers.ready;
    }
    const fleet = await runFleet(
      { urls: [url], sessions, ...timing, micPhases: options.micPhases },
      progress,
      (phase) => {
        if (phase === 'window-start' && watchers) {
          inspected = server.http.inspect.hub.watched;
          busyAtStartMs = server.http.inspect.hub.stats.busyMs;
          progress(`  an inspector watches ${inspected} of ${server.manager.size} sessions`);
          watchStarted = watchers.count();
        }
        if (phase === 'window-end' && watchers) {
          busyAtEndMs = server.http.inspect.hub.stats.busyMs;
          watchEnded = watchers.count();
        }
        if (phase === 'settled') {
          global.gc?.();
          rssPerSessionMb =
            sessions < 100 ? null : round((process.memoryUsage().rss - rssBefore) / sessions / 2 ** 20, 3);
        } else if (phase === 'window-start') window = startWindow();
        else if (phase === 'window-end') serverWindow = window?.stop();
      },
    );
    if (!serverWindow) throw new Error('the client fleet never reported its measuring window');
    const stages = stagesTap?.join(fleet);
    stagesTap?.stop();
    await watchStarted;
    const watched = await watchEnded;

    return {
      ...fleetStats(fleet, ideal),
      sessions,
      processes: 1,
      loopLagMs: serverWindow.loopLagMs,
      loopBusyPercent: serverWindow.loopBusyPercent,
      peakLoopBusyPercent: serverWindow.peakLoopBusyPercent,
      longestStallMs: serverWindow.longestStallMs,
      fullGcs: serverWindow.fullGcs,
      longestFullGcMs: serverWindow.longestFullGcMs,
      gcPercent: serverWindow.gcPercent,
      cpuPercent: serverWindow.cpuPercent,
      rssPerSessionMb,
      inspected,
      inspectFeed: options.inspect ?? null,
      inspectMessagesPerSecond: watched ? Math.round(watched.messages / (timing.windowMs / 1000)) : 0,
      inspectCpuPercent: round(((busyAtEndMs - busyAtStartMs) / timing.windowMs) * 100, 2),
      ...(stages ? { stages } : {}),
    };
  } finally {
    await watchers?.stop();
    // Closed clients end their sessions; wait for that (bounded) so stop() has nothing to drain.
    const deadline = performance.now() + 10_000;
    while (server.manager.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await server.stop();
  }
}
