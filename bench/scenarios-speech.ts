/**
 * The scenarios of `npm run bench` that measure speech in and out (bench/scenario-table.ts orders them
 * with the others): the echo step, noise, the emergency stop, the grammar's rejection, the end of turn,
 * `voice-agent live` in a virtual room, wake phrases and the learned keyword heads. Each imports its
 * module inside `run` and `print` (bench/scenario-table.ts says why).
 */
import { scenario, type BenchContext } from './bench-scenario.js';
import type { EchoRow } from './echo-scenario.js';
import type { EndOfTurnRow } from './end-of-turn-scenario.js';
import type { EstopRealRow } from './estop-real.js';
import type { EstopRows } from './estop-scenario.js';
import type { EstopSessionRow } from './estop-session.js';
import type { GrammarRows } from './grammar-scenario.js';
import type { SpottingRow } from './human-spotting.js';
import type { KeywordCostRow, KeywordRow } from './keyword-scenario.js';
import type { LiveRow } from './live-scenario.js';
import type { NoiseRow } from './noise-scenario.js';
import type { WakeRow } from './wake-rows.js';

/** What the `estop` scenario's flags ask, checked before anything runs. */
function estopOptions(ctx: BenchContext) {
  const path = ctx.arg('path');
  if (path !== undefined && path !== 'local' && path !== 'realtime' && path !== 'offline' && path !== 'spotter')
    throw new Error(
      `--path ${path}: use local, realtime, offline (false stops only) or spotter (the microphone spotter only; ` +
        `default: all)`,
    );
  const suppression = ctx.arg('noise-suppression');
  if (ctx.flag('noise-suppression') && suppression !== 'on' && suppression !== 'off')
    throw new Error(
      `--noise-suppression ${suppression ?? ''}: use on (RNNoise always) or off (never); without it, the shipped ` +
        `auto`,
    );
  const stts = (ctx.arg('stt') ?? 'grammar').split(',');
  for (const stt of stts)
    if (stt !== 'grammar' && stt !== 'whisper')
      throw new Error(
        `--stt ${stt}: use grammar (the default), whisper (the Whisper-class stand-in) or both, grammar,whisper`,
      );
  return {
    path,
    paths: (path === 'offline' ? [] : path === 'local' || path === 'realtime' ? [path] : undefined) as
      Array<'local' | 'realtime'> | undefined,
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

export const echoScenario = scenario<EchoRow>({
  name: 'echo',
  measures: 'ERLE, CPU per session, and the closed loop with the agent hearing itself',
  run: async (ctx) => {
    ctx.progress('echo: ERLE, CPU per session, closed loop with the agent hearing itself');
    return (await import('./echo-scenario.js')).runEchoScenario({ quick: ctx.quick }, ctx.progress);
  },
  print: async (rows) => (await import('./echo-scenario.js')).printEcho(rows),
});

export const noiseScenario = scenario<NoiseRow>({
  name: 'noise',
  measures: 'VAD false starts and command recognition in generated noise, per conditioning step',
  run: async (ctx) => {
    ctx.progress('noise: VAD false starts and command recognition in generated noise, per conditioning step');
    return (await import('./noise-scenario.js')).runNoiseScenario({ quick: ctx.quick }, ctx.progress);
  },
  print: async (rows) => (await import('./noise-scenario.js')).printNoise(rows),
});

export const estopScenario = scenario<EstopResult>({
  name: 'estop',
  measures:
    'stop phrases and commands over a long reply, false stops, the microphone spotter and the transcripts on real ' +
    'recordings',
  flags: ['--path', '--stt', '--add-stop-phrases', '--noise-suppression', '--orders'],
  check: estopOptions,
  run: async (ctx) => {
    const options = estopOptions(ctx);
    const { runEstopScenario } = await import('./estop-scenario.js');
    ctx.progress(
      'estop: stop phrases and commands over a long reply, local 16 kHz and Realtime 24 kHz; false stops offline',
    );
    const result: EstopResult = { stops: [], spotting: [], combined: [], session: [] };
    // The microphone's stop spotter: real recordings and synthetic voices, each in its own rows.
    const { noiseSuppression } = options;
    const { spotting, real } = await (
      await import('./human-spotting.js')
    ).runStopSpotterRows({ quick: ctx.quick, noiseSuppression, orders: ctx.orders }, ctx.progress);
    result.spotting.push(...spotting);
    // The same recordings through the transcripts' gate too: what a session, with both, stops on (as shipped: not with
    // --noise-suppression).
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
            {
              quick: ctx.quick,
              stt,
              falseStops: i === 0,
              addStopPhrases: ctx.flag('add-stop-phrases'),
              ...(options.paths ? { paths: options.paths } : {}),
            },
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
});

export const grammarScenario = scenario<GrammarRows[number]>({
  name: 'grammar',
  measures: 'commands and phrases outside the grammar, several voices: rejection by confidence',
  flags: ['--rate'],
  run: async (ctx) => {
    ctx.progress('grammar: commands and phrases outside the grammar, several voices: rejection by confidence');
    const rate = ctx.arg('rate');
    return (await import('./grammar-scenario.js')).runGrammarScenario(
      { quick: ctx.quick, ...(rate ? { rateHz: Number(rate) } : {}) },
      ctx.progress,
    );
  },
  print: async (rows) => (await import('./grammar-scenario.js')).printGrammar(rows),
});

export const endOfTurnScenario = scenario<EndOfTurnRow>({
  name: 'eot',
  measures: 'real silence → first audio: full hangover, adaptive end of turn, speculative replies',
  run: async (ctx) => {
    ctx.progress(
      'eot: real silence → first audio, full hangover vs adaptive end of turn (local stack), and speculative ' +
        'replies (slow LLM)',
    );
    return (await import('./end-of-turn-scenario.js')).runEndOfTurnScenario({ quick: ctx.quick }, ctx.progress);
  },
  print: async (rows) => (await import('./end-of-turn-scenario.js')).printEndOfTurn(rows),
});

export const liveScenario = scenario<LiveRow>({
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
});

export const wakeScenario = scenario<WakeResult>({
  name: 'wake',
  measures: 'false wakes per hour without the wake phrase; wake and stop phrases detected, synthetic and real',
  flags: ['--real', '--orders'],
  run: async (ctx) => {
    ctx.progress(
      'wake: false wakes per hour on an hour of speech without the wake phrase, wake and stop phrases detected',
    );
    const spotting = await (await import('./human-spotting.js')).runRealWakeRows(ctx.progress, ctx.orders);
    const wakes = ctx.flag('real')
      ? []
      : await (await import('./wake-scenario.js')).runWakeScenario({ quick: ctx.quick }, ctx.progress);
    return [{ wakes, spotting }];
  },
  print: async (results) => {
    const wakes = results.flatMap((r) => r.wakes);
    const spotting = results.flatMap((r) => r.spotting);
    if (wakes.length > 0) (await import('./wake-rows.js')).printWake(wakes);
    if (spotting.length > 0) (await import('./human-spotting.js')).printSpotting(spotting);
  },
  json: (results) => results.flatMap((r) => [...r.wakes, ...r.spotting]),
});

export const keywordScenario = scenario<{ rows: KeywordRow[]; cost: KeywordCostRow }>({
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
});
