/**
 * `--scenario capacity`: how many Realtime sessions one `serve` on the shipped local stack (WebRTC VAD,
 * pocketsphinx grammar, the stop spotter, rules, flite) holds while keeping its promises. N clients in a
 * process of their own (`capacity-clients.ts`) speak recordings of real people and eSpeak NG voices in
 * real time into one `serve` in another (real engines, default settings); N rises until a promise breaks:
 *
 * - every command answered;
 * - first audio after the end of speech p95 ≤ 300 ms, of the commands recognized (a misheard one is no
 *   complete command, and waits the VAD's full hangover by design: counted apart);
 * - the emergency stop after the stop phrase's end p95 ≤ 150 ms;
 * - every stop phrase said over an answer stops it.
 *
 * Each row: N, first audio p50 / p95, e-stop p95, stops delivered, commands answered, the server's CPU,
 * RSS per session (the server's RSS at the end of the window less its RSS warmed with no session, / N),
 * its event loop's lag p99. `--admission` runs 2× the measured capacity against the server's own
 * `server.capacity` (the shipped default): the refused clients, and the admitted ones' promises.
 * `--processes 2` spreads the clients over two `serve` processes on one NATS server (the placement's
 * queue group), each with its capacity.
 *
 * @example
 * ```sh
 * npm run bench -- --scenario capacity                    # the ladder, one serve
 * npm run bench -- --scenario capacity --sessions 10      # one row
 * npm run bench -- --scenario capacity --admission        # 2× the default capacity
 * npm run bench -- --scenario capacity --processes 2      # the ladder over two serve processes
 * ```
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../runtime/config.js';
import { silentLogger } from '../runtime/logger.js';
import type { CapacityFleetMessage, CapacityFleetOptions, CapacityFleetResult } from './capacity-clients.js';
import { percentile, round } from './stats.js';
import { startWindow, type WindowMeasure } from './window.js';

export interface CapacityRow {
  scenario: 'capacity';
  /**
   * `ladder` (N rising), `admission` (2× the shipped capacity against it), `processes-N` (N serve processes on NATS).
   */
  run: string;
  processes: number;
  /** Clients that tried to connect. */
  sessions: number;
  /** Sessions the server(s) admitted. */
  admitted: number;
  refused: Record<string, number>;
  /** The server's `server.capacity` (null: raised out of the way for the ladder). */
  capacity: number | null;
  /** First audio after the voice's end, of the commands recognized (the promise's figure). */
  firstAudioMs: { p50: number; p95: number };
  /** And of the misheard commands, answered after the VAD's full hangover (null: none). */
  misheardFirstAudioMs: { p50: number; p95: number } | null;
  estopMs: { p95: number };
  commands: number;
  answered: number;
  /** Answered commands whose transcript was the words said. */
  recognized: number;
  misheard: Record<string, number>;
  stops: number;
  stopped: number;
  errors: Record<string, number>;
  missed: Record<string, number>;
  byClip: Record<string, number[]>;
  /** The server's figures of the spoken turns, medians (ms from the voice's end): where first audio's time went. */
  stagesP50Ms: Record<string, number>;
  /** The server processes' CPU, % of one core (summed). */
  cpuPercent: number;
  rssPerSessionMb: number | null;
  /** The server processes' RSS at the end (summed). */
  rssMb: number;
  loopLagP99Ms: number;
  /** The longest the server's event loop was held (ms): a decoder made on the way holds it ~0.5 s. */
  longestStallMs: number;
  loopBusyPercent: number;
  /** The first server's memory warmed with no session, and at the end of the window (MB). */
  memoryMb: { before: MemoryMb; after: MemoryMb };
  promisesKept: boolean;
}

export const CAPACITY_PROMISES = { firstAudioP95Ms: 300, estopP95Ms: 150 } as const;
const DEFAULT_LADDER = [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 100];
const SELF = fileURLToPath(import.meta.url);
const CLIENTS = fileURLToPath(new URL('./capacity-clients.ts', import.meta.url));
const MB = 2 ** 20;

interface MemoryMb {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}
type ServerMessage =
  | { type: 'ready'; url: string; rssMb: number; memory: MemoryMb }
  | { type: 'window'; measure: WindowMeasure; rssMb: number; memory: MemoryMb };

const memoryMb = (): MemoryMb => {
  const m = process.memoryUsage();
  return {
    rss: round(m.rss / MB, 0),
    heapUsed: round(m.heapUsed / MB, 0),
    external: round(m.external / MB, 0),
    arrayBuffers: round(m.arrayBuffers / MB, 0),
  };
};

export interface CapacityOptions {
  sessions?: number[];
  windowMs: number;
  processes: number;
  /** 2× the shipped capacity against the shipped `server.capacity`. */
  admission: boolean;
  /** Extra node flags for the server processes (`--cpu-prof`, …). */
  serverExecArgv?: string[];
}

export async function runCapacityScenario(
  options: CapacityOptions,
  progress: (line: string) => void,
): Promise<CapacityRow[]> {
  const rows: CapacityRow[] = [];
  const shipped = loadConfig().server.capacity;
  const ladder = options.admission ? [2 * shipped * options.processes] : (options.sessions ?? DEFAULT_LADDER);
  for (const sessions of ladder) {
    progress(
      `capacity: ${sessions} client(s) into ${options.processes} serve ` +
        `process(es)${options.admission ? ` of capacity ${shipped}` : ''}`,
    );
    const row = await runRow(sessions, options.admission ? shipped : null, options, progress);
    rows.push(row);
    progress(`  ${formatRow(row)}`);
    if (!row.promisesKept && !options.sessions) break;
  }
  return rows;
}

async function runRow(
  sessions: number,
  capacity: number | null,
  options: CapacityOptions,
  progress: (line: string) => void,
): Promise<CapacityRow> {
  const servers: ChildProcess[] = [];
  let nats: { url: string; stop(): Promise<void> } | undefined;
  try {
    if (options.processes > 1) {
      const { startNatsServer } = await import('../sim/nats-server.js');
      nats = await startNatsServer();
    }
    const ready = await Promise.all(
      Array.from({ length: options.processes }, (_, i) => {
        // The ladder's servers run at a capacity of their share of N: what is measured is a server of that capacity.
        const own = capacity ?? Math.ceil(sessions / options.processes);
        const child = fork(SELF, ['--capacity-server-child', String(own), nats?.url ?? '', `bench-${i}`], {
          execArgv: [...process.execArgv.filter((a) => !a.startsWith('--cpu-prof')), ...(options.serverExecArgv ?? [])],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
        servers.push(child);
        return nextMessage<Extract<ServerMessage, { type: 'ready' }>>(child, 'ready');
      }),
    );
    const fleet = fork(CLIENTS, ['--capacity-fleet-child'], {
      execArgv: process.execArgv.filter((a) => !a.startsWith('--cpu-prof')),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const windows: Array<Promise<Extract<ServerMessage, { type: 'window' }>>> = [];
    const result = await new Promise<CapacityFleetResult>((resolve, reject) => {
      fleet.on('message', (message: CapacityFleetMessage) => {
        if (message.type === 'progress') progress(message.line);
        else if (message.type === 'phase' && message.phase === 'window-start')
          for (const s of servers) s.send('window-start');
        else if (message.type === 'phase' && message.phase === 'window-end') {
          for (const s of servers) {
            windows.push(nextMessage(s, 'window'));
            s.send('window-end');
          }
        } else if (message.type === 'result') resolve(message.result);
        else if (message.type === 'failed') reject(new Error(message.message));
      });
      fleet.once('exit', (code) => reject(new Error(`the capacity clients exited (code ${code}) before their result`)));
      fleet.send({
        urls: ready.map((r) => r.url),
        sessions,
        windowMs: options.windowMs,
      } satisfies CapacityFleetOptions);
    });
    const measures = await Promise.all(windows);
    const admitted = result.connected;
    const rssMb = measures.reduce((sum, m) => sum + m.rssMb, 0);
    const baseMb = ready.reduce((sum, r) => sum + r.rssMb, 0);
    const firstAudio = result.firstAudioMs;
    const row: CapacityRow = {
      scenario: 'capacity',
      run: options.admission ? 'admission' : options.processes > 1 ? `processes-${options.processes}` : 'ladder',
      processes: options.processes,
      sessions,
      admitted,
      refused: result.refused,
      capacity,
      firstAudioMs: p50p95(firstAudio),
      misheardFirstAudioMs: result.unrecognizedFirstAudioMs.length > 0 ? p50p95(result.unrecognizedFirstAudioMs) : null,
      estopMs: { p95: round(percentile(result.estopMs, 95), 0) },
      commands: result.commands,
      answered: result.answered,
      recognized: result.recognized,
      misheard: result.misheard,
      stops: result.stops,
      stopped: result.stopped,
      errors: result.errors,
      missed: result.missed,
      byClip: result.byClip,
      stagesP50Ms: Object.fromEntries(
        ['end_of_turn_ms', 'transcript_ms', 'first_token_ms', 'first_audio_ms'].map((k) => [
          k,
          round(
            percentile(
              result.stages.map((s) => s[k]).filter((v): v is number => typeof v === 'number'),
              50,
            ),
            0,
          ),
        ]),
      ),
      cpuPercent: round(
        measures.reduce((sum, m) => sum + m.measure.cpuPercent, 0),
        0,
      ),
      rssPerSessionMb: admitted > 0 ? round((rssMb - baseMb) / admitted, 0) : null,
      rssMb: round(rssMb, 0),
      loopLagP99Ms: round(Math.max(...measures.map((m) => m.measure.loopLagMs.p99)), 1),
      loopBusyPercent: round(Math.max(...measures.map((m) => m.measure.loopBusyPercent)), 0),
      longestStallMs: round(Math.max(...measures.map((m) => m.measure.longestStallMs)), 0),
      memoryMb: { before: ready[0]!.memory, after: measures[0]!.memory },
      promisesKept: false,
    };
    row.promisesKept =
      row.commands > 0 &&
      row.answered === row.commands &&
      row.stopped === row.stops &&
      row.firstAudioMs.p95 <= CAPACITY_PROMISES.firstAudioP95Ms &&
      row.estopMs.p95 <= CAPACITY_PROMISES.estopP95Ms;
    return row;
  } finally {
    await Promise.all(servers.map(stopChild));
    await nats?.stop();
  }
}

const p50p95 = (values: number[]) => ({
  p50: round(percentile(values, 50), 0),
  p95: round(percentile(values, 95), 0),
});

const formatCodes = (codes: Record<string, number>) =>
  Object.entries(codes)
    .map(([code, n]) => `${code} ×${n}`)
    .join(', ') || '-';

function formatRow(r: CapacityRow): string {
  const refused = Object.values(r.refused).reduce((a, b) => a + b, 0);
  return [
    r.processes > 1 ? `${r.sessions} (${r.processes} processes)` : String(r.sessions),
    refused > 0 ? `${r.admitted} (${refused} refused: ${formatCodes(r.refused)})` : String(r.admitted),
    `${r.firstAudioMs.p50} / ${r.firstAudioMs.p95}`,
    String(r.estopMs.p95),
    `${r.stopped}/${r.stops}`,
    `${r.answered}/${r.commands} (${r.recognized})`,
    `${r.cpuPercent} %`,
    r.rssPerSessionMb === null ? '-' : `${r.rssPerSessionMb} MB (${r.rssMb} MB)`,
    `${r.loopLagP99Ms} ms (${r.longestStallMs})`,
    r.promisesKept ? 'yes' : 'no',
  ].join(' | ');
}

export function printCapacity(rows: CapacityRow[]): void {
  console.log(
    `\nCapacity: Realtime clients speaking real people's recordings and eSpeak NG voices in real time into serve ` +
      `(local stack); promises: every command answered, first audio p95 ≤ ${CAPACITY_PROMISES.firstAudioP95Ms} ms ` +
      `(recognized commands), ` +
      `e-stop p95 ≤ ${CAPACITY_PROMISES.estopP95Ms} ms, every stop`,
  );
  console.log(
    '| N | sessions | first audio after speech p50 / p95 ms | e-stop after the phrase p95 ms | stops delivered | ' +
      'commands answered (recognized) | server CPU | RSS per session (total) | loop lag p99 (longest stall) | ' +
      'promises kept |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${formatRow(r)} |`);
  for (const r of rows) {
    if (Object.keys(r.errors).length > 0) console.log(`N=${r.sessions}: errors ${formatCodes(r.errors)}`);
    if (Object.keys(r.missed).length > 0) console.log(`N=${r.sessions}: missed ${formatCodes(r.missed)}`);
    if (r.misheardFirstAudioMs)
      console.log(
        `N=${r.sessions}: misheard ${formatCodes(r.misheard)}; their first audio p50 / p95 ` +
          `${r.misheardFirstAudioMs.p50} / ${r.misheardFirstAudioMs.p95} ms (the full hangover, by design)`,
      );
    console.log(
      `N=${r.sessions}: the server's own turn figures, p50 ms from the voice's end: ` +
        `${formatCodes(r.stagesP50Ms).replace(/ ×/g, ' ')}`,
    );
  }
}

function nextMessage<T extends ServerMessage>(child: ChildProcess, type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ServerMessage) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message as T);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`a capacity server process exited (code ${code}) before it sent "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The server child: `serve` with the shipped settings, at `capacity`. */
async function runServerChild(capacity: number, natsUrl: string, hostId: string): Promise<void> {
  const { serve } = await import('../server/serve.js');
  const config = loadConfig({
    overrides: {
      server: { port: 0, logLevel: 'error', capacity, maxSessions: Math.max(capacity, 100) },
      ...(natsUrl ? { nats: { servers: natsUrl } } : {}),
    },
  });
  const server = await serve({ config, log: silentLogger, hostId });
  // Measured from where a server of this capacity settles: every session's decoders made.
  await server.pool.prepared();
  global.gc?.();
  let window: ReturnType<typeof startWindow> | undefined;
  const rssMb = () => process.memoryUsage().rss / MB;
  process.on('message', (message: string) => {
    if (message === 'window-start') window = startWindow();
    else if (message === 'window-end' && window)
      process.send!({
        type: 'window',
        measure: window.stop(),
        rssMb: rssMb(),
        memory: memoryMb(),
      } satisfies ServerMessage);
  });
  process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
  process.send!({
    type: 'ready',
    url: `${server.http.url.replace(/^http/, 'ws')}/v1/realtime`,
    rssMb: rssMb(),
    memory: memoryMb(),
  } satisfies ServerMessage);
}

const at = process.argv.indexOf('--capacity-server-child');
if (at >= 0 && process.send)
  void runServerChild(Number(process.argv[at + 1]), process.argv[at + 2] ?? '', process.argv[at + 3] ?? 'bench');
