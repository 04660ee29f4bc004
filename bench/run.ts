/**
 * `npm run bench [-- options]`: benchmarks, not tests — they print numbers and never fail on a miss.
 *
 *   --scenario reply|scale|memory|failover|phrase|local|server|cost|sessions|page|records|check|echo|noise|grammar|eot|inspect|estop|live|wake|realtime-clients   one scenario, or several joined by commas (default: all)
 *   --transport memory|nats  one transport (default: both; nats starts a private nats-server)
 *   --sessions 1,100,500,1000  session counts for scale (default 1,100,500,1000), server (default 1,100,500) and cost (default 100)
 *   --inspect [chart|full]   server: an inspector watches every session (/inspect/ws; the page's feed, or all of it)
 *   --mic-phases N           server: the clients' microphones spread over N phases of the 20 ms frame (default 10; 1 = all at once)
 *   --stages                 server: also where the time to first audio goes (taps on the server's bus)
 *   --processes N            server: the clients spread over N serve processes (default 1: the server in this process)
 *   --rate 16000|24000       grammar: 24000 also runs the corpus through the Realtime input path (24 kHz, the microphone resampler)
 *   --path local|realtime|offline|spotter  estop: one stack, or none (offline: the false stops of the transcripts' gate; spotter: the microphone spotter's rows only; default: all)
 *   --stt grammar|whisper    estop: the stacks' recognizer (whisper: stt.engine openai on the Whisper-class stand-in, 250 ms per request; grammar,whisper: both)
 *   --real                   wake: only the rows on recordings of real people (../shared/speech/human)
 *   --add-stop-phrases       estop: the robot grammar with the stop phrases it lacks ("halt", "emergency stop") added
 *   --noise-suppression on|off  estop: the microphone spotter's rows with RNNoise always on, or never, in the microphone's conditioning (`audio.noiseSuppression`; shipped: auto)
 *   --orders N               estop, wake: the real recordings' spotter rows again in N-1 shuffled orders (one stream hears them in turn, and each clip's room carries into the next; default 1: the manifest's order)
 *   --entries realtime,run,nats,live,cost  check: the entries to record and check (cost: the check of a 60 s recording; default all)
 *   --quick                  short smoke run
 *   --json FILE              write the rows as a JSON array (bench/results/NAME.json: the figures docs/benchmarks.md shows; `npm run bench:tables` renders them)
 *
 * Environment, to compare settings in the server and cost scenarios: VA_SERVER__HEAP_GROWTH_PERCENT=N sets
 * serve's heap growth (server/heap-growth.ts; 0: V8's own heuristic), VA_PIPELINE__TTS_LOOK_AHEAD_MS=N the
 * TTS look-ahead (0: a reply synthesized all at once).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { systemClock } from '../adapters/clock.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../bus/message-bus.js';
import type { Transport } from '../bus/transport.js';
// Why every scenario is imported where it runs: a module's heap stays for the whole run, and a server
// measured in this process would pay for it in garbage collection (playwright-core alone holds ~34 MB;
// docs/benchmarks.md, *Machine and method*).
import type { BenchRow } from './scenarios.js';
import { summarize, type Percentiles } from './stats.js';
import type { GuardRow } from './latency-guards.js';
import type { EndOfTurnRow } from './end-of-turn-scenario.js';
import type { LocalStackRow } from './local-stack.js';
import type { ServerRow } from './server-scenario.js';
import type { SessionsRow } from './sessions-scenario.js';
import type { CostRow } from './cost-scenario.js';
import type { PageRow } from './page-scenario.js';
import type { RecordsRow, WriteThroughputRow } from './records-scenario.js';
import type { EchoRow } from './echo-scenario.js';
import type { NoiseRow } from './noise-scenario.js';
import type { InspectRow } from './inspect-scenario.js';
import type { LiveRow } from './live-scenario.js';
import { printCost, printGuards, printLocal, printPage, printRecords, printServer, printSessions, printTable } from './table.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const quick = process.argv.includes('--quick');
const orders = Number(arg('orders') ?? 1);
if (!Number.isInteger(orders) || orders < 1) throw new Error(`--orders ${arg('orders')}: a whole number of orders, 1 or more (1: the manifest's order alone)`);
const ALL = [
  'reply',
  'scale',
  'memory',
  'failover',
  'phrase',
  'local',
  'server',
  'cost',
  'sessions',
  'page',
  'records',
  'check',
  'echo',
  'noise',
  'grammar',
  'eot',
  'inspect',
  'estop',
  'live',
  'wake',
  'keyword',
  'realtime-clients',
] as const;
type Scenario = (typeof ALL)[number];
const scenarios = (arg('scenario')?.split(',') ?? [...ALL]) as Scenario[];
const transports = (arg('transport') ? [arg('transport')] : ['memory', 'nats']) as Array<'memory' | 'nats'>;
const scaleSessions = (arg('sessions') ?? (quick ? '1,100' : '1,100,500,1000')).split(',').map(Number);
const serverSessions = (arg('sessions') ?? (quick ? '1,100' : '1,100,500')).split(',').map(Number);
/** Why 100: the sessions one 2-core process is sized for (server.maxSessions). */
const CREATED_SESSIONS = 100;
const progress = (line: string) => process.stderr.write(`${line}\n`);
const micPhases = arg('mic-phases') ? Number(arg('mic-phases')) : undefined;
if (micPhases !== undefined && !(Number.isInteger(micPhases) && micPhases >= 1 && micPhases <= 20))
  throw new Error(`--mic-phases ${arg('mic-phases')}: use a whole number from 1 to 20`);
const serverProcesses = arg('processes') ? Number(arg('processes')) : 1;
if (!(Number.isInteger(serverProcesses) && serverProcesses >= 1 && serverProcesses <= 16))
  throw new Error(`--processes ${arg('processes')}: use a whole number from 1 to 16`);
const stages = process.argv.includes('--stages');
const inspectFeed: 'chart' | 'full' | undefined = process.argv.includes('--inspect') ? (arg('inspect') === 'full' ? 'full' : 'chart') : undefined;

if (serverProcesses > 1 && (stages || inspectFeed))
  throw new Error(
    '--processes runs each server in a process of its own: --stages and --inspect measure one in-process server, so use them without --processes',
  );
for (const s of scenarios) if (!ALL.includes(s)) throw new Error(`--scenario ${s}: use one of ${ALL.join(', ')}`);
for (const t of transports) if (t !== 'memory' && t !== 'nats') throw new Error(`--transport ${t}: use memory or nats`);

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

async function withBus<T>(kind: 'memory' | 'nats', body: (bus: MessageBus, hop: Percentiles) => Promise<T>): Promise<T> {
  if (kind === 'memory') {
    const transport = createMemoryTransport();
    return body(createMessageBus(transport, { clock: systemClock }), await hopLatency(transport, 2000));
  }
  const { startNatsServer } = await import('../test/support/nats-server.js');
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

const rows: BenchRow[] = [];
const guards: GuardRow[] = [];
const startedAt = performance.now();
const guardNames = (['memory', 'failover', 'phrase'] as const).filter((name) => scenarios.includes(name));
if (guardNames.length > 0) {
  const { benchFailover, benchMemoryBudget, benchPhraseCache } = await import('./latency-guards.js');
  const guardBenches = { memory: benchMemoryBudget, failover: benchFailover, phrase: benchPhraseCache } as const;
  for (const name of guardNames) {
    progress(`${name} (in-process)`);
    guards.push(await guardBenches[name](quick ? 5 : 20));
  }
}
const locals: LocalStackRow[] = [];
if (scenarios.includes('local')) {
  progress('local stack (flite → WebRTC VAD → pocketsphinx → rules → flite), real time');
  const { benchLocalStack } = await import('./local-stack.js');
  locals.push(await benchLocalStack(quick ? 7 : 21, progress));
}
for (const transport of scenarios.some((s) => s === 'reply' || s === 'scale') ? transports : []) {
  const { runReplyScenario, runScaleScenario } = await import('./scenarios.js');
  await withBus(transport, async (bus, hop) => {
    progress(`${transport}: one bus hop p50 ${hop.p50} ms, p99 ${hop.p99} ms`);
    if (scenarios.includes('reply')) {
      for (const sessions of [1, 100]) {
        progress(`reply / ${transport} / ${sessions} session(s)`);
        const row = await runReplyScenario(bus, transport, sessions, sessions === 1 ? (quick ? 5 : 20) : quick ? 1 : 2);
        rows.push({ ...row, natsHopMs: hop });
      }
    }
    if (scenarios.includes('scale')) {
      for (const sessions of scaleSessions) {
        progress(`scale / ${transport} / ${sessions} session(s)`);
        const timing = quick ? { warmUpMs: 2000, windowMs: 4000 } : { warmUpMs: 3000, windowMs: 10_000 };
        rows.push({ ...(await runScaleScenario(bus, transport, sessions, timing, progress)), natsHopMs: hop });
      }
    }
  });
}
const servers: ServerRow[] = [];
if (scenarios.includes('server')) {
  const { runServerScenario } = await import('./server-scenario.js');
  const { runServerProcessesScenario } = await import('./server-processes.js');
  for (const sessions of serverSessions) {
    progress(`server / websocket / ${sessions} client(s)`);
    // Why these windows: as the scale scenario's, so the two compare; one client gets three times the
    // window, since it makes only ~4 turns per 10 s (a full reply plays ~6 s).
    const windowMs = (quick ? 4000 : 10_000) * (sessions === 1 ? 3 : 1);
    const timing = { warmUpMs: quick ? 2000 : 3000, windowMs };
    servers.push(
      serverProcesses > 1
        ? await runServerProcessesScenario(sessions, serverProcesses, timing, progress, { ...(micPhases ? { micPhases } : {}) })
        : await runServerScenario(sessions, timing, progress, {
            ...(inspectFeed ? { inspect: inspectFeed } : {}),
            ...(micPhases ? { micPhases } : {}),
            stages,
          }),
    );
  }
}
const costs: CostRow[] = [];
if (scenarios.includes('cost')) {
  const { runCostScenario } = await import('./cost-scenario.js');
  for (const sessions of (arg('sessions') ?? '100').split(',').map(Number)) {
    progress(`cost: ${sessions} sessions, CPU per turn and per microphone frame`);
    costs.push(await runCostScenario(sessions, quick ? 3000 : 10_000, progress));
  }
}
const created: SessionsRow[] = [];
if (scenarios.includes('sessions')) {
  progress(`sessions: ${CREATED_SESSIONS} on the local stack, one after another`);
  const { runSessionsScenario } = await import('./sessions-scenario.js');
  created.push(await runSessionsScenario(CREATED_SESSIONS, progress));
}
const pages: PageRow[] = [];
if (scenarios.includes('page')) {
  // Why 10 loops: 20 replies and 10 barge-ins, enough for a p95, in about 75 s of conversation.
  const loops = quick ? 3 : 10;
  progress(`page: headless Chromium, the browser page, local stack, ${loops} loops of the test recording in real time`);
  const { runPageScenario } = await import('./page-scenario.js');
  const row = await runPageScenario(loops, progress);
  if (row) pages.push(row);
}
const recorded: RecordsRow[] = [];
const writes: WriteThroughputRow[] = [];
if (scenarios.includes('records')) {
  const { benchWriteThroughput, runRecordsScenario } = await import('./records-scenario.js');
  await withBus('memory', async (bus) => {
    for (const sessions of [1, 100]) {
      progress(`records / memory / ${sessions} session(s): reply scenario with recording off, on, on with audio (two rounds)`);
      recorded.push(...(await runRecordsScenario(bus, sessions, sessions === 1 ? (quick ? 3 : 10) : quick ? 1 : 2)));
    }
  });
  progress('records: store write capacity');
  writes.push(await benchWriteThroughput(quick ? 20_000 : 200_000));
}
const checks: Array<import('./check-scenario.js').CheckRow | import('./check-scenario.js').CheckCostRow> = [];
if (scenarios.includes('check')) {
  // Why 10 sessions per entry by default: each is recorded in real time (10–20 s); --sessions N changes it.
  const { CHECK_PARTS, runCheckScenario } = await import('./check-scenario.js');
  const parts = (arg('entries')?.split(',') ?? [...CHECK_PARTS]) as Array<(typeof CHECK_PARTS)[number]>;
  for (const p of parts) if (!CHECK_PARTS.includes(p)) throw new Error(`--entries ${p}: use ${CHECK_PARTS.join(', ')}`);
  checks.push(...(await runCheckScenario({ sessions: Number(arg('sessions') ?? (quick ? 2 : 10)), parts }, progress)));
}
const echoes: EchoRow[] = [];
if (scenarios.includes('echo')) {
  progress('echo: ERLE, CPU per session, closed loop with the agent hearing itself');
  const { runEchoScenario } = await import('./echo-scenario.js');
  echoes.push(...(await runEchoScenario({ quick }, progress)));
}
const noises: NoiseRow[] = [];
if (scenarios.includes('noise')) {
  progress('noise: VAD false starts and command recognition in generated noise, per conditioning step');
  const { runNoiseScenario } = await import('./noise-scenario.js');
  noises.push(...(await runNoiseScenario({ quick }, progress)));
}
const estops: Awaited<ReturnType<typeof import('./estop-scenario.js').runEstopScenario>> = [];
const spottings: Array<import('./human-spotting.js').SpottingRow> = [];
const combinedStops: Array<import('./estop-real.js').EstopRealRow> = [];
const sessionStops: Array<import('./estop-session.js').EstopSessionRow> = [];
if (scenarios.includes('estop')) {
  const { runEstopScenario } = await import('./estop-scenario.js');
  progress('estop: stop phrases and commands over a long reply, local 16 kHz and Realtime 24 kHz; false stops offline');
  const path = arg('path');
  if (path !== undefined && path !== 'local' && path !== 'realtime' && path !== 'offline' && path !== 'spotter')
    throw new Error(`--path ${path}: use local, realtime, offline (false stops only) or spotter (the microphone spotter only; default: all)`);
  const paths: Array<'local' | 'realtime'> | undefined = path === 'offline' ? [] : path === 'local' || path === 'realtime' ? [path] : undefined;
  // The microphone's stop spotter: real recordings and synthetic voices, each in its own rows.
  const suppression = arg('noise-suppression');
  if (process.argv.includes('--noise-suppression') && suppression !== 'on' && suppression !== 'off')
    throw new Error(`--noise-suppression ${suppression ?? ''}: use on (RNNoise always) or off (never); without it, the shipped auto`);
  const noiseSuppression = suppression === undefined ? undefined : suppression === 'on';
  const { spotting, real } = await (await import('./human-spotting.js')).runStopSpotterRows({ quick, noiseSuppression, orders }, progress);
  spottings.push(...spotting);
  // The same recordings through the transcripts' gate too: what a session, with both, stops on (as shipped: not with --noise-suppression).
  if (real && noiseSuppression === undefined)
    combinedStops.push(
      ...(await (await import('./estop-real.js')).combinedStopRows(real.clips, real.heard, (await import('../runtime/config.js')).loadConfig(), progress)),
    );
  // And through a session's VAD and transcripts, each stack: the stops its pauses add, true and false.
  if (real && noiseSuppression === undefined) {
    const { sessionStopRows } = await import('./estop-session.js');
    const shipped = (await import('../runtime/config.js')).loadConfig();
    for (const stack of ['grammar', 'whisper'] as const) sessionStops.push(...(await sessionStopRows(real.clips, real.heard, shipped, stack, progress)));
  }
  const stts = (arg('stt') ?? 'grammar').split(',');
  for (const stt of stts)
    if (stt !== 'grammar' && stt !== 'whisper')
      throw new Error(`--stt ${stt}: use grammar (the default), whisper (the Whisper-class stand-in) or both, grammar,whisper`);
  for (const [i, stt] of (stts as Array<'grammar' | 'whisper'>).entries())
    if (path !== 'spotter')
      estops.push(
        ...(await runEstopScenario(
          { quick, stt, falseStops: i === 0, addStopPhrases: process.argv.includes('--add-stop-phrases'), ...(paths ? { paths } : {}) },
          progress,
        )),
      );
}
const grammars: Awaited<ReturnType<typeof import('./grammar-scenario.js').runGrammarScenario>> = [];
if (scenarios.includes('grammar')) {
  const { runGrammarScenario } = await import('./grammar-scenario.js');
  progress('grammar: commands and phrases outside the grammar, several voices: rejection by confidence');
  grammars.push(...(await runGrammarScenario({ quick, ...(arg('rate') ? { rateHz: Number(arg('rate')) } : {}) }, progress)));
}
const endOfTurn: EndOfTurnRow[] = [];
if (scenarios.includes('eot')) {
  progress('eot: real silence → first audio, full hangover vs adaptive end of turn (local stack), and speculative replies (slow LLM)');
  const { runEndOfTurnScenario } = await import('./end-of-turn-scenario.js');
  endOfTurn.push(...(await runEndOfTurnScenario({ quick }, progress)));
}
const inspections: InspectRow[] = [];
if (scenarios.includes('inspect')) {
  const { runInspectScenario } = await import('./inspect-scenario.js');
  // Why 100 sessions by default: the budget is stated for 100 watched sessions (server.maxSessions).
  for (const sessions of (arg('sessions') ?? '100').split(',').map(Number)) {
    progress(`inspect: ${sessions} sessions, unwatched / chart feed / full feed, twice`);
    inspections.push(...(await runInspectScenario(sessions, quick ? 4000 : 10_000, progress)));
  }
}
const lives: LiveRow[] = [];
if (scenarios.includes('live')) {
  progress('live: mouth-to-ear of `voice-agent live` in a virtual room on a PulseAudio daemon of its own');
  const { runLiveScenario } = await import('./live-scenario.js');
  lives.push(...(await runLiveScenario(progress)));
  progress("live: the same with the sound server's module-echo-cancel in place of the built-in echo step");
  lives.push(...(await runLiveScenario(progress, { echoCancelModule: true })));
  progress('live: the built-in echo step again, with a busy loop in another process beside the session');
  lives.push(...(await runLiveScenario(progress, { cpuHog: true })));
}
const wakes: Array<import('./wake-scenario.js').WakeRow> = [];
if (scenarios.includes('wake')) {
  progress('wake: false wakes per hour on an hour of speech without the wake phrase, wake and stop phrases detected');
  spottings.push(...(await (await import('./human-spotting.js')).runRealWakeRows(progress, orders)));
  if (!process.argv.includes('--real')) wakes.push(...(await (await import('./wake-scenario.js')).runWakeScenario({ quick }, progress)));
}
const keywords: Array<import('./keyword-scenario.js').KeywordRow> = [];
if (scenarios.includes('keyword')) {
  progress("keyword: learned heads (the project's and openWakeWord's) on recordings of real people");
  keywords.push(...(await (await import('./keyword-scenario.js')).runKeywordScenario(progress)));
}
const realtimeClients: Array<import('./realtime-clients.js').RealtimeClientsResult> = [];
if (scenarios.includes('realtime-clients')) realtimeClients.push((await import('./realtime-clients.js')).runRealtimeClients(progress));
progress(`done in ${Math.round((performance.now() - startedAt) / 1000)} s`);

if (rows.length > 0) printTable(rows);
if (guards.length > 0) printGuards(guards);
for (const l of locals) printLocal(l);
if (servers.length > 0) printServer(servers);
if (costs.length > 0) printCost(costs);
for (const c of created) printSessions(c);
for (const p of pages) printPage(p);
if (recorded.length > 0 || writes.length > 0) printRecords(recorded, writes);
if (checks.length > 0) (await import('./check-scenario.js')).printCheck(checks);
if (echoes.length > 0) (await import('./echo-scenario.js')).printEcho(echoes);
if (noises.length > 0) (await import('./noise-scenario.js')).printNoise(noises);
if (grammars.length > 0) (await import('./grammar-scenario.js')).printGrammar(grammars);
if (estops.length > 0) (await import('./estop-scenario.js')).printEstop(estops);
if (endOfTurn.length > 0) (await import('./end-of-turn-scenario.js')).printEndOfTurn(endOfTurn);
if (inspections.length > 0) (await import('./inspect-scenario.js')).printInspect(inspections);
if (lives.length > 0) (await import('./live-scenario.js')).printLive(lives);
if (wakes.length > 0) (await import('./wake-scenario.js')).printWake(wakes);
if (spottings.length > 0) (await import('./human-spotting.js')).printSpotting(spottings);
if (keywords.length > 0) (await import('./keyword-scenario.js')).printKeyword(keywords);
if (combinedStops.length > 0) (await import('./estop-real.js')).printCombinedStops(combinedStops);
if (sessionStops.length > 0) (await import('./estop-session.js')).printSessionStopRows(sessionStops);
for (const r of realtimeClients) (await import('./realtime-clients.js')).printRealtimeClients(r);
const json = arg('json');
if (json) {
  const all = [
    ...rows,
    ...guards,
    ...locals,
    ...servers,
    ...costs,
    ...created,
    ...pages,
    ...recorded,
    ...writes,
    ...checks,
    ...echoes,
    ...noises,
    ...grammars,
    ...estops,
    ...endOfTurn,
    ...inspections,
    ...lives,
    ...wakes,
    ...spottings,
    ...keywords,
    ...combinedStops,
    ...sessionStops,
    ...realtimeClients.flatMap((r) => r.rows),
  ];
  // A folder that does not exist yet must not end an hour of measuring on ENOENT.
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(json, `${JSON.stringify(all, null, 2)}\n`);
  progress(`wrote ${all.length} rows to ${json}`);
}
process.exit(0);
