/**
 * The two benchmark scenarios of the core: `reply` (the peer comparison: first audio against the ideal,
 * STOP → silence, VAD onset → silence) and `scale` (N concurrent sessions in continuous turns with real-
 * time microphone input: event-loop lag, CPU, memory per session, and the reply measurements under load).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { makeSilenceFrame } from '../adapters/testing/index.js';
import type { MessageBus } from '../bus/message-bus.js';
import { warmStopPath } from '../runtime/warm-stop.js';
import {
  createBenchSession,
  MIC_RATE_HZ,
  TTS_LATENCY_MS,
  type BenchSession,
  type BenchSessionOptions,
  type TurnRecord,
} from './session-driver.js';
import { round, summarize, type Percentiles } from './stats.js';
import { startIoProbe } from './io-probe.js';
import { turnRoll } from './turn-roll.js';
import { measureWindow } from './window.js';

export interface BenchRow {
  scenario: 'reply' | 'scale';
  transport: 'memory' | 'nats';
  sessions: number;
  turns: number;
  firstAudioMs: Percentiles;
  idealFirstAudioMs: number;
  firstAudioOverIdealMs: Percentiles;
  interruptToSilenceMs: Percentiles;
  /**
   * Reply rows: the first STOP of the run (in its own process, the process's first) → silence, ms: a cold path shows
   * here.
   */
  firstInterruptToSilenceMs?: number;
  framesAfterInterrupt: number;
  vadOnsetToSilenceMs: Percentiles;
  /** Reply rows: barge-ins with no words (noise), which resume the cut reply (a separate row in the table). */
  falseInterruption?: FalseInterruptionStats;
  loopLagMs: Percentiles;
  /** How long a client's message waited for the loop (scale rows; see io-probe.ts). */
  ioWaitMs?: Percentiles;
  cpuPercent: number;
  /** Share of the window the main thread was busy: near 100 the loop is saturated and lag grows without bound. */
  loopBusyPercent: number;
  /** Loop busy % in the window's busiest second. */
  peakLoopBusyPercent: number;
  /** null below 100 sessions: the process's own RSS swings (GC, earlier runs) swamp one session's share. */
  rssPerSessionMb: number | null;
  natsHopMs?: Percentiles;
}

/** Why 700 ms: well into the reply's first sentences, as a user who has heard enough would say STOP. */
export const STOP_AFTER_MS = 700;

/** The scale scenario's sessions stop one turn in three (the rest play their whole reply). */
const STOPPED_SHARE = 1 / 3;
const STOP_SALT = 0x3c4d5e6f;

export interface FalseInterruptionStats {
  bargeIns: number;
  /** Barge-ins after which the cut reply resumed (its own turn id, no new LLM request). */
  resumed: number;
  /** The noise's end (the microphone back to silence) → the resumed reply's first frame. */
  speechEndToResumeMs: Percentiles;
  /** Frames of the cut reply's own turn after its clear (leaks; the resumed reply is not counted). */
  framesAfterInterrupt: number;
}

export function falseInterruptionStats(records: TurnRecord[]): FalseInterruptionStats {
  const noise = records.filter((r) => r.falseInterruption !== undefined && r.clearAtMs !== undefined);
  const resumed = noise.filter((r) => r.resumedAtMs !== undefined && r.falseInterruption!.speechEndAtMs !== undefined);
  return {
    bargeIns: noise.length,
    resumed: resumed.length,
    speechEndToResumeMs: summarize(resumed.map((r) => r.resumedAtMs! - r.falseInterruption!.speechEndAtMs!)),
    framesAfterInterrupt: noise.reduce((n, r) => n + r.framesAfterClear, 0),
  };
}

export function replyStats(records: TurnRecord[]) {
  const answered = records.filter((r) => r.firstFrameAtMs !== undefined && r.closeTokenAtMs !== undefined);
  const firstAudio = answered.map((r) => r.firstFrameAtMs! - r.requestAtMs);
  const ideal = answered.map((r) => r.closeTokenAtMs! + TTS_LATENCY_MS - r.requestAtMs);
  const stopped = records.filter((r) => r.stopAtMs !== undefined && r.clearAtMs !== undefined);
  const interrupt = stopped.map((r) => Math.max(r.clearAtMs!, r.lastFrameAtMs ?? 0) - r.stopAtMs!);
  const vad = records
    .filter((r) => r.vadStartAtMs !== undefined && r.clearAtMs !== undefined && !r.falseInterruption)
    .map((r) => r.clearAtMs! - r.vadStartAtMs!);
  return {
    turns: answered.length,
    firstAudioMs: summarize(firstAudio),
    idealFirstAudioMs: summarize(ideal).p50,
    firstAudioOverIdealMs: summarize(answered.map((_, i) => firstAudio[i]! - ideal[i]!)),
    interruptToSilenceMs: summarize(interrupt),
    framesAfterInterrupt: records.reduce(
      (n, r) =>
        n +
        (!r.falseInterruption && (r.stopAtMs !== undefined || r.vadStartAtMs !== undefined) ? r.framesAfterClear : 0),
      0,
    ),
    vadOnsetToSilenceMs: summarize(vad),
  };
}

async function until(predicate: () => boolean, timeoutMs = 15_000) {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error('benchmark session stalled');
    await sleep(5);
  }
}

/** Why these words: a user who talks over the reply says something; the fake recognizer hears it. */
const BARGE_IN_WORDS = 'wait a moment';
/** Why 5 s: the false-interruption window (2 s) and a reply's first clause, with room under load. */
const RESUME_WAIT_MS = 5000;

/**
 * One session through `pairs` × (a STOP turn; a barge-in with words, whose answer is then stopped; a
 * barge-in with no words, a false interruption, after which the cut reply resumes and is stopped).
 */
async function replyPairs(s: BenchSession, pairs: number) {
  for (let i = 0; i < pairs; i++) {
    let frame = s.firstFrame();
    s.session.sendText('What is the weather like?');
    const stopped = await frame;
    await sleep(STOP_AFTER_MS);
    stopped.stopAtMs = performance.now();
    s.session.stopSpeaking();
    await s.idle();

    frame = s.firstFrame();
    s.session.sendText('And tomorrow?');
    const interrupted = await frame;
    await sleep(300);
    const answer = s.firstFrame();
    s.speech(true, BARGE_IN_WORDS);
    await until(() => interrupted.clearAtMs !== undefined);
    s.speech(false);
    // The words are a new user turn: its reply starts, and is stopped so the next turn can begin.
    await answer;
    s.session.stopSpeaking();
    await s.idle();

    frame = s.firstFrame();
    s.session.sendText('And the day after?');
    const cut = await frame;
    cut.falseInterruption = {};
    await sleep(300);
    s.speech(true, '');
    await until(() => cut.clearAtMs !== undefined);
    s.speech(false);
    cut.falseInterruption.speechEndAtMs = performance.now();
    await until(() => cut.resumedAtMs !== undefined, RESUME_WAIT_MS).catch(() => undefined);
    s.session.stopSpeaking();
    await s.idle();
  }
}

export async function runReplyScenario(
  bus: MessageBus,
  transport: BenchRow['transport'],
  sessions: number,
  pairs: number,
  options: {
    attach?: () => NonNullable<BenchSessionOptions['attach']>;
    name?: string;
    /** Receives the raw turn records, to pool several runs (the records bench alternates variants). */
    onTurns?: (records: TurnRecord[]) => void;
  } = {},
): Promise<BenchRow> {
  // As the engine pool's warm-up does in every entry point: the process's first STOP is measured warm.
  await warmStopPath();
  const rssBefore = process.memoryUsage().rss;
  const all = await Promise.all(
    Array.from({ length: sessions }, (_, i) =>
      createBenchSession(bus, `${options.name ?? 'reply'}-${transport}-${sessions}-${i}`, {
        ownMic: true,
        ...(options.attach ? { attach: options.attach() } : {}),
      }),
    ),
  );
  const { loopLagMs, cpuPercent, loopBusyPercent, peakLoopBusyPercent } = await measureWindow(() =>
    // Staggered starts so 100 sessions do not all hit the same millisecond.
    Promise.all(
      all.map(async (s, i) => {
        await sleep((i * 7) % 500);
        await replyPairs(s, pairs);
      }),
    ),
  );
  const rssPerSessionMb = perSessionRss(rssBefore, sessions);
  const records = all.flatMap((s) => s.turns);
  options.onTurns?.(records);
  await Promise.all(all.map((s) => s.stop()));
  return {
    scenario: 'reply',
    transport,
    sessions,
    ...replyStats(records),
    ...firstStop(all[0]?.turns ?? []),
    falseInterruption: falseInterruptionStats(records),
    loopLagMs,
    cpuPercent,
    loopBusyPercent,
    peakLoopBusyPercent,
    rssPerSessionMb,
  };
}

/** The first STOP of a session's turns → silence (as {@link replyStats} measures each). */
function firstStop(records: TurnRecord[]): { firstInterruptToSilenceMs?: number } {
  const first = records.find((r) => r.stopAtMs !== undefined && r.clearAtMs !== undefined);
  return first
    ? { firstInterruptToSilenceMs: round(Math.max(first.clearAtMs!, first.lastFrameAtMs ?? 0) - first.stopAtMs!) }
    : {};
}

function perSessionRss(rssBefore: number, sessions: number): number | null {
  return sessions < 100 ? null : round((process.memoryUsage().rss - rssBefore) / sessions / 2 ** 20, 3);
}

export async function runScaleScenario(
  bus: MessageBus,
  transport: BenchRow['transport'],
  sessions: number,
  timing: { warmUpMs: number; windowMs: number },
  progress: (line: string) => void,
): Promise<BenchRow> {
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const all = await Promise.all(
    Array.from({ length: sessions }, (_, i) => createBenchSession(bus, `scale-${transport}-${sessions}-${i}`)),
  );
  // One shared 20 ms microphone clock for every session, as a media server would have.
  const silence = makeSilenceFrame(MIC_RATE_HZ, 20);
  const mic = setInterval(() => {
    for (const s of all) s.session.pushAudio(silence, MIC_RATE_HZ);
  }, 20);

  let running = true;
  const loops = all.map(async (s, i) => {
    await sleep((i * 13) % 2000);
    for (let turn = 0; running; turn++) {
      const frame = s.firstFrame();
      s.session.sendText('What is the weather like?');
      const record = await frame;
      // One turn in three is stopped, drawn per session and turn (see turn-roll.ts: with the same pattern
      // for every session, a thousand sessions started their turns in waves).
      if (turnRoll(i, turn, STOP_SALT) < STOPPED_SHARE) {
        await sleep(STOP_AFTER_MS);
        record.stopAtMs = performance.now();
        s.session.stopSpeaking();
      }
      await s.idle();
    }
  });

  progress(`  ${sessions} sessions started; warming up ${timing.warmUpMs} ms`);
  await sleep(timing.warmUpMs);
  global.gc?.();
  const rssPerSessionMb = perSessionRss(rssBefore, sessions);
  const probe = await startIoProbe();
  const windowStart = performance.now();
  progress(`  measuring ${timing.windowMs} ms`);
  probe.start();
  const { loopLagMs, cpuPercent, loopBusyPercent, peakLoopBusyPercent } = await measureWindow(() =>
    sleep(timing.windowMs),
  );
  const windowEnd = performance.now();
  const ioWaitMs = await probe.stop();
  await probe.close();
  running = false;
  clearInterval(mic);
  const inWindow = (t: number | undefined) => t !== undefined && t >= windowStart && t <= windowEnd;
  const records = all.flatMap((s) => s.turns).filter((r) => inWindow(r.firstFrameAtMs) || inWindow(r.stopAtMs));
  progress(`  stopping`);
  await Promise.race([Promise.all(loops), sleep(15_000)]);
  await Promise.all(all.map((s) => s.stop()));
  return {
    scenario: 'scale',
    transport,
    sessions,
    ...replyStats(records),
    loopLagMs,
    ioWaitMs,
    cpuPercent,
    loopBusyPercent,
    peakLoopBusyPercent,
    rssPerSessionMb,
  };
}
