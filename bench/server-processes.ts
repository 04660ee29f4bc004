/**
 * `--scenario server --processes N`: the server scenario with the clients spread over N `serve` processes
 * (each a child of the bench, with its own engines and sessions, on its own port; client i connects to
 * process i mod N, as DNS round robin or a TCP load balancer would spread them). This is how a Realtime
 * deployment uses more than one core today: one `serve` per core, each WebSocket staying on the process
 * it reached. CPU is the processes' sum, loop lag the worst process's; the rest is taken at the clients
 * as in the one-process scenario.
 *
 * @example
 * ```sh
 * npm run bench -- --scenario server --sessions 100 --processes 2
 * ```
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../runtime/logger.js';
import { serve } from '../server/serve.js';
import { benchServeConfig, fleetStats, idealFirstAudioMs, runFleet, type ServerRow } from './server-scenario.js';
import { round } from './stats.js';
import { startWindow, type WindowMeasure } from './window.js';

type ChildMessage = { type: 'ready'; url: string; idealMs: number } | { type: 'window'; measure: WindowMeasure };
type ParentMessage = 'window-start' | 'window-end';

const SELF = fileURLToPath(import.meta.url);
/** Why 10 s: a server whose clients closed ends their sessions within the drain it is given on stop. */
const CHILD_STOP_MS = 10_000;

export async function runServerProcessesScenario(
  sessions: number,
  processes: number,
  timing: { warmUpMs: number; windowMs: number },
  progress: (line: string) => void,
  options: { micPhases?: number } = {},
): Promise<ServerRow> {
  const children: ChildProcess[] = [];
  try {
    const ready = await Promise.all(
      Array.from({ length: processes }, () => {
        const child = fork(SELF, ['--server-process-child', String(Math.ceil(sessions / processes))], {
          execArgv: process.execArgv.filter((a) => !a.startsWith('--cpu-prof')),
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        children.push(child);
        return nextMessage(child, 'ready');
      }),
    );
    progress(`  ${processes} server processes on ${ready.map((r) => new URL(r.url).port).join(', ')}`);
    const windows: Array<Promise<WindowMeasure>> = [];
    const fleet = await runFleet(
      { urls: ready.map((r) => r.url), sessions, ...timing, micPhases: options.micPhases },
      progress,
      (phase) => {
        if (phase === 'window-start') for (const child of children) child.send('window-start' satisfies ParentMessage);
        if (phase === 'window-end') {
          for (const child of children) {
            windows.push(nextMessage(child, 'window').then((m) => m.measure));
            child.send('window-end' satisfies ParentMessage);
          }
        }
      },
    );
    const measures = await Promise.all(windows);
    if (measures.length !== processes) throw new Error('the client fleet never reported its measuring window');
    /** The worst process's value: the row shows the process the turns suffered most in. */
    const worst = (pick: (m: (typeof measures)[number]) => number) => Math.max(...measures.map(pick));
    return {
      ...fleetStats(fleet, ready[0]!.idealMs),
      sessions,
      processes,
      loopLagMs: { p50: worst((m) => m.loopLagMs.p50), p99: worst((m) => m.loopLagMs.p99) },
      loopBusyPercent: worst((m) => m.loopBusyPercent),
      peakLoopBusyPercent: worst((m) => m.peakLoopBusyPercent),
      longestStallMs: worst((m) => m.longestStallMs),
      fullGcs: worst((m) => m.fullGcs),
      longestFullGcMs: worst((m) => m.longestFullGcMs),
      gcPercent: worst((m) => m.gcPercent),
      cpuPercent: round(
        measures.reduce((sum, m) => sum + m.cpuPercent, 0),
        1,
      ),
      rssPerSessionMb: null,
      inspected: 0,
      inspectFeed: null,
      inspectMessagesPerSecond: 0,
      inspectCpuPercent: 0,
    };
  } finally {
    await Promise.all(children.map((child) => stopChild(child)));
  }
}

function nextMessage<T extends ChildMessage['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`a bench server process exited (code ${code}) before it sent "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_STOP_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The child: one `serve` on fake engines; measures its own window when the parent says so. */
async function runServerProcess(sessions: number): Promise<void> {
  const server = await serve({ config: benchServeConfig(sessions), log: silentLogger });
  let window: ReturnType<typeof startWindow> | undefined;
  process.on('message', (message: ParentMessage) => {
    if (message === 'window-start') window = startWindow();
    else if (message === 'window-end' && window)
      process.send!({ type: 'window', measure: window.stop() } satisfies ChildMessage);
  });
  process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
  process.send!({
    type: 'ready',
    url: `${server.http.url.replace(/^http/, 'ws')}/v1/realtime`,
    idealMs: idealFirstAudioMs(server),
  } satisfies ChildMessage);
}

const at = process.argv.indexOf('--server-process-child');
if (at >= 0 && process.send) void runServerProcess(Number(process.argv[at + 1]));
