/**
 * The emergency stop on recordings of real people as a session with a Whisper-class recognizer hears it
 * before that recognizer answers: each clip (framed by half a second of silence before and a second
 * after, as a person addressing a robot) goes frame by frame through the session's own VAD actor (the
 * shipped `vad.engine` and segmenter) and its emergency-stop actor, whose local grammar recognizer
 * (`session.estop.localRecognizer`) decodes each utterance the VAD passes: its partials, a fresh decode at
 * each of the VAD's pauses, and its final. The microphone's stop spotter is the spotting rows' (the same
 * clips, `human-spotting.ts`); a session stops on either. Nothing of the session's own recognizer is
 * counted: a real Whisper's transcripts are another recognizer's. The clip is conditioned as the
 * microphone is (`audio.highPassHz`). The offline rows (`estop-real.ts`) decode a clip whole, without the
 * VAD's pauses; these count what the pause decodes add.
 *
 * @example
 * ```ts
 * const rows = await localRecognizerRows(real.clips, real.heard, loadConfig(), progress); // one row per speaker group and 'all'
 * ```
 */
import { createActor } from 'xstate';
import { DEFAULT_PIPELINE_OPTIONS, type SessionActorDeps } from '../actors/deps.js';
import { createEstopActor } from '../actors/estop.js';
import { createVadActor } from '../actors/vad.js';
import { createControlledLlm, createControlledStt, createControlledTts, createPacedSink, ManualClock, settle } from '../adapters/testing/index.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus } from '../bus/message-bus.js';
import type { BusMessage } from '../bus/messages.js';
import type { SttEngine } from '../adapters/stt/types.js';
import type { AppConfig } from '../runtime/config.js';
import { buildStopStt, buildVad } from '../runtime/engines.js';
import { runtimeOptionsFrom } from '../runtime/runtime-options.js';
import { conditioned, lastSampleMs, microphoneConditioning, type Clip, type Heard } from './human-spotting.js';
import { percentile, round } from './stats.js';

const RATE_HZ = 16_000;
const FRAME_SAMPLES = RATE_HZ / 50;
const SESSION = 'estop-session';
/** The silence before each clip. */
const LEAD_MS = 500;

export interface EstopSessionRow {
  scenario: 'estop-session';
  voices: 'real';
  group: string;
  /** Clips with a stop phrase, and how many the spotter, the local recognizer and either stopped. */
  stops: number;
  bySpotter: number;
  byLocalRecognizer: number;
  byEither: number;
  /** Clips without a stop phrase, and how many each path stopped. */
  others: number;
  falseBySpotter: number;
  falseByLocalRecognizer: number;
  falseByEither: number;
  falsePercent: number;
  /** The VAD's pauses of every clip (each a fresh decode when the utterance is short). */
  pauses: number;
  /** The local recognizer's stops from the phrase's last sample, in audio time (20 ms frames): p50 / p95 / max. */
  localAfterEndMs: { p50: number; p95: number; max: number } | undefined;
  missed: string[];
  falseStops: string[];
}

interface Outcome {
  clip: Clip;
  spotter: boolean;
  /** The stop phrase the local recognizer stopped on, if it did. */
  local: string | undefined;
  /** When, in audio time from the clip's last sample above the floor. */
  localAfterEndMs: number | undefined;
  pauses: number;
}

/** The shipped configuration as a Whisper-class session runs it: `stt.engine` `openai` (never asked here). */
function whisperSessionConfig(config: AppConfig): AppConfig {
  return { ...config, stt: { ...config.stt, engine: 'openai' } };
}

/** One clip through a fresh session's VAD and emergency-stop actors on a simulated clock. */
async function hearClip(clip: Clip, config: AppConfig, stopStt: SttEngine): Promise<Omit<Outcome, 'spotter'>> {
  const clock = new ManualClock();
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const { pipeline } = runtimeOptionsFrom(config);
  const deps: SessionActorDeps = {
    bus,
    clock,
    vad: await buildVad(config),
    stt: createControlledStt(),
    llm: createControlledLlm(),
    tts: [createControlledTts({ sampleRateHz: RATE_HZ })],
    sink: createPacedSink({ clock, sampleRateHz: RATE_HZ, frameMs: 20 }),
    pipeline: { ...DEFAULT_PIPELINE_OPTIONS, ...pipeline, activation: { mode: 'always', stopPhrases: config.session.estop.phrases } },
    stopStt,
  };
  const seen: BusMessage[] = [];
  let stoppedAtMs: number | undefined;
  bus.subscribe(`${bus.prefix}.${SESSION}.>`, (m) => {
    seen.push(m);
    // The frame being heard ends 20 ms after the clock's time.
    if (m.type === 'control.estop') stoppedAtMs ??= clock.now() + 20;
  });
  const vad = createActor(createVadActor(deps), { input: { sessionId: SESSION } }).start();
  const estop = createActor(createEstopActor(deps), { input: { sessionId: SESSION, ...config.session.estop } }).start();
  const condition = await microphoneConditioning(config);
  const voice = condition ? conditioned(clip.samples, condition) : clip.samples;
  const samples = new Int16Array(LEAD_MS * (RATE_HZ / 1000) + voice.length + RATE_HZ);
  samples.set(voice, LEAD_MS * (RATE_HZ / 1000));
  let seq = 0;
  for (let at = 0; at + FRAME_SAMPLES <= samples.length; at += FRAME_SAMPLES) {
    const audio = new Uint8Array(samples.buffer, at * 2, FRAME_SAMPLES * 2).slice();
    bus.publish({ type: 'audio.frame', sessionId: SESSION, turnId: '-', seq: seq++, sampleRateHz: RATE_HZ, audio });
    await settle();
    await clock.advance(20);
  }
  // The decodes still in flight (a pause's, the final's) answer in a few ms of real time.
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  estop.stop();
  vad.stop();
  deps.vad.close?.();
  const stop = seen.find((m) => m.type === 'control.estop');
  return {
    clip,
    local: stop?.type === 'control.estop' ? (stop.phrase ?? '') : undefined,
    localAfterEndMs: stoppedAtMs === undefined ? undefined : stoppedAtMs - LEAD_MS - lastSampleMs(voice),
    pauses: seen.filter((m) => m.type === 'vad.pause').length,
  };
}

/** The rows: per speaker group with a stop phrase, then `all` (with the false stops). */
export async function localRecognizerRows(
  clips: Clip[],
  spotterHeard: Heard[],
  shipped: AppConfig,
  progress: (line: string) => void,
  /** The local recognizer to measure (default: the one the configuration builds). */
  recognizer?: SttEngine,
): Promise<EstopSessionRow[]> {
  const config = whisperSessionConfig(shipped);
  const stopStt = recognizer ?? buildStopStt(config);
  if (!stopStt) throw new Error('session.estop.localRecognizer is off in this configuration: the rows measure it; set it to true');
  await stopStt.warmUp?.();
  progress(`  estop, real speech: ${clips.length} recordings through a Whisper-class session's VAD and local recognizer`);
  const outcomes: Outcome[] = [];
  for (const [i, clip] of clips.entries()) {
    outcomes.push({ ...(await hearClip(clip, config, stopStt)), spotter: spotterHeard[i]!.spots.length > 0 });
    if ((i + 1) % 40 === 0) progress(`    ${i + 1}/${clips.length}`);
  }
  const groups = [...new Set(clips.filter((c) => c.phrase).map((c) => c.group)), 'all'];
  const bySpotter = (o: Outcome) => o.spotter;
  const byLocal = (o: Outcome) => o.local !== undefined;
  const either = (o: Outcome) => bySpotter(o) || byLocal(o);
  return groups.map((group) => {
    const mine = outcomes.filter((o) => group === 'all' || o.clip.group === group);
    const stops = mine.filter((o) => o.clip.phrase);
    const others = group === 'all' ? mine.filter((o) => !o.clip.phrase) : [];
    const falseByEither = others.filter(either).length;
    return {
      scenario: 'estop-session',
      voices: 'real',
      group,
      stops: stops.length,
      bySpotter: stops.filter(bySpotter).length,
      byLocalRecognizer: stops.filter(byLocal).length,
      byEither: stops.filter(either).length,
      others: others.length,
      falseBySpotter: others.filter(bySpotter).length,
      falseByLocalRecognizer: others.filter(byLocal).length,
      falseByEither,
      falsePercent: Math.round((1000 * falseByEither) / Math.max(1, others.length)) / 10,
      pauses: mine.reduce((n, o) => n + o.pauses, 0),
      localAfterEndMs: spread(stops.flatMap((o) => (o.localAfterEndMs === undefined ? [] : [o.localAfterEndMs]))),
      missed: stops.filter((o) => !either(o)).map((o) => o.clip.name),
      falseStops: others.filter(either).map((o) => `${o.clip.name} → ${o.local !== undefined ? `"${o.local}"` : ''}${o.spotter ? ' (spotter)' : ''}`),
    };
  });
}

const spread = (ms: number[]) => (ms.length === 0 ? undefined : { p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), max: Math.max(...ms) });

export function printLocalRecognizerRows(rows: EstopSessionRow[]): void {
  if (rows.length === 0) return;
  console.log(
    "\nThe emergency stop on real speech in a Whisper-class session before its recognizer answers (the spotter, or the local recognizer at the VAD's pauses)",
  );
  console.log(
    "| speakers | stops: spotter / local recognizer / either | local recognizer's stops from the phrase's last sample p50 / p95 / max | false stops: spotter / local recognizer / either |",
  );
  console.log('| --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.group} | ${r.bySpotter} / ${r.byLocalRecognizer} / ${r.byEither} of ${r.stops} | ${r.localAfterEndMs ? `${r.localAfterEndMs.p50} / ${r.localAfterEndMs.p95} / ${r.localAfterEndMs.max}` : '—'} | ${r.others > 0 ? `${r.falseBySpotter} / ${r.falseByLocalRecognizer} / ${r.falseByEither} of ${r.others} = ${r.falsePercent} %` : '—'} |`,
    );
  const all = rows.find((r) => r.group === 'all');
  for (const m of all?.missed ?? []) console.log(`  missed: ${m}`);
  for (const f of all?.falseStops ?? []) console.log(`  false stop: ${f}`);
}
