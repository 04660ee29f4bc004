/**
 * The scenarios of `npm run bench`, one entry each: its name (`--scenario NAME`), what it measures, the
 * flags it reads, how it runs, how its rows print and which of them `--json` writes. bench/run.ts reads
 * the command line into a {@link BenchContext}, runs the chosen entries in this table's order, prints
 * them, then writes the JSON. A new scenario is one more entry.
 *
 * Every scenario's module is imported inside its `run` and `print`, never at the top: a module's heap
 * stays for the whole run, and a server measured in this process would pay for it in garbage collection
 * (playwright-core alone holds ~34 MB; docs/benchmarks.md, *Machine and method*).
 *
 * @example
 * ```ts
 * const entry = scenario<CostRow>({
 *   name: 'cost',
 *   measures: 'CPU per typed turn and per microphone frame',
 *   flags: ['--sessions'],
 *   run: async (ctx) => [await (await import('./cost-scenario.js')).runCostScenario(100, 10_000, ctx.progress)],
 *   print: async (rows) => (await import('./table.js')).printCost(rows),
 * });
 * ```
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemClock } from '../adapters/clock.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../bus/message-bus.js';
import type { Transport } from '../bus/transport.js';
import type { CostRow } from './cost-scenario.js';
import type { EchoRow } from './echo-scenario.js';
import type { EndOfTurnRow } from './end-of-turn-scenario.js';
import type { EstopRealRow } from './estop-real.js';
import type { EstopRows } from './estop-scenario.js';
import type { EstopSessionRow } from './estop-session.js';
import type { GrammarRows } from './grammar-scenario.js';
import type { SpottingRow } from './human-spotting.js';
import type { InspectRow } from './inspect-scenario.js';
import type { KeywordCostRow, KeywordRow } from './keyword-scenario.js';
import type { CapacityRow } from './capacity-scenario.js';
import type { CheckCostRow, CheckRow } from './check-scenario.js';
import type { GuardRow } from './latency-guards.js';
import type { LiveRow } from './live-scenario.js';
import type { LocalStackRow } from './local-stack.js';
import type { NoiseRow } from './noise-scenario.js';
import type { PageRow } from './page-scenario.js';
import type { RealtimeClientsResult } from './realtime-clients.js';
import type { RecordsRow, WriteThroughputRow } from './records-scenario.js';
import type { BenchRow } from './scenarios.js';
import type { ServerRow } from './server-scenario.js';
import type { SessionsRow } from './sessions-scenario.js';
import { summarize, type Percentiles } from './stats.js';
import type { WakeRow } from './wake-rows.js';

/** What a scenario reads of the command line, and what it may share with the others. */
export interface BenchContext {
  /** `--quick`: shorter windows, a smoke run. */
  quick: boolean;
  /** `--transport`: the buses of `reply` and `scale`. */
  transports: Array<'memory' | 'nats'>;
  /** `--orders N`: the real recordings' spotter rows again in N − 1 shuffled orders. */
  orders: number;
  /** The value after `--name`, if given. */
  arg(name: string): string | undefined;
  /** Whether `--name` is on the command line. */
  flag(name: string): boolean;
  /** A line on stderr: what is running now. */
  progress(line: string): void;
}

export interface BenchScenario<T> {
  /** `--scenario NAME`. */
  name: string;
  /** One line: what it measures (`npm run bench -- --list`). */
  measures: string;
  /** The flags it reads besides `--quick` and `--json`. */
  flags?: string[];
  /** Refuses a wrong flag before anything runs. */
  check?(ctx: BenchContext): void;
  /** Runs it; the results print and go to `--json` once every chosen scenario has run. */
  run(ctx: BenchContext): Promise<T[]>;
  /** Prints its results. Scenarios that share one print function print as one table, in the table's order. */
  print(results: T[]): void | Promise<void>;
  /** The rows `--json` writes (default: the results themselves). */
  json?(results: T[]): unknown[];
}

/** One entry, typed on its own results and stored beside the others. */
export const scenario = <T>(entry: BenchScenario<T>): BenchScenario<unknown> => entry as unknown as BenchScenario<unknown>;

/** Publish → delivery of a small message on one connection, sequentially: the cost of one bus hop. */
async function hopLatency(transport: Transport, samples: number): Promise<Percentiles> {
  const times: number[] = [];
  let resolveOne: (() => void) | undefined;
  const sub = transport.subscribe('bench.hop', () => resolveOne?.());
  await transport.flush();
  const payload = new Uint8Array(64);
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await new Promise<void>((resolve) => {
      resolveOne = resolve;
      transport.publish('bench.hop', payload);
    });
    times.push(performance.now() - started);
  }
  sub.unsubscribe();
  return summarize(times);
}

/** A message bus on one transport for `body` (nats: a private nats-server, stopped after). */
async function withBus<T>(kind: 'memory' | 'nats', body: (bus: MessageBus, hop: Percentiles) => Promise<T>): Promise<T> {
  if (kind === 'memory') {
    const transport = createMemoryTransport();
    return body(createMessageBus(transport, { clock: systemClock }), await hopLatency(transport, 2000));
  }
  const { startNatsServer } = await import('../sim/nats-server.js');
  const { connectNatsTransport } = await import('../bus/nats-transport.js');
  const server = await startNatsServer();
  const transport = await connectNatsTransport({ servers: server.url, name: 'voice-agent-bench' });
  try {
    return await body(createMessageBus(transport, { clock: systemClock }), await hopLatency(transport, 2000));
  } finally {
    await transport.close();
    await server.stop();
  }
}

/** `--sessions` as numbers, or the scenario's default. */
const sessionCounts = (ctx: BenchContext, fallback: string) => (ctx.arg('sessions') ?? fallback).split(',').map(Number);

/** One latency guard (`memory`, `failover`, `phrase`): the three print as one table. */
function guard(name: 'memory' | 'failover' | 'phrase', measures: string): BenchScenario<unknown> {
  return scenario<GuardRow>({
    name,
    measures,
    run: async (ctx) => {
      const guards = await import('./latency-guards.js');
      const bench = { memory: guards.benchMemoryBudget, failover: guards.benchFailover, phrase: guards.benchPhraseCache }[name];
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
  const inspect: 'chart' | 'full' | undefined = ctx.flag('inspect') ? (ctx.arg('inspect') === 'full' ? 'full' : 'chart') : undefined;
  if (processes > 1 && (stages || inspect))
    throw new Error(
      '--processes runs each server in a process of its own: --stages and --inspect measure one in-process server, so use them without --processes',
    );
  return { micPhases, processes, stages, inspect };
}

/** What the `estop` scenario's flags ask, checked before anything runs. */
function estopOptions(ctx: BenchContext) {
  const path = ctx.arg('path');
  if (path !== undefined && path !== 'local' && path !== 'realtime' && path !== 'offline' && path !== 'spotter')
    throw new Error(`--path ${path}: use local, realtime, offline (false stops only) or spotter (the microphone spotter only; default: all)`);
  const suppression = ctx.arg('noise-suppression');
  if (ctx.flag('noise-suppression') && suppression !== 'on' && suppression !== 'off')
    throw new Error(`--noise-suppression ${suppression ?? ''}: use on (RNNoise always) or off (never); without it, the shipped auto`);
  const stts = (ctx.arg('stt') ?? 'grammar').split(',');
  for (const stt of stts)
    if (stt !== 'grammar' && stt !== 'whisper')
      throw new Error(`--stt ${stt}: use grammar (the default), whisper (the Whisper-class stand-in) or both, grammar,whisper`);
  return {
    path,
    paths: (path === 'offline' ? [] : path === 'local' || path === 'realtime' ? [path] : undefined) as Array<'local' | 'realtime'> | undefined,
    noiseSuppression: suppression === undefined ? undefined : suppression === 'on',
    stts: stts as Array<'grammar' | 'whisper'>,
  };
}

/** The `estop` scenario's rows, by kind: each prints as a table of its own. */
interface EstopResult {
  stops: EstopRows;
  spotting: SpottingRow[];
  combined: EstopRealRow[];
  session: EstopSessionRow[];
}

/** The `wake` scenario's rows: the synthetic corpus's, and the real recordings' spotter rows. */
interface WakeResult {
  wakes: WakeRow[];
  spotting: SpottingRow[];
}

/** The `records` scenario's rows: the reply scenario with recording off and on, and the store's write capacity. */
interface RecordsResult {
  recorded: RecordsRow[];
  writes: WriteThroughputRow[];
}

/** Every scenario, in the order a run takes them. */
export const SCENARIOS: ReadonlyArray<BenchScenario<unknown>> = [
  guard('memory', 'reply start → first token while the memory service is slow (budget 150 ms)'),
  guard('failover', "a TTS deadline miss → the backup engine's first frame"),
  guard('phrase', 'SAY of a cached phrase → first frame at the sink'),
  scenario<LocalStackRow>({
    name: 'local',
    measures: 'the local stack (flite → WebRTC VAD → pocketsphinx → rules → flite) in real time: ms per stage from speech end',
    run: async (ctx) => {
      ctx.progress('local stack (flite → WebRTC VAD → pocketsphinx → rules → flite), real time');
      return [await (await import('./local-stack.js')).benchLocalStack(ctx.quick ? 7 : 21, ctx.progress)];
    },
    print: async (rows) => {
      for (const row of rows) (await import('./table.js')).printLocal(row);
    },
  }),
  scenario<BenchRow>({
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
            const row = await runReplyScenario(bus, transport, sessions, sessions === 1 ? (ctx.quick ? 5 : 20) : ctx.quick ? 1 : 2);
            rows.push({ ...row, natsHopMs: hop });
          }
        });
      return rows;
    },
    print: printReplyTable,
  }),
  scenario<BenchRow>({
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
  }),
  scenario<ServerRow>({
    name: 'server',
    measures: "serve() and N Realtime WebSocket clients: first audio over the ideal, cancels, errors, the server's CPU and GC",
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
  }),
  scenario<CostRow>({
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
  }),
  scenario<SessionsRow>({
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
  }),
  scenario<PageRow>({
    name: 'page',
    measures: 'the browser page in headless Chromium on the local stack: speech end → reply audio, barge-in → silence',
    run: async (ctx) => {
      // Why 10 loops: 20 replies and 10 barge-ins, enough for a p95, in about 75 s of conversation.
      const loops = ctx.quick ? 3 : 10;
      ctx.progress(`page: headless Chromium, the browser page, local stack, ${loops} loops of the test recording in real time`);
      const row = await (await import('./page-scenario.js')).runPageScenario(loops, ctx.progress);
      return row ? [row] : [];
    },
    print: async (rows) => {
      for (const row of rows) (await import('./table.js')).printPage(row);
    },
  }),
  scenario<RecordsResult>({
    name: 'records',
    measures: "the reply scenario with recording off, on and on with audio; the store's write capacity",
    run: async (ctx) => {
      const { benchWriteThroughput, runRecordsScenario } = await import('./records-scenario.js');
      const recorded: RecordsRow[] = [];
      await withBus('memory', async (bus) => {
        for (const sessions of [1, 100]) {
          ctx.progress(`records / memory / ${sessions} session(s): reply scenario with recording off, on, on with audio (two rounds)`);
          recorded.push(...(await runRecordsScenario(bus, sessions, sessions === 1 ? (ctx.quick ? 3 : 10) : ctx.quick ? 1 : 2)));
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
  }),
  scenario<EchoRow>({
    name: 'echo',
    measures: 'ERLE, CPU per session, and the closed loop with the agent hearing itself',
    run: async (ctx) => {
      ctx.progress('echo: ERLE, CPU per session, closed loop with the agent hearing itself');
      return (await import('./echo-scenario.js')).runEchoScenario({ quick: ctx.quick }, ctx.progress);
    },
    print: async (rows) => (await import('./echo-scenario.js')).printEcho(rows),
  }),
  scenario<NoiseRow>({
    name: 'noise',
    measures: 'VAD false starts and command recognition in generated noise, per conditioning step',
    run: async (ctx) => {
      ctx.progress('noise: VAD false starts and command recognition in generated noise, per conditioning step');
      return (await import('./noise-scenario.js')).runNoiseScenario({ quick: ctx.quick }, ctx.progress);
    },
    print: async (rows) => (await import('./noise-scenario.js')).printNoise(rows),
  }),
  scenario<EstopResult>({
    name: 'estop',
    measures: 'stop phrases and commands over a long reply, false stops, the microphone spotter and the transcripts on real recordings',
    flags: ['--path', '--stt', '--add-stop-phrases', '--noise-suppression', '--orders'],
    check: estopOptions,
    run: async (ctx) => {
      const options = estopOptions(ctx);
      const { runEstopScenario } = await import('./estop-scenario.js');
      ctx.progress('estop: stop phrases and commands over a long reply, local 16 kHz and Realtime 24 kHz; false stops offline');
      const result: EstopResult = { stops: [], spotting: [], combined: [], session: [] };
      // The microphone's stop spotter: real recordings and synthetic voices, each in its own rows.
      const { noiseSuppression } = options;
      const { spotting, real } = await (
        await import('./human-spotting.js')
      ).runStopSpotterRows({ quick: ctx.quick, noiseSuppression, orders: ctx.orders }, ctx.progress);
      result.spotting.push(...spotting);
      // The same recordings through the transcripts' gate too: what a session, with both, stops on (as shipped: not with --noise-suppression).
      if (real && noiseSuppression === undefined)
        result.combined.push(
          ...(await (
            await import('./estop-real.js')
          ).combinedStopRows(real.clips, real.heard, (await import('../runtime/config.js')).loadConfig(), ctx.progress)),
        );
      // And through a session's VAD and transcripts, each stack: the stops its pauses add, true and false.
      if (real && noiseSuppression === undefined) {
        const { sessionStopRows } = await import('./estop-session.js');
        const shipped = (await import('../runtime/config.js')).loadConfig();
        for (const stack of ['grammar', 'whisper'] as const)
          result.session.push(...(await sessionStopRows(real.clips, real.heard, shipped, stack, ctx.progress)));
      }
      for (const [i, stt] of options.stts.entries())
        if (options.path !== 'spotter')
          result.stops.push(
            ...(await runEstopScenario(
              { quick: ctx.quick, stt, falseStops: i === 0, addStopPhrases: ctx.flag('add-stop-phrases'), ...(options.paths ? { paths: options.paths } : {}) },
              ctx.progress,
            )),
          );
      return [result];
    },
    print: async (results) => {
      const stops = results.flatMap((r) => r.stops);
      const spotting = results.flatMap((r) => r.spotting);
      const combined = results.flatMap((r) => r.combined);
      const session = results.flatMap((r) => r.session);
      if (stops.length > 0) (await import('./estop-scenario.js')).printEstop(stops);
      if (spotting.length > 0) (await import('./human-spotting.js')).printSpotting(spotting);
      if (combined.length > 0) (await import('./estop-real.js')).printCombinedStops(combined);
      if (session.length > 0) (await import('./estop-session.js')).printSessionStopRows(session);
    },
    json: (results) => results.flatMap((r) => [...r.stops, ...r.spotting, ...r.combined, ...r.session]),
  }),
  scenario<GrammarRows[number]>({
    name: 'grammar',
    measures: 'commands and phrases outside the grammar, several voices: rejection by confidence',
    flags: ['--rate'],
    run: async (ctx) => {
      ctx.progress('grammar: commands and phrases outside the grammar, several voices: rejection by confidence');
      const rate = ctx.arg('rate');
      return (await import('./grammar-scenario.js')).runGrammarScenario({ quick: ctx.quick, ...(rate ? { rateHz: Number(rate) } : {}) }, ctx.progress);
    },
    print: async (rows) => (await import('./grammar-scenario.js')).printGrammar(rows),
  }),
  scenario<EndOfTurnRow>({
    name: 'eot',
    measures: 'real silence → first audio: full hangover, adaptive end of turn, speculative replies',
    run: async (ctx) => {
      ctx.progress('eot: real silence → first audio, full hangover vs adaptive end of turn (local stack), and speculative replies (slow LLM)');
      return (await import('./end-of-turn-scenario.js')).runEndOfTurnScenario({ quick: ctx.quick }, ctx.progress);
    },
    print: async (rows) => (await import('./end-of-turn-scenario.js')).printEndOfTurn(rows),
  }),
  scenario<InspectRow>({
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
  }),
  scenario<LiveRow>({
    name: 'live',
    measures: '`voice-agent live` in a virtual PulseAudio room: mouth to ear, false barge-ins, a command over an outcome',
    run: async (ctx) => {
      const { runLiveScenario } = await import('./live-scenario.js');
      ctx.progress('live: mouth-to-ear of `voice-agent live` in a virtual room on a PulseAudio daemon of its own');
      const rows = await runLiveScenario(ctx.progress);
      ctx.progress("live: the same with the sound server's module-echo-cancel in place of the built-in echo step");
      rows.push(...(await runLiveScenario(ctx.progress, { echoCancelModule: true })));
      ctx.progress('live: the built-in echo step again, with a busy loop in another process beside the session');
      rows.push(...(await runLiveScenario(ctx.progress, { cpuHog: true })));
      return rows;
    },
    print: async (rows) => (await import('./live-scenario.js')).printLive(rows),
  }),
  scenario<WakeResult>({
    name: 'wake',
    measures: 'false wakes per hour without the wake phrase; wake and stop phrases detected, synthetic and real',
    flags: ['--real', '--orders'],
    run: async (ctx) => {
      ctx.progress('wake: false wakes per hour on an hour of speech without the wake phrase, wake and stop phrases detected');
      const spotting = await (await import('./human-spotting.js')).runRealWakeRows(ctx.progress, ctx.orders);
      const wakes = ctx.flag('real') ? [] : await (await import('./wake-scenario.js')).runWakeScenario({ quick: ctx.quick }, ctx.progress);
      return [{ wakes, spotting }];
    },
    print: async (results) => {
      const wakes = results.flatMap((r) => r.wakes);
      const spotting = results.flatMap((r) => r.spotting);
      if (wakes.length > 0) (await import('./wake-rows.js')).printWake(wakes);
      if (spotting.length > 0) (await import('./human-spotting.js')).printSpotting(spotting);
    },
    json: (results) => results.flatMap((r) => [...r.wakes, ...r.spotting]),
  }),
  scenario<{ rows: KeywordRow[]; cost: KeywordCostRow }>({
    name: 'keyword',
    measures: "learned keyword heads (the project's and openWakeWord's) on recordings of real people, and their cost",
    run: async (ctx) => {
      ctx.progress("keyword: learned heads (the project's and openWakeWord's) on recordings of real people");
      const keyword = await import('./keyword-scenario.js');
      const cost = await keyword.measureKeywordCost(['stop', 'emergency stop', 'yes', 'no', 'hey robot']);
      return [{ cost, rows: await keyword.runKeywordScenario(ctx.progress) }];
    },
    print: async (results) => {
      const keyword = await import('./keyword-scenario.js');
      for (const r of results) {
        keyword.printKeyword(r.rows);
        keyword.printKeywordCost(r.cost);
      }
    },
    json: (results) => results.flatMap((r) => [...r.rows, r.cost]),
  }),
  scenario<CheckRow | CheckCostRow>({
    name: 'check',
    measures: '`voice-agent check` on recordings of every entry: differences on re-run per entry, and the time to check a 60 s recording',
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
  }),
  scenario<CapacityRow>({
    name: 'capacity',
    measures: 'N Realtime clients streaming real and eSpeak NG speech into one serve (real engines) until a promise breaks',
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
  }),
  scenario<RealtimeClientsResult>({
    name: 'realtime-clients',
    measures: 'the Realtime conformance suite: each client library unmodified against serve(), result and first audio',
    run: async (ctx) => [(await import('./realtime-clients.js')).runRealtimeClients(ctx.progress)],
    print: async (results) => {
      for (const r of results) (await import('./realtime-clients.js')).printRealtimeClients(r);
    },
    json: (results) => results.flatMap((r) => r.rows),
  }),
];

/** The scenario of one name, or an error listing them all. */
export function scenarioNamed(name: string): BenchScenario<unknown> {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`--scenario ${name}: use one of ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return found;
}
