/**
 * `--scenario estop`: how fast a spoken stop phrase stops the robot and the reply, through the local stack
 * (16 kHz) and through the Realtime WebSocket with a 24 kHz client (`estop-stacks.ts`), and how often a
 * command spoken over a reply is executed.
 *
 * Each trial types "tell me a story" (a long reply from the rule policy), waits 700 ms into the reply's
 * playback, then speaks one phrase in one of the grammar bench's voices into the real-time microphone
 * (`estop-audio.ts`). From the phrase's first sample (its capture time) it measures, on the session's bus:
 *
 * - **stop**: the first of `session.notice` `estop`, `control.estop` or an `action.request` named `stop`;
 * - **cancel**: the reply cancelled: the first `audio.clear` or `session.notice` `reply_cancelled`.
 *
 * The stop is also measured from the phrase's end (its last sample over −40 dBFS): the target "about
 * 100 ms after a spoken stop ends" is that figure, whatever the voice's pace; a slow voice's "stop" alone
 * takes 450–500 ms to say, and "emergency stop" 750–1100.
 *
 * Commands ("turn left", "move forward two meters") over a reply count as executed when an
 * `action.request` with the expected name follows. False stops are measured offline on the
 * out-of-grammar corpus (`estop-false.ts`).
 */
import { startWhisperStandIn } from '../sim/whisper-standin.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { corpusVoices } from './grammar-corpus.js';
import { speakPhrases, startPacedMic, voicedMs, type SpokenPhrase } from '../sim/estop-audio.js';
import { falseStopRows, printFalseStops, type EstopFalseRow } from './estop-false.js';
import { loadConfig } from '../runtime/config.js';
import {
  estopConfig,
  grammarWithStopPhrases,
  startLocalStack,
  startRealtimeStack,
  type Seen,
  type StackUnderTest,
} from '../sim/estop-stacks.js';
import { percentile, round } from './stats.js';

export const ESTOP_PHRASES = ['stop', 'halt', 'emergency stop'];
/** Commands spoken over a reply, and the action each must become. */
export const COMMANDS_OVER_REPLY: Array<{ text: string; action: string }> = [
  { text: 'turn left', action: 'turn' },
  { text: 'move forward two meters', action: 'move' },
];
/** Why 700 ms: well into the reply, as the reply bench's STOP (scenarios.ts). */
const INTO_REPLY_MS = 700;
/** Why 2.5 s after the phrase: the VAD's 600 ms hangover, the final transcript and the policy, with room. */
const SETTLE_MS = 2500;

export interface EstopTrial {
  path: string;
  voice: string;
  text: string;
  kind: 'estop' | 'command';
  /** From the phrase's first sample; absent: never came. */
  stopMs?: number;
  /** The phrase's voiced length (onset to end, −40 dBFS), ms. */
  speechMs: number;
  cancelMs?: number;
  cancelDetail?: string;
  /** `action.request` names after the phrase. */
  actions: string[];
  /** The same requests as `name#actionId turn @ms from the phrase` (duplicates show here). */
  requests: string[];
  notices: string[];
  finals: string[];
}

export interface EstopRow {
  scenario: 'estop';
  /** `robot`, or the stop phrases added to it (`--add-stop-phrases`). */
  grammar?: string;
  path: string;
  trials: number;
  delivered: number;
  deliveredPercent: number;
  stopMs: { p50: number; p95: number; max: number };
  /** The one-word phrases ("stop", "halt") alone, from the first sample. */
  oneWordStopMs: { p50: number; p95: number; max: number };
  /** From the phrase's end (its last sample over −40 dBFS); negative: stopped before the phrase ended. */
  afterEndMs: { p50: number; p95: number; max: number };
  /**
   * The phrases' own length, first sample to end: what a detector stopping the instant each phrase ended
   * (no decoding, no pipeline) would measure from the first sample. The bound a stop that waits for the
   * whole phrase cannot beat.
   */
  phraseEndMs: { p50: number; p95: number; max: number };
  cancelled: number;
  cancelMs: { p50: number; p95: number; max: number };
  /** Per phrase: delivered of spoken. */
  perPhrase: Record<string, string>;
  missed: Array<{ voice: string; text: string; finals: string[]; notices: string[] }>;
}

export interface EstopCommandRow {
  scenario: 'estop-command';
  grammar?: string;
  path: string;
  commands: number;
  executed: number;
  executedPercent: number;
  failures: Array<{ voice: string; text: string; actions: string[]; finals: string[]; notices: string[] }>;
}

export type EstopRows = Array<EstopRow | EstopCommandRow | EstopFalseRow>;

const stats = (xs: number[]) => ({
  p50: round(percentile(xs, 50), 0),
  p95: round(percentile(xs, 95), 0),
  max: round(Math.max(...xs), 0),
});
const notice = (s: Seen) => (s.message.type === 'session.notice' ? s.message.code : undefined);

/** What the bus saw after the phrase began, measured from its first sample. */
export function readTrial(
  seen: Seen[],
  onsetAtMs: number,
): Pick<EstopTrial, 'stopMs' | 'cancelMs' | 'cancelDetail' | 'actions' | 'requests' | 'notices' | 'finals'> {
  const stop = seen.find(
    (s) =>
      notice(s) === 'estop' ||
      s.message.type === 'control.estop' ||
      (s.message.type === 'action.request' && s.message.name === 'stop'),
  );
  const cancel = seen.find((s) => s.message.type === 'audio.clear' || notice(s) === 'reply_cancelled');
  const cancelNotice = seen.find((s) => notice(s) === 'reply_cancelled');
  return {
    ...(stop ? { stopMs: round(stop.atMs - onsetAtMs, 0) } : {}),
    ...(cancel ? { cancelMs: round(cancel.atMs - onsetAtMs, 0) } : {}),
    ...(cancelNotice?.message.type === 'session.notice' ? { cancelDetail: cancelNotice.message.detail } : {}),
    actions: seen.flatMap((s) => (s.message.type === 'action.request' ? [s.message.name] : [])),
    requests: seen.flatMap((s) =>
      s.message.type === 'action.request'
        ? [`${s.message.name}#${s.message.actionId} ${s.message.turnId} @${round(s.atMs - onsetAtMs, 0)}`]
        : [],
    ),
    notices: seen.flatMap((s) =>
      s.message.type === 'session.notice' ? [`${s.message.code}:${s.message.detail}`] : [],
    ),
    finals: seen.flatMap((s) =>
      s.message.type === 'stt.final' ? [`${s.message.text}@${s.message.confidence ?? '-'}`] : [],
    ),
  };
}

async function until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** One phrase over a reply on `stack`. */
async function trial(
  stack: StackUnderTest,
  mic: ReturnType<typeof startPacedMic>,
  phrase: SpokenPhrase,
  kind: EstopTrial['kind'],
): Promise<EstopTrial> {
  const idle = () => stack.state().startsWith('idle') && !stack.state().includes('+actions.');
  if (!(await until(idle, 3000))) {
    stack.hush();
    await until(idle, 5000);
  }
  const asked = stack.seen.length;
  stack.askForStory();
  const playing = await until(() => stack.seen.slice(asked).some((s) => s.message.type === 'playback.started'), 10_000);
  if (!playing)
    throw new Error(`${stack.name}: the story reply never started playing: check the bench rules (estop-stacks.ts)`);
  await sleep(INTO_REPLY_MS);
  const from = stack.seen.length;
  const { onsetAtMs, endAtMs } = await mic.speak(phrase.byRate.get(stack.rateHz)!);
  await sleep(Math.max(0, endAtMs + SETTLE_MS - performance.now()));
  const result = readTrial(stack.seen.slice(from), onsetAtMs);
  stack.hush();
  const speechMs = round(voicedMs(phrase.byRate.get(stack.rateHz)!, stack.rateHz), 0);
  return { path: stack.name, voice: phrase.voice, text: phrase.text, kind, speechMs, ...result };
}

function estopRow(path: string, trials: EstopTrial[]): EstopRow {
  const delivered = trials.filter((t) => t.stopMs !== undefined);
  const cancelled = trials.filter((t) => t.cancelMs !== undefined);
  return {
    scenario: 'estop',
    path,
    trials: trials.length,
    delivered: delivered.length,
    deliveredPercent: round((100 * delivered.length) / Math.max(1, trials.length), 1),
    stopMs: stats(delivered.map((t) => t.stopMs!)),
    oneWordStopMs: stats(delivered.filter((t) => !t.text.includes(' ')).map((t) => t.stopMs!)),
    afterEndMs: stats(delivered.map((t) => t.stopMs! - t.speechMs)),
    phraseEndMs: stats(trials.map((t) => t.speechMs)),
    cancelled: cancelled.length,
    cancelMs: stats(cancelled.map((t) => t.cancelMs!)),
    perPhrase: Object.fromEntries(
      ESTOP_PHRASES.map((p) => [
        p,
        `${trials.filter((t) => t.text === p && t.stopMs !== undefined).length}/` +
          `${trials.filter((t) => t.text === p).length}`,
      ]),
    ),
    missed: trials
      .filter((t) => t.stopMs === undefined)
      .map((t) => ({ voice: t.voice, text: t.text, finals: t.finals, notices: t.notices })),
  };
}

function commandRow(path: string, trials: EstopTrial[]): EstopCommandRow {
  const expected = (t: EstopTrial) => COMMANDS_OVER_REPLY.find((c) => c.text === t.text)!.action;
  const executed = trials.filter((t) => t.actions.includes(expected(t)));
  return {
    scenario: 'estop-command',
    path,
    commands: trials.length,
    executed: executed.length,
    executedPercent: round((100 * executed.length) / Math.max(1, trials.length), 1),
    failures: trials
      .filter((t) => !executed.includes(t))
      .map((t) => ({ voice: t.voice, text: t.text, actions: t.actions, finals: t.finals, notices: t.notices })),
  };
}

/**
 * @param options.paths which stacks (default both); `quick`: a third of the voices; `falseStops: false`:
 * without the offline false-stop rows (a second recognizer's run); `addStopPhrases`: the
 * robot grammar with the stop phrases it lacks added (see {@link grammarWithStopPhrases}); `stt`: the
 * recognizer (`grammar`, the default, or `whisper`: `stt.engine: openai` against the Whisper-class stand-in,
 * 250 ms per request and no partials, so the stop can come only from the microphone's spotter).
 */
export async function runEstopScenario(
  options: {
    quick: boolean;
    paths?: Array<'local' | 'realtime'>;
    addStopPhrases?: boolean;
    stt?: 'grammar' | 'whisper';
    falseStops?: boolean;
  },
  progress: (line: string) => void,
): Promise<EstopRows> {
  const defaults = loadConfig();
  const grammar = options.addStopPhrases
    ? grammarWithStopPhrases(defaults.stt.grammarPath, defaults.session.estop.phrases)
    : { path: defaults.stt.grammarPath, added: [] };
  if (grammar.added.length > 0) progress(`  the grammar with ${grammar.added.map((p) => `"${p}"`).join(', ')} added`);
  // Why 250 ms: what a Whisper-class server takes for a short utterance on a GPU (the stand-in's default).
  const whisper =
    options.stt === 'whisper' ? await startWhisperStandIn({ answerMs: 250, grammarPath: grammar.path }) : undefined;
  const sttOverride = whisper
    ? { stt: { engine: 'openai', baseUrl: whisper.baseUrl, model: 'whisper-standin', grammarPath: grammar.path } }
    : { stt: { grammarPath: grammar.path } };
  const label = (name: string) => (whisper ? `${name} + Whisper stand-in` : name);
  const { voices: all, skipped } = corpusVoices();
  if (skipped) progress(`  eSpeak voices skipped: ${skipped}`);
  const voices = options.quick ? all.filter((_, i) => i % 3 === 0) : all;
  progress(
    `  speaking ${ESTOP_PHRASES.length} stop phrases and ${COMMANDS_OVER_REPLY.length} commands in ` +
      `${voices.length} voices`,
  );
  const phrases = await speakPhrases(
    voices,
    [...ESTOP_PHRASES, ...COMMANDS_OVER_REPLY.map((c) => c.text)],
    [16_000, 24_000],
  );
  const rows: EstopRows = [];
  for (const path of options.paths ?? ['local', 'realtime']) {
    const config = estopConfig(sttOverride);
    const stack = path === 'local' ? await startLocalStack(config) : await startRealtimeStack(config);
    const mic = startPacedMic(stack.rateHz, (frame) => stack.sendFrame(frame));
    const trials: EstopTrial[] = [];
    try {
      for (const phrase of phrases) {
        const kind = ESTOP_PHRASES.includes(phrase.text) ? 'estop' : 'command';
        const t = await trial(stack, mic, phrase, kind);
        progress(
          `  ${stack.name} | ${t.voice} | "${t.text}" (${t.speechMs} ms): stop ${t.stopMs ?? '—'} ms, cancel ` +
            `${t.cancelMs ?? '—'} ms, requests [${t.requests.join(', ')}], finals [${t.finals.join(' | ')}]`,
        );
        trials.push(t);
      }
    } finally {
      await mic.stop();
      await stack.close();
    }
    rows.push(
      estopRow(
        label(stack.name),
        trials.filter((t) => t.kind === 'estop'),
      ),
      commandRow(
        label(stack.name),
        trials.filter((t) => t.kind === 'command'),
      ),
    );
  }
  await whisper?.close();
  if (options.falseStops !== false) {
    progress('  false stops: the out-of-grammar corpus through the recognizer, offline');
    rows.push(...(await falseStopRows({ quick: options.quick, grammarPath: grammar.path }, progress)));
  }
  for (const row of rows) row.grammar = grammar.added.length > 0 ? `robot + ${grammar.added.join(', ')}` : 'robot';
  return rows;
}

export function printEstop(rows: EstopRows): void {
  const latency = rows.filter((r): r is EstopRow => r.scenario === 'estop');
  const commands = rows.filter((r): r is EstopCommandRow => r.scenario === 'estop-command');
  if (latency.length > 0) {
    console.log(
      "\nEmergency stop over a reply (targets: from the phrase's last sample p50 ≤ 50 ms, p95 ≤ 150 ms; 100 % " +
        'delivered)\n',
    );
    console.log(
      '| path | stops delivered | stop p50 / p95 / max ms | "stop", "halt" alone | after the phrase ended | the ' +
        "phrases' own length (a stop at each end) | reply cancelled | cancel p50 / p95 / max ms | per phrase |",
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const r of latency) {
      const phrases = Object.entries(r.perPhrase)
        .map(([p, n]) => `${p} ${n}`)
        .join(', ');
      console.log(
        `| ${r.path}${r.grammar && r.grammar !== 'robot' ? ` (${r.grammar})` : ''} | ${r.delivered}/${r.trials} ` +
          `= ${r.deliveredPercent} % | ${r.stopMs.p50} / ${r.stopMs.p95} / ${r.stopMs.max} | ` +
          `${r.oneWordStopMs.p50} / ${r.oneWordStopMs.p95} / ${r.oneWordStopMs.max} | ${r.afterEndMs.p50} / ` +
          `${r.afterEndMs.p95} / ${r.afterEndMs.max} | ${r.phraseEndMs.p50} / ${r.phraseEndMs.p95} / ` +
          `${r.phraseEndMs.max} | ${r.cancelled}/${r.trials} | ${r.cancelMs.p50} / ${r.cancelMs.p95} / ` +
          `${r.cancelMs.max} | ${phrases} |`,
      );
    }
  }
  if (commands.length > 0) {
    console.log('\nCommands over a reply: executed (an action.request with the right name)\n');
    console.log('| path | executed |');
    console.log('| --- | --- |');
    for (const r of commands)
      console.log(
        `| ${r.path}${r.grammar && r.grammar !== 'robot' ? ` (${r.grammar})` : ''} | ${r.executed}/${r.commands} = ` +
          `${r.executedPercent} % |`,
      );
  }
  printFalseStops(rows.filter((r): r is EstopFalseRow => r.scenario === 'estop-false'));
}
