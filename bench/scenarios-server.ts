/**
 * The scenarios of `npm run bench` that measure the server and its sessions (bench/scenario-table.ts
 * orders them with the others): the latency guards, the local stack, reply and scale on each bus, serve
 * with Realtime clients, CPU per turn, session creation, the browser page, recording, the inspector,
 * `voice-agent check`, capacity and the Realtime client libraries. Each imports its module inside `run`
 * and `print` (bench/scenario-table.ts says why).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { scenario, sessionCounts, type BenchContext, type BenchScenario } from './bench-scenario.js';
import { withBus } from './bus-hop.js';
import type { CapacityRow } from './capacity-scenario.js';
import type { CheckRow } from './check-entries.js';
import type { CheckCostRow } from './check-scenario.js';
import type { CostRow } from './cost-scenario.js';
import type { InspectRow } from './inspect-scenario.js';
import type { GuardRow } from './latency-guards.js';
import type { LocalStackRow } from './local-stack.js';
import type { PageRow } from './page-scenario.js';
import type { RealtimeClientsResult } from './realtime-clients.js';
import type { RecordsRow, WriteThroughputRow } from './records-scenario.js';
import type { BenchRow } from './scenarios.js';
import type { ServerRow } from './server-scenario.js';
import type { SessionsRow } from './sessions-scenario.js';

/** One latency guard (`memory`, `failover`, `phrase`): the three print as one table. */
function guard(name: 'memory' | 'failover' | 'phrase', measures: string): BenchScenario<unknown> {
  return scenario<GuardRow>({
    name,
    measures,
    run: async (ctx) => {
      const guards = await import('./latency-guards.js');
      const bench = {
        memory: guards.benchMemoryBudget,
        failover: guards.benchFailover,
        phrase: guards.benchPhraseCache,
      }[name];
      ctx.progress(`${name} (in-process)`);
      return [await bench(ctx.quick ? 5 : 20)];
    },
    print: printGuards,
  });
}
async function printGuards(rows: GuardRow[]): Promise<void> {
  (await import('./table.js')).printGuards(rows);
}

/** `reply` and `scale` on each `--transport`: their rows print as one table. */
async function printReplyTable(rows: BenchRow[]): Promise<void> {
  (await import('./table.js')).printTable(rows);
}

/** What the `server` scenario's flags ask, checked before anything runs. */
function serverOptions(ctx: BenchContext) {
  const micPhases = ctx.arg('mic-phases') ? Number(ctx.arg('mic-phases')) : undefined;
  if (micPhases !== undefined && !(Number.isInteger(micPhases) && micPhases >= 1 && micPhases <= 20))
    throw new Error(`--mic-phases ${ctx.arg('mic-phases')}: use a whole number from 1 to 20`);
  const processes = ctx.arg('processes') ? Number(ctx.arg('processes')) : 1;
  if (!(Number.isInteger(processes) && processes >= 1 && processes <= 16))
    throw new Error(`--processes ${ctx.arg('processes')}: use a whole number from 1 to 16`);
  const stages = ctx.flag('stages');
  const inspect: 'chart' | 'full' | undefined = ctx.flag('inspect')
    ? ctx.arg('inspect') === 'full'
      ? 'full'
      : 'chart'
    : undefined;
  if (processes > 1 && (stages || inspect))
    throw new Error(
      '--processes runs each server in a process of its own: --stages and --inspect measure one in-process ' +
        'server, so use them without --processes',
    );
  return { micPhases, processes, stages, inspect };
}

/** The `records` scenario's rows: the reply scenario with recording off and on, and the store's write capacity. */
interface RecordsResult {
  recorded: RecordsRow[];
  writes: WriteThroughputRow[];
}

export const memoryGuard = guard(
  'memory',
  'reply start → first token while the memory service is slow (budget 150 ms)',
);

export const failoverGuard = guard('failover', "a TTS deadline miss → the backup engine's first frame");

export const phraseGuard = guard('phrase', 'SAY of a cached phrase → first frame at the sink');

export const localScenario = scenario<LocalStackRow>({
  name: 'local',
  measures:
    'the local stack (flite → WebRTC VAD → pocketsphinx → rules → flite) in real time: ms per stage from speech end',
  run: async (ctx) => {
    ctx.progress('local stack (flite → WebRTC VAD → pocketsphinx → rules → flite), real time');
    return [await (await import('./local-stack.js')).benchLocalStack(ctx.quick ? 7 : 21, ctx.progress)];
  },
  print: async (rows) => {
    for (const row of rows) (await import('./table.js')).printLocal(row);
  },
});

export const replyScenario = scenario<BenchRow>({
  name: 'reply',
  measures: 'first audio against the ideal, STOP → silence, barge-ins, 1 and 100 sessions (the peer benchmark)',
  flags: ['--transport'],
  run: async (ctx) => {
    const { runReplyScenario } = await import('./scenarios.js');
    const rows: BenchRow[] = [];
    for (const transport of ctx.transports)
      await withBus(transport, async (bus, hop) => {
        ctx.progress(`${transport}: one bus hop p50 ${hop.p50} ms, p99 ${hop.p99} ms`);
        for (const sessions of [1, 100]) {
          ctx.progress(`reply / ${transport} / ${sessions} session(s)`);
          const row = await runReplyScenario(
            bus,
            transport,
            sessions,
            sessions === 1 ? (ctx.quick ? 5 : 20) : ctx.quick ? 1 : 2,
          );
          rows.push({ ...row, natsHopMs: hop });
        }
      });
    return rows;
  },
  print: printReplyTable,
});

export const scaleScenario = scenario<BenchRow>({
  name: 'scale',
  measures: 'N sessions in continuous turns on one loop: lag, I/O wait, CPU, MB per session',
  flags: ['--transport', '--sessions'],
  run: async (ctx) => {
    const { runScaleScenario } = await import('./scenarios.js');
    const rows: BenchRow[] = [];
    for (const transport of ctx.transports)
      await withBus(transport, async (bus, hop) => {
        ctx.progress(`${transport}: one bus hop p50 ${hop.p50} ms, p99 ${hop.p99} ms`);
        for (const sessions of sessionCounts(ctx, ctx.quick ? '1,100' : '1,100,500,1000')) {
          ctx.progress(`scale / ${transport} / ${sessions} session(s)`);
          const timing = ctx.quick ? { warmUpMs: 2000, windowMs: 4000 } : { warmUpMs: 3000, windowMs: 10_000 };
          rows.push({ ...(await runScaleScenario(bus, transport, sessions, timing, ctx.progress)), natsHopMs: hop });
        }
      });
    return rows;
  },
  print: printReplyTable,
});

export const serverScenario = scenario<ServerRow>({
  name: 'server',
  measures:
    "serve() and N Realtime WebSocket clients: first audio over the ideal, cancels, errors, the server's CPU and GC",
  flags: ['--sessions', '--processes', '--mic-phases', '--stages', '--inspect'],
  check: serverOptions,
  run: async (ctx) => {
    const options = serverOptions(ctx);
    const { runServerScenario } = await import('./server-scenario.js');
    const { runServerProcessesScenario } = await import('./server-processes.js');
    const rows: ServerRow[] = [];
    for (const sessions of sessionCounts(ctx, ctx.quick ? '1,100' : '1,100,500')) {
      ctx.progress(`server / websocket / ${sessions} client(s)`);
      // Why these windows: as the scale scenario's, so the two compare; one client gets three times the
      // window, since it makes only ~4 turns per 10 s (a full reply plays ~6 s).
      const windowMs = (ctx.quick ? 4000 : 10_000) * (sessions === 1 ? 3 : 1);
      const timing = { warmUpMs: ctx.quick ? 2000 : 3000, windowMs };
      const micPhases = options.micPhases ? { micPhases: options.micPhases } : {};
      rows.push(
        options.processes > 1
          ? await runServerProcessesScenario(sessions, options.processes, timing, ctx.progress, micPhases)
          : await runServerScenario(sessions, timing, ctx.progress, {
              ...(options.inspect ? { inspect: options.inspect } : {}),
              ...micPhases,
              stages: options.stages,
            }),
      );
    }
    return rows;
  },
  print: async (rows) => (await import('./table.js')).printServer(rows),
});

export const costScenario = scenario<CostRow>({
  name: 'cost',
  measures: "CPU per typed turn and µs per microphone frame in serve's session host, no sockets",
  flags: ['--sessions'],
  run: async (ctx) => {
    const { runCostScenario } = await import('./cost-scenario.js');
    const rows: CostRow[] = [];
    for (const sessions of sessionCounts(ctx, '100')) {
      ctx.progress(`cost: ${sessions} sessions, CPU per turn and per microphone frame`);
      rows.push(await runCostScenario(sessions, ctx.quick ? 3000 : 10_000, ctx.progress));
    }
    return rows;
  },
  print: async (rows) => (await import('./table.js')).printCost(rows),
});

export const sessionsScenario = scenario<SessionsRow>({
  name: 'sessions',
  measures: 'create() and end of 100 sessions on the local stack: time and memory per session',
  run: async (ctx) => {
    // Why 100: the sessions one 2-core process is sized for (server.maxSessions).
    const sessions = 100;
    ctx.progress(`sessions: ${sessions} on the local stack, one after another`);
    return [await (await import('./sessions-scenario.js')).runSessionsScenario(sessions, ctx.progress)];
  },
  print: async (rows) => {
    for (const row of rows) (await import('./table.js')).printSessions(row);
  },
});

export const pageScenario = scenario<PageRow>({
  name: 'page',
  measures: 'the browser page in headless Chromium on the local stack: speech end → reply audio, barge-in → silence',
  run: async (ctx) => {
    // Why 10 loops: 20 replies and 10 barge-ins, enough for a p95, in about 75 s of conversation.
    const loops = ctx.quick ? 3 : 10;
    ctx.progress(
      `page: headless Chromium, the browser page, local stack, ${loops} loops of the test recording in real time`,
    );
    const row = await (await import('./page-scenario.js')).runPageScenario(loops, ctx.progress);
    return row ? [row] : [];
  },
  print: async (rows) => {
    for (const row of rows) (await import('./table.js')).printPage(row);
  },
});

export const recordsScenario = scenario<RecordsResult>({
  name: 'records',
  measures: "the reply scenario with recording off, on and on with audio; the store's write capacity",
  run: async (ctx) => {
    const { benchWriteThroughput, runRecordsScenario } = await import('./records-scenario.js');
    const recorded: RecordsRow[] = [];
    await withBus('memory', async (bus) => {
      for (const sessions of [1, 100]) {
        ctx.progress(
          `records / memory / ${sessions} session(s): reply scenario with recording off, on, on with audio (two ` +
            `rounds)`,
        );
        recorded.push(
          ...(await runRecordsScenario(bus, sessions, sessions === 1 ? (ctx.quick ? 3 : 10) : ctx.quick ? 1 : 2)),
        );
      }
    });
    ctx.progress('records: store write capacity');
    return [{ recorded, writes: [await benchWriteThroughput(ctx.quick ? 20_000 : 200_000)] }];
  },
  print: async (results) =>
    (await import('./table.js')).printRecords(
      results.flatMap((r) => r.recorded),
      results.flatMap((r) => r.writes),
    ),
  json: (results) => [...results.flatMap((r) => r.recorded), ...results.flatMap((r) => r.writes)],
});

export const inspectScenario = scenario<InspectRow>({
  name: 'inspect',
  measures: "the live inspector's cost on a fixed server workload: unwatched, the page's feed, the full feed",
  flags: ['--sessions'],
  run: async (ctx) => {
    const { runInspectScenario } = await import('./inspect-scenario.js');
    const rows: InspectRow[] = [];
    // Why 100 sessions by default: the budget is stated for 100 watched sessions (server.maxSessions).
    for (const sessions of sessionCounts(ctx, '100')) {
      ctx.progress(`inspect: ${sessions} sessions, unwatched / chart feed / full feed, twice`);
      rows.push(...(await runInspectScenario(sessions, ctx.quick ? 4000 : 10_000, ctx.progress)));
    }
    return rows;
  },
  print: async (rows) => (await import('./inspect-scenario.js')).printInspect(rows),
});

export const checkScenario = scenario<CheckRow | CheckCostRow>({
  name: 'check',
  measures:
    '`voice-agent check` on recordings of every entry: differences on re-run per entry, and the time to check a 60 ' +
    's recording',
  flags: ['--entries', '--sessions'],
  check: (ctx) => {
    const entries = ctx.arg('entries')?.split(',') ?? [];
    const known = ['realtime', 'run', 'nats', 'live', 'cost'];
    for (const e of entries) if (!known.includes(e)) throw new Error(`--entries ${e}: use ${known.join(', ')}`);
  },
  run: async (ctx) => {
    // Why 10 sessions per entry by default: each is recorded in real time (10–20 s); --sessions N changes it.
    const { CHECK_PARTS, runCheckScenario } = await import('./check-scenario.js');
    const parts = (ctx.arg('entries')?.split(',') ?? [...CHECK_PARTS]) as Array<(typeof CHECK_PARTS)[number]>;
    return runCheckScenario({ sessions: Number(ctx.arg('sessions') ?? (ctx.quick ? 2 : 10)), parts }, ctx.progress);
  },
  print: async (rows) => (await import('./check-scenario.js')).printCheck(rows),
});

export const capacityScenario = scenario<CapacityRow>({
  name: 'capacity',
  measures:
    'N Realtime clients streaming real and eSpeak NG speech into one serve (real engines) until a promise breaks',
  flags: ['--sessions', '--processes', '--admission', '--window', '--server-prof'],
  run: async (ctx) => {
    const { runCapacityScenario } = await import('./capacity-scenario.js');
    const prof = ctx.arg('server-prof');
    const rows = await runCapacityScenario(
      {
        ...(ctx.arg('sessions') ? { sessions: ctx.arg('sessions')!.split(',').map(Number) } : {}),
        windowMs: ctx.arg('window') ? Number(ctx.arg('window')) * 1000 : ctx.quick ? 20_000 : 40_000,
        processes: ctx.arg('processes') ? Number(ctx.arg('processes')) : 1,
        admission: ctx.flag('admission'),
        ...(prof ? { serverExecArgv: ['--cpu-prof', '--cpu-prof-dir', prof] } : {}),
      },
      ctx.progress,
    );
    // Kept beside the other runs' rows (the ladder, --admission, --processes N): each run replaces its own.
    const file = 'bench/results/capacity.json';
    const kept = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Array<{ run?: string }>) : [];
    const runs = new Set(rows.map((r) => r.run));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify([...kept.filter((r) => !runs.has(r.run ?? '')), ...rows], null, 2)}\n`);
    ctx.progress(`wrote the ${[...runs].join(', ')} rows to ${file}`);
    return rows;
  },
  print: async (rows) => (await import('./capacity-scenario.js')).printCapacity(rows),
});

export const realtimeClientsScenario = scenario<RealtimeClientsResult>({
  name: 'realtime-clients',
  measures: 'the Realtime conformance suite: each client library unmodified against serve(), result and first audio',
  run: async (ctx) => [(await import('./realtime-clients.js')).runRealtimeClients(ctx.progress)],
  print: async (results) => {
    for (const r of results) (await import('./realtime-clients.js')).printRealtimeClients(r);
  },
  json: (results) => results.flatMap((r) => r.rows),
});
