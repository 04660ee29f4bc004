/**
 * The emergency stop on recordings of real people as a session's transcripts decide it, with no reply
 * playing: each clip (framed by half a second of silence before and a second after, as a person
 * addressing a robot) goes frame by frame through the session's own VAD actor (the shipped `vad.engine`
 * and segmenter) and its emergency-stop actor, with its local grammar recognizer
 * (`session.estop.localRecognizer`), on a simulated clock. Two stacks:
 * - `grammar`: the shipped pocketsphinx recognizer through the session's STT actor, and the local
 *   recognizer's decode at each of the VAD's pauses;
 * - `whisper`: a Whisper-class session before its recognizer answers: the local recognizer alone, its
 *   decode at each pause and its final (a real Whisper's transcripts are another recognizer's, not
 *   counted).
 * The microphone's stop spotter is the spotting rows' (the same clips, `human-spotting.ts`); a session
 * stops on either. The clip is conditioned as the microphone is (`audio.highPassHz`, and
 * `audio.noiseSuppression` after hearing the clip's room: `conditionedInRoom`). The offline rows
 * (`estop-real.ts`) decode a clip whole and judge every partial, as a session did before it judged
 * partials over a reply only.
 *
 * @example
 * ```ts
 * const rows = await sessionStopRows(real.clips, real.heard, loadConfig(), 'whisper', progress); // one row per speaker group and 'all'
 * ```
 */
import { execFileSync } from 'node:child_process';
import { createActor } from 'xstate';
import { DEFAULT_PIPELINE_OPTIONS, type SessionActorDeps } from '../actors/deps.js';
import { createEstopActor } from '../actors/estop/index.js';
import { createVadActor } from '../actors/vad.js';
import { createControlledLlm, createControlledStt, createControlledTts, createPacedSink, ManualClock, settle } from '../adapters/testing/index.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus } from '../bus/message-bus.js';
import type { BusMessage } from '../bus/messages.js';
import type { SttEngine } from '../adapters/stt/types.js';
import type { AppConfig } from '../runtime/config.js';
import { buildStopStt, buildStt, buildVad, stopSttPausesOnly } from '../runtime/engines.js';
import { createSttActor } from '../actors/stt.js';
import { runtimeOptionsFrom } from '../runtime/runtime-options.js';
import { lastSampleMs, type Clip, type Heard } from './human-spotting.js';
import { conditionedInRoom, microphoneConditioning } from './microphone-conditioning.js';
import { countStops, type StopCounts, type StopOutcome } from './estop-real.js';
import { percentile, round } from './stats.js';

const RATE_HZ = 16_000;
const FRAME_SAMPLES = RATE_HZ / 50;
const SESSION = 'estop-session';
/**
 * Macrotasks let run after each frame, before the clock moves on. Why 48: a pause's decode of the longest
 * audio kept (4 s) in 100 ms slices takes 40 (sliced-decode.ts). Decoding takes no audio time here: the
 * delays below are the VAD's and the gates', and the stops over a reply (real time) include the decoding.
 */
const SETTLE_ROUNDS = 48;
/** The silence before each clip. */
const LEAD_MS = 500;

export type SessionStack = 'grammar' | 'whisper';

export interface EstopSessionRow extends StopCounts {
  scenario: 'estop-session';
  voices: 'real';
  stack: SessionStack;
  /** The VAD's pauses of every clip (each a fresh decode when the utterance is short). */
  pauses: number;
  /** The transcripts' stops from the phrase's last sample, in audio time (20 ms frames): p50 / p95 / max. */
  transcriptsAfterEndMs: { p50: number; p95: number; max: number } | undefined;
  /**
   * CPU the local recognizer took, ms per second of the session's audio (speech and silence, every clip):
   * one session's cost of it (`all` rows). The grammar stack's own recognizer is not counted.
   */
  localRecognizerCpuMsPerAudioS?: number;
  /**
   * Memory of one set of the local recognizer's decoders (the grammar decoder, its phone loop, the grammar
   * decoder without the transform), MB of resident memory its warm-up added (`all` rows). Sets are pooled per
   * process: one per utterance decoded at once across its sessions.
   */
  localRecognizerMbPerDecoderSet?: number;
}

interface Outcome extends StopOutcome {
  /** When the transcripts stopped it, in audio time from the clip's last sample above the floor. */
  afterEndMs: number | undefined;
  pauses: number;
  /** The clip's audio as the session heard it, framed by silence (s). */
  audioS: number;
}

/** CPU spent in `engine`'s calls, µs (pocketsphinx decodes on the calling thread, inside push and finish). */
interface CpuMeter {
  us: number;
}

/** `engine` with the CPU of its calls added to `meter`. */
function metered(engine: SttEngine, meter: CpuMeter): SttEngine {
  const timed = <T>(call: () => T): T => {
    const started = process.cpuUsage();
    try {
      return call();
    } finally {
      const used = process.cpuUsage(started);
      meter.us += used.user + used.system;
    }
  };
  return {
    name: engine.name,
    ...(engine.warmUp ? { warmUp: () => engine.warmUp!() } : {}),
    createStream(options) {
      const stream = timed(() => engine.createStream(options));
      return {
        push: (audio) => timed(() => stream.push(audio)),
        ...(stream.flushPartial ? { flushPartial: () => timed(() => stream.flushPartial!()) } : {}),
        finish: () => timed(() => stream.finish()),
      };
    },
  };
}

/** The shipped configuration as the stack runs it: a Whisper-class session's `stt.engine` `openai` is never asked here. */
function stackConfig(config: AppConfig, stack: SessionStack): AppConfig {
  return stack === 'whisper' ? { ...config, stt: { ...config.stt, engine: 'openai' } } : config;
}

interface StackEngines {
  stopStt: SttEngine;
  /** The grammar stack's own recognizer, run by the session's STT actor. */
  stt?: SttEngine;
  stopSttPausesOnly: boolean;
}

/** One clip through a fresh session's VAD, STT (the grammar stack) and emergency-stop actors on a simulated clock. */
async function hearClip(clip: Clip, config: AppConfig, engines: StackEngines): Promise<Omit<Outcome, 'spotter'>> {
  const clock = new ManualClock();
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const { pipeline } = runtimeOptionsFrom(config);
  const deps: SessionActorDeps = {
    bus,
    clock,
    vad: await buildVad(config),
    stt: engines.stt ?? createControlledStt(),
    llm: createControlledLlm(),
    tts: [createControlledTts({ sampleRateHz: RATE_HZ })],
    sink: createPacedSink({ clock, sampleRateHz: RATE_HZ, frameMs: 20 }),
    pipeline: { ...DEFAULT_PIPELINE_OPTIONS, ...pipeline, activation: { mode: 'always', stopPhrases: config.session.estop.phrases } },
    stopStt: engines.stopStt,
    stopSttPausesOnly: engines.stopSttPausesOnly,
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
  const stt = engines.stt && createActor(createSttActor(deps), { input: { sessionId: SESSION } }).start();
  const condition = await microphoneConditioning(config);
  const voice = condition ? conditionedInRoom(clip, condition) : clip.samples;
  const samples = new Int16Array(LEAD_MS * (RATE_HZ / 1000) + voice.length + RATE_HZ);
  samples.set(voice, LEAD_MS * (RATE_HZ / 1000));
  let seq = 0;
  for (let at = 0; at + FRAME_SAMPLES <= samples.length; at += FRAME_SAMPLES) {
    const audio = new Uint8Array(samples.buffer, at * 2, FRAME_SAMPLES * 2).slice();
    bus.publish({ type: 'audio.frame', sessionId: SESSION, turnId: '-', seq: seq++, sampleRateHz: RATE_HZ, audio });
    for (let round = 0; round < SETTLE_ROUNDS; round++) await settle();
    await clock.advance(20);
  }
  // The decodes still in flight (a pause's, the final's) answer in a few ms of real time.
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  estop.stop();
  stt?.stop();
  vad.stop();
  deps.vad.close?.();
  const stop = seen.find((m) => m.type === 'control.estop');
  return {
    clip,
    transcripts: stop !== undefined,
    heard: stop?.type === 'control.estop' ? (stop.phrase ?? '') : '',
    afterEndMs: stoppedAtMs === undefined ? undefined : stoppedAtMs - LEAD_MS - lastSampleMs(voice),
    pauses: seen.filter((m) => m.type === 'vad.pause').length,
    audioS: samples.length / RATE_HZ,
  };
}

/**
 * The resident memory one set of the local recognizer's decoders adds, MB, measured in a fresh process as
 * `stack` builds it: in this one, memory the earlier rows freed is reused and hides most of it.
 */
function decoderSetMemoryMb(stack: SessionStack): number {
  const script = [
    `import { loadConfig } from '${new URL('../runtime/config.js', import.meta.url).href}';`,
    `import { buildStopStt } from '${new URL('../runtime/engines.js', import.meta.url).href}';`,
    `const stt = buildStopStt(loadConfig(${stack === 'whisper' ? "{ overrides: { stt: { engine: 'openai' } } }" : ''}));`,
    'const before = process.memoryUsage().rss;',
    'await stt.warmUp();',
    'console.log((process.memoryUsage().rss - before) / 1e6);',
    'process.exit(0);',
  ].join('\n');
  return round(Number(execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' }).trim()), 0);
}

/** The rows: per speaker group with a stop phrase, then `all` (with the false stops). */
export async function sessionStopRows(
  clips: Clip[],
  spotterHeard: Heard[],
  shipped: AppConfig,
  stack: SessionStack,
  progress: (line: string) => void,
): Promise<EstopSessionRow[]> {
  const config = stackConfig(shipped, stack);
  const built = buildStopStt(config);
  if (!built) throw new Error('session.estop.localRecognizer is off in this configuration: the rows measure it; set it to true');
  const cpu: CpuMeter = { us: 0 };
  const stopStt = metered(built, cpu);
  const engines: StackEngines = {
    stopStt,
    stopSttPausesOnly: stopSttPausesOnly(config),
    ...(stack === 'grammar' ? { stt: buildStt(config, new ManualClock()) } : {}),
  };
  await stopStt.warmUp?.();
  await engines.stt?.warmUp?.();
  const decoderSetMb = decoderSetMemoryMb(stack);
  progress(`  estop, real speech: ${clips.length} recordings through a session's VAD and transcripts (${stack} stack)`);
  const outcomes: Outcome[] = [];
  let audioS = 0;
  for (const [i, clip] of clips.entries()) {
    const heard = await hearClip(clip, config, engines);
    audioS += heard.audioS;
    outcomes.push({ ...heard, spotter: spotterHeard[i]!.spots.length > 0 });
    if ((i + 1) % 40 === 0) progress(`    ${i + 1}/${clips.length}`);
  }
  return countStops(outcomes, (mine, stops) => ({
    scenario: 'estop-session' as const,
    voices: 'real' as const,
    stack,
    pauses: mine.reduce((n, o) => n + o.pauses, 0),
    transcriptsAfterEndMs: spread(stops.flatMap((o) => (o.afterEndMs === undefined ? [] : [o.afterEndMs]))),
    // The session's cost, on the `all` row (every clip).
    ...(mine.length === outcomes.length
      ? { localRecognizerCpuMsPerAudioS: round(cpu.us / 1000 / audioS, 2), localRecognizerMbPerDecoderSet: decoderSetMb }
      : {}),
  }));
}

const spread = (ms: number[]) =>
  ms.length === 0 ? undefined : { p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), max: round(Math.max(...ms)) };

export function printSessionStopRows(rows: EstopSessionRow[]): void {
  if (rows.length === 0) return;
  console.log(
    "\nThe emergency stop on real speech through a session's VAD and transcripts, no reply playing (the spotter, or the transcripts: the grammar stack's, or a Whisper-class session's local recognizer)",
  );
  console.log(
    "| stack | speakers | stops: spotter / transcripts / either | transcripts' stops from the phrase's last sample p50 / p95 / max | false stops: spotter / transcripts / either | local recognizer CPU ms per s of audio | MB per decoder set |",
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const after = r.transcriptsAfterEndMs ? `${r.transcriptsAfterEndMs.p50} / ${r.transcriptsAfterEndMs.p95} / ${r.transcriptsAfterEndMs.max}` : '—';
    const falseStops = r.others > 0 ? `${r.falseBySpotter} / ${r.falseByTranscripts} / ${r.falseByEither} of ${r.others} = ${r.falsePercent} %` : '—';
    console.log(
      `| ${r.stack} | ${r.group} | ${r.bySpotter} / ${r.byTranscripts} / ${r.byEither} of ${r.stops} | ${after} | ${falseStops} | ${r.localRecognizerCpuMsPerAudioS ?? '—'} | ${r.localRecognizerMbPerDecoderSet ?? '—'} |`,
    );
  }
  for (const r of rows.filter((row) => row.group === 'all')) {
    for (const m of r.missed) console.log(`  ${r.stack}: missed: ${m}`);
    for (const f of r.falseStops) console.log(`  ${r.stack}: false stop: ${f}`);
  }
}
