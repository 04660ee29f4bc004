/**
 * `npm run bench [-- options]`: benchmarks, not tests — they print numbers and never fail on a miss.
 * The scenarios are the entries of bench/scenario-table.ts (`--list` prints them, with what each
 * measures and the flags it reads); this file reads the command line, runs the chosen ones in the
 * table's order, prints their tables and writes `--json`.
 *
 *   --scenario NAME[,NAME…]  one scenario, or several joined by commas (default: all)
 *   --list                   the scenarios, what each measures and its flags; runs nothing
 *   --transport memory|nats  reply, scale: one transport (default: both; nats starts a private nats-server)
 *   --sessions 1,100,500,1000 session counts for scale (default 1,100,500,1000), server (default 1,100,500), cost and
 *   inspect (default 100)
 *   --inspect [chart|full]   server: an inspector watches every session (/inspect/ws; the page's feed, or all of it)
 *   --mic-phases N server: the clients' microphones spread over N phases of the 20 ms frame (default 10; 1 = all at
 *   once)
 *   --stages                 server: also where the time to first audio goes (taps on the server's bus)
 *   --processes N            server: the clients spread over N serve processes (default 1: the server in this process)
 *   --rate 16000|24000 grammar: 24000 also runs the corpus through the Realtime input path (24 kHz, the microphone
 *   resampler)
 *   --path local|realtime|offline|spotter estop: one stack, or none (offline: the false stops of the transcripts' gate;
 *   spotter: the microphone spotter's rows only; default: all)
 *   --stt grammar|whisper estop: the stacks' recognizer (whisper: stt.engine openai on the Whisper-class stand-in, 250
 *   ms per request; grammar,whisper: both)
 *   --real                   wake: only the rows on recordings of real people (../shared/speech/human)
 *   --add-stop-phrases       estop: the robot grammar with the stop phrases it lacks ("halt", "emergency stop") added
 *   --noise-suppression on|off estop: the microphone spotter's rows with RNNoise always on, or never, in the
 *   microphone's conditioning (`audio.noiseSuppression`; shipped: auto)
 *   --orders N estop, wake: the real recordings' spotter rows again in N-1 shuffled orders (one stream hears them in
 *   turn, and each clip's room carries into the next; default 1: the manifest's order)
 *   --quick                  short smoke run
 *   --json FILE write the rows as a JSON array (bench/results/NAME.json: the figures docs/benchmarks.md shows; `npm run
 *   bench:tables` renders them)
 *
 * Environment, to compare settings in the server and cost scenarios: VA_SERVER__HEAP_GROWTH_PERCENT=N sets
 * serve's heap growth (server/heap-growth.ts; 0: V8's own heuristic), VA_PIPELINE__TTS_LOOK_AHEAD_MS=N the
 * TTS look-ahead (0: a reply synthesized all at once).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BenchContext, BenchScenario } from './bench-scenario.js';
import { SCENARIOS, scenarioNamed } from './scenario-table.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv.includes('--list')) {
  for (const s of SCENARIOS)
    console.log(`${s.name.padEnd(17)} ${s.measures}${s.flags ? ` (${s.flags.join(', ')})` : ''}`);
  process.exit(0);
}

const orders = Number(arg('orders') ?? 1);
if (!Number.isInteger(orders) || orders < 1)
  throw new Error(`--orders ${arg('orders')}: a whole number of orders, 1 or more (1: the manifest's order alone)`);
const transports = (arg('transport') ? [arg('transport')] : ['memory', 'nats']) as Array<'memory' | 'nats'>;
for (const t of transports) if (t !== 'memory' && t !== 'nats') throw new Error(`--transport ${t}: use memory or nats`);
const ctx: BenchContext = {
  quick: process.argv.includes('--quick'),
  transports,
  orders,
  arg,
  flag: (name) => process.argv.includes(`--${name}`),
  progress: (line) => process.stderr.write(`${line}\n`),
};

// The chosen scenarios in the table's order, every flag checked before the first one runs.
const chosen = new Set(
  (arg('scenario')?.split(',') ?? SCENARIOS.map((s) => s.name)).map((name) => scenarioNamed(name)),
);
const runs = SCENARIOS.filter((s) => chosen.has(s));
for (const s of runs) s.check?.(ctx);

const startedAt = performance.now();
const results: Array<{ scenario: BenchScenario<unknown>; results: unknown[] }> = [];
for (const scenario of runs) results.push({ scenario, results: await scenario.run(ctx) });
ctx.progress(`done in ${Math.round((performance.now() - startedAt) / 1000)} s`);

// Scenarios that share a print function (reply and scale; the three latency guards) print as one table.
const byPrinter = new Map<BenchScenario<unknown>['print'], unknown[]>();
for (const r of results) byPrinter.set(r.scenario.print, [...(byPrinter.get(r.scenario.print) ?? []), ...r.results]);
for (const [print, printed] of byPrinter) if (printed.length > 0) await print(printed);

const json = arg('json');
if (json) {
  const all = results.flatMap((r) => r.scenario.json?.(r.results) ?? r.results);
  // A folder that does not exist yet must not end an hour of measuring on ENOENT.
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(json, `${JSON.stringify(all, null, 2)}\n`);
  ctx.progress(`wrote ${all.length} rows to ${json}`);
}
process.exit(0);
