/**
 * `--scenario sessions`: session creation on the local stack (the default config: flite, WebRTC VAD,
 * pocketsphinx, rules), as `voice-agent serve` does it. The engine pool is built and warmed once; then
 * N sessions are created one after another with `createSessionManager(...).create()` (a bus sink, as a
 * robot on the bus gets), each creation timed, and the RSS and heap they added are read after a GC.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock } from '../adapters/clock.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus } from '../bus/message-bus.js';
import { loadConfig } from '../runtime/config.js';
import { buildEngines } from '../runtime/engine-pool.js';
import { silentLogger } from '../runtime/logger.js';
import { createSessionManager } from '../server/session-manager.js';
import { round, summarize, type Percentiles } from './stats.js';

export interface SessionsRow {
  scenario: 'sessions';
  stack: string;
  sessions: number;
  /** `buildEngines` + `warmUp`, once. */
  poolWarmUpMs: number;
  /** One `create()` (bind the pool, start the chart, wait until it is ready). */
  createMs: Percentiles & { max: number };
  /** Process RSS after the N sessions minus before, / N (after a GC when exposed). */
  rssPerSessionMb: number;
  heapPerSessionMb: number;
  /** `end()` of one session (stop the chart, release its VAD). */
  endMs: Percentiles;
}

const MB = 2 ** 20;

export async function runSessionsScenario(sessions: number, progress: (line: string) => void): Promise<SessionsRow> {
  const clock = systemClock;
  // The default config is the local stack; only the session limit is raised to hold them all.
  const config = loadConfig({ overrides: { server: { maxSessions: sessions + 10 } } });
  const tts = config.tts.engines.map((e) => e.engine).join('+');
  const stack = `${config.vad.engine}/${config.stt.engine}/${config.llm.engine}/${tts}`;
  const warmStart = performance.now();
  const pool = buildEngines(config, { clock });
  await pool.warmUp();
  const poolWarmUpMs = round(performance.now() - warmStart);
  progress(`  pool (${stack}) warm in ${poolWarmUpMs} ms; creating ${sessions} sessions`);
  const bus = createMessageBus(createMemoryTransport(), { clock, prefix: config.nats.prefix });
  const manager = createSessionManager({ pool, bus, clock, limits: { maxSessions: sessions + 10 }, log: silentLogger });

  // Why two GCs 500 ms apart: the warm-up's garbage (flite phrases, decoder set-up) is freed and its pages
  // returned before the baseline; one GC alone left RSS falling during the creations (negative per-session RSS).
  global.gc?.();
  await sleep(500);
  global.gc?.();
  const before = process.memoryUsage();
  const createTimes: number[] = [];
  for (let i = 0; i < sessions; i++) {
    const started = performance.now();
    await manager.create({ sessionId: `bench-${i}` });
    createTimes.push(performance.now() - started);
  }
  global.gc?.();
  const after = process.memoryUsage();

  const endTimes: number[] = [];
  for (const s of manager.list()) {
    const started = performance.now();
    await manager.end(s.id, 'client_closed');
    endTimes.push(performance.now() - started);
  }
  await bus.close();
  return {
    scenario: 'sessions',
    stack,
    sessions,
    poolWarmUpMs,
    createMs: { ...summarize(createTimes), max: round(Math.max(...createTimes)) },
    rssPerSessionMb: round((after.rss - before.rss) / sessions / MB, 3),
    heapPerSessionMb: round((after.heapUsed - before.heapUsed) / sessions / MB, 3),
    endMs: summarize(endTimes),
  };
}
