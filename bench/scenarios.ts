/**
 * The two benchmark scenarios of the core: `reply` (the peer comparison: first audio against the ideal,
 * STOP → silence, VAD onset → silence) and `scale` (N concurrent sessions in continuous turns with real-
 * time microphone input: event-loop lag, CPU, memory per session, and the reply measurements under load).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { makeSilenceFrame } from '../adapters/testing/index.js';
import type { MessageBus } from '../bus/message-bus.js';
import { createBenchSession, MIC_RATE_HZ, TTS_LATENCY_MS, type BenchSession, type BenchSessionOptions, type TurnRecord } from './session-driver.js';
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
  framesAfterInterrupt: number;
  vadOnsetToSilenceMs: Percentiles;
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

export function replyStats(records: TurnRecord[]) {
  const answered = records.filter((r) => r.firstFrameAtMs !== undefined && r.closeTokenAtMs !== undefined);
  const firstAudio = answered.map((r) => r.firstFrameAtMs! - r.requestAtMs);
  const ideal = answered.map((r) => r.closeTokenAtMs! + TTS_LATENCY_MS - r.requestAtMs);
  const stopped = records.filter((r) => r.stopAtMs !== undefined && r.clearAtMs !== undefined);
  const interrupt = stopped.map((r) => Math.max(r.clearAtMs!, r.lastFrameAtMs ?? 0) - r.stopAtMs!);
  const vad = records.filter((r) => r.vadStartAtMs !== undefined && r.clearAtMs !== undefined).map((r) => r.clearAtMs! - r.vadStartAtMs!);
  return {
    turns: answered.length,
    firstAudioMs: summarize(firstAudio),
    idealFirstAudioMs: summarize(ideal).p50,
    firstAudioOverIdealMs: summarize(answered.map((_, i) => firstAudio[i]! - ideal[i]!)),
    interruptToSilenceMs: summarize(interrupt),
    framesAfterInterrupt: records.reduce((n, r) => n + (r.stopAtMs !== undefined || r.vadStartAtMs !== undefined ? r.framesAfterClear : 0), 0),
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

/** One session through `pairs` × (a STOP turn, a barge-in turn). */
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
    s.speech(true);
    await until(() => interrupted.clearAtMs !== undefined);
    s.speech(false);
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
  const rssBefore = process.memoryUsage().rss;
  const all = Array.from({ length: sessions }, (_, i) =>
    createBenchSession(bus, `${options.name ?? 'reply'}-${transport}-${sessions}-${i}`, { ownMic: true, ...(options.attach ? { attach: options.attach() } : {}) }),
  );
  const { loopLagMs, cpuPercent, loopBusyPercent, peakLoopBusyPercent } = await measureWindow(() =>
    // Staggered starts so 100 sessions do not all hit the same millisecond.
    Promise.all(all.map(async (s, i) => {
      await sleep((i * 7) % 500);
      await replyPairs(s, pairs);
    })),
  );
  const rssPerSessionMb = perSessionRss(rssBefore, sessions);
  const records = all.flatMap((s) => s.turns);
  options.onTurns?.(records);
  await Promise.all(all.map((s) => s.stop()));
  return { scenario: 'reply', transport, sessions, ...replyStats(records), loopLagMs, cpuPercent, loopBusyPercent, peakLoopBusyPercent, rssPerSessionMb };
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
  const all = Array.from({ length: sessions }, (_, i) => createBenchSession(bus, `scale-${transport}-${sessions}-${i}`));
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
  const { loopLagMs, cpuPercent, loopBusyPercent, peakLoopBusyPercent } = await measureWindow(() => sleep(timing.windowMs));
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
  return { scenario: 'scale', transport, sessions, ...replyStats(records), loopLagMs, ioWaitMs, cpuPercent, loopBusyPercent, peakLoopBusyPercent, rssPerSessionMb };
}
