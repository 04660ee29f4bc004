/**
 * `--scenario inspect`: what live inspection costs the server, on one fixed workload. `serve()` (this
 * process, fake engines) hosts N sessions that each get a typed turn every 2.5 s (three in four stopped
 * after a second, as in the server scenario); the same workload is measured in phases — nobody watching,
 * every session watched with the page's feed (`chart`), with the whole feed (`full`), nobody again — each
 * phase a window of this process's CPU. The watchers live in another process (`inspect-watchers.ts`), so
 * only the server's side is counted. Phases alternate twice, so drift on a shared machine shows.
 */
import { loadConfig } from '../runtime/config.js';
import { silentLogger } from '../runtime/logger.js';
import { serve } from '../server/serve.js';
import { startWatchers, type WatcherMessage } from './inspect-watchers.js';
import { REPLY, TTS_LATENCY_MS } from './session-driver.js';
import { round } from './stats.js';
import { startWindow } from './window.js';

export interface InspectRow {
  scenario: 'inspect';
  sessions: number;
  phase: 'unwatched' | 'chart' | 'full';
  round: number;
  /** Typed turns started in the window. */
  turns: number;
  /** This process's CPU over the window, % of one core. */
  cpuPercent: number;
  loopLagP99Ms: number;
  /** Messages the watchers received per second. */
  messagesPerSecond: number;
  /** The hub's own account of the time it spent (an upper bound, wall time), % of one core. */
  hubPercent: number;
}

/**
 * Why 2.5 s between turns: a reply of the bench's text plays ~6 s; three in four are stopped at 1 s, so sessions are
 * busy about half the time.
 */
const TURN_EVERY_MS = 2500;
const STOP_AFTER_MS = 1000;

export async function runInspectScenario(
  sessions: number,
  windowMs: number,
  progress: (line: string) => void,
): Promise<InspectRow[]> {
  const config = loadConfig({
    overrides: {
      server: { port: 0, maxSessions: sessions + 10, capacity: sessions + 10, logLevel: 'error' },
      vad: { engine: 'fake' },
      stt: { engine: 'fake' },
      llm: { engine: 'fake', fakeReply: REPLY },
      tts: { engines: [{ engine: 'fake', latencyMs: TTS_LATENCY_MS, msPerWord: 200 }], phrases: [] },
      record: { enabled: false },
    },
  });
  const server = await serve({ config, log: silentLogger });
  const hub = server.http.inspect.hub;
  const live = await Promise.all(
    Array.from({ length: sessions }, (_, i) => server.manager.create({ sessionId: `inspect-${i}` })),
  );
  let turns = 0;
  let n = 0;
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  // Each session on its own offset, so turns spread evenly over the period.
  live.forEach((session, i) => {
    const turn = () => {
      session.handle.sendText('what is the weather like');
      turns++;
      if (n++ % 4 !== 0) timers.push(setTimeout(() => session.handle.stopSpeaking(), STOP_AFTER_MS));
    };
    const start = () => {
      turn();
      timers.push(setInterval(turn, TURN_EVERY_MS));
    };
    timers.push(setTimeout(start, (i * TURN_EVERY_MS) / sessions));
  });
  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const rows: InspectRow[] = [];
  const measure = async (
    phase: InspectRow['phase'],
    round_: number,
    count?: () => Promise<WatcherMessage & { type: 'count' }>,
  ) => {
    await count?.();
    const turnsBefore = turns;
    const busyBefore = hub.stats.busyMs;
    const window = startWindow();
    await settle(windowMs);
    const w = window.stop();
    const counted = count ? await count() : undefined;
    const received = counted?.type === 'count' ? counted.messages : 0;
    rows.push({
      scenario: 'inspect',
      sessions,
      phase,
      round: round_,
      turns: turns - turnsBefore,
      cpuPercent: w.cpuPercent,
      loopLagP99Ms: w.loopLagMs.p99,
      messagesPerSecond: Math.round(received / (windowMs / 1000)),
      hubPercent: round(((hub.stats.busyMs - busyBefore) / windowMs) * 100, 2),
    });
    progress(`  ${phase}: cpu ${w.cpuPercent} %, ${rows.at(-1)!.messagesPerSecond} messages/s`);
  };
  const watch = async (feed: 'chart' | 'full') => {
    const watchers = startWatchers(server.http.url, feed);
    while (hub.watched < sessions) await settle(100);
    await settle(1000);
    return watchers;
  };
  try {
    await settle(TURN_EVERY_MS * 2);
    for (const round_ of [1, 2]) {
      progress(`inspect / ${sessions} sessions / round ${round_}`);
      await measure('unwatched', round_);
      for (const feed of ['chart', 'full'] as const) {
        const watchers = await watch(feed);
        await measure(feed, round_, watchers.count);
        await watchers.stop();
        while (hub.watched > 0) await settle(50);
      }
    }
    await measure('unwatched', 3);
  } finally {
    for (const t of timers) clearTimeout(t);
    await server.stop();
  }
  return rows;
}

export function printInspect(rows: InspectRow[]): void {
  console.log(
    '\nInspection cost: one server, a fixed workload of typed turns, the same process measured unwatched and with ' +
      'an inspector on every session',
  );
  console.log(
    '| sessions | round | phase | turns | server cpu % | loop lag p99 ms | messages/s | hub (upper bound) % |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.sessions} | ${r.round} | ${r.phase} | ${r.turns} | ${r.cpuPercent} | ${r.loopLagP99Ms} | ` +
        `${r.messagesPerSecond} | ${r.hubPercent} |`,
    );
  const mean = (phase: InspectRow['phase']) => {
    const list = rows.filter((r) => r.phase === phase);
    return list.length ? list.reduce((a, r) => a + r.cpuPercent, 0) / list.length : NaN;
  };
  const base = mean('unwatched');
  for (const phase of ['chart', 'full'] as const) {
    const added = mean(phase) - base;
    console.log(
      `${phase}: +${round(added, 1)} points of a core over unwatched (${round((added / base) * 100, 1)} % more ` +
        `server CPU)`,
    );
  }
}
