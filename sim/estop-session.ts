/**
 * The emergency stop on one recording as a session's transcripts decide it, with no reply playing: the
 * clip (framed by half a second of silence before and a second after, as a person addressing a robot)
 * goes frame by frame into a session that `assembleSession` puts together on a simulated clock — the
 * shipped `vad.engine` and segmenter, and the emergency-stop actor with its local grammar recognizer
 * (`session.estop.localRecognizer`). Two stacks:
 * - `grammar`: the shipped pocketsphinx recognizer through the session's STT actor, and the local
 *   recognizer's decode at each of the VAD's pauses;
 * - `whisper`: a Whisper-class session before its recognizer answers: the local recognizer alone, its
 *   decode at each pause and its final (the session's own recognizer never answers here).
 * The LLM and TTS are step-by-step fakes nobody drives, so no reply plays. The clip is conditioned as the
 * microphone is (`audio.highPassHz`, and `audio.noiseSuppression` after hearing the clip's room).
 *
 * @example
 * ```ts
 * const { config, engines } = await estopStack(loadConfig(), 'whisper');
 * const heard = await hearClipInSession(clip, config, engines); // heard.transcripts: the session stopped
 * ```
 */
import {
  createControlledLlm,
  createControlledStt,
  createControlledTts,
  createPacedSink,
  ManualClock,
  settle,
} from '../adapters/testing/index.js';
import type { SttEngine } from '../adapters/stt/types.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus } from '../bus/message-bus.js';
import type { BusMessage } from '../bus/messages.js';
import { assembleSession, type SessionRuntime } from '../runtime/assemble-session.js';
import type { AppConfig } from '../runtime/config.js';
import { buildStopStt, buildStt, buildVad, stopSttPausesOnly } from '../runtime/engines.js';
import { runtimeOptionsFrom } from '../runtime/runtime-options.js';
import { lastSampleMs, type Clip } from './clip.js';
import { conditionedInRoom, microphoneConditioning } from './microphone-conditioning.js';

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

/** The recognizers a stack's sessions share (warmed once, used clip after clip). */
export interface StackEngines {
  stopStt: SttEngine;
  /** The grammar stack's own recognizer, run by the session's STT actor. */
  stt?: SttEngine;
  stopSttPausesOnly: boolean;
}

/** What one clip did to its session. */
export interface ClipStop {
  /** The transcripts stopped the session. */
  transcripts: boolean;
  /** The stop phrase they heard ('' without a stop). */
  heard: string;
  /** When they stopped it, in audio time from the clip's last sample above the floor. */
  afterEndMs: number | undefined;
  /** The VAD's pauses. */
  pauses: number;
  /** The clip's audio as the session heard it, framed by silence (s). */
  audioS: number;
}

/**
 * The shipped configuration as the stack runs it: a Whisper-class session's `stt.engine` `openai` is never
 * asked here.
 */
function stackConfig(config: AppConfig, stack: SessionStack): AppConfig {
  return stack === 'whisper' ? { ...config, stt: { ...config.stt, engine: 'openai' } } : config;
}

/**
 * The stack's configuration and its warmed recognizers; `wrap` wraps the local recognizer (a bench's CPU
 * meter). Throws when `session.estop.localRecognizer` is off: there is nothing to measure.
 */
export async function estopStack(
  shipped: AppConfig,
  stack: SessionStack,
  wrap: (engine: SttEngine) => SttEngine = (engine) => engine,
): Promise<{ config: AppConfig; engines: StackEngines }> {
  const config = stackConfig(shipped, stack);
  const built = buildStopStt(config);
  if (!built)
    throw new Error('session.estop.localRecognizer is off in this configuration: the rows measure it; set it to true');
  const engines: StackEngines = {
    stopStt: wrap(built),
    stopSttPausesOnly: stopSttPausesOnly(config),
    ...(stack === 'grammar' ? { stt: buildStt(config, new ManualClock()) } : {}),
  };
  await engines.stopStt.warmUp?.();
  await engines.stt?.warmUp?.();
  return { config, engines };
}

/** A session's engines for one clip: the stack's recognizers, a fresh VAD, and fakes that never reply. */
async function clipRuntime(config: AppConfig, engines: StackEngines): Promise<SessionRuntime> {
  const { config: session, pipeline } = runtimeOptionsFrom(config);
  const vad = await buildVad(config);
  return {
    // Always listening: the clip is addressed to the robot, with no wake phrase before it.
    runtime: { config: { ...session, activation: { ...session?.activation, mode: 'always' } }, pipeline },
    bind: ({ sink }) =>
      Promise.resolve({
        vad,
        stt: engines.stt ?? createControlledStt(),
        llm: createControlledLlm(),
        tts: [createControlledTts({ sampleRateHz: RATE_HZ })],
        sink,
        stopStt: engines.stopStt,
        stopSttPausesOnly: engines.stopSttPausesOnly,
        release: () => vad.close?.(),
      }),
  };
}

/** The clip framed by silence, conditioned as the microphone conditions it. */
async function framedClip(clip: Clip, config: AppConfig): Promise<{ voice: Int16Array; samples: Int16Array }> {
  const condition = await microphoneConditioning(config);
  const voice = condition ? conditionedInRoom(clip, condition) : clip.samples;
  const samples = new Int16Array(LEAD_MS * (RATE_HZ / 1000) + voice.length + RATE_HZ);
  samples.set(voice, LEAD_MS * (RATE_HZ / 1000));
  return { voice, samples };
}

/** One clip through a fresh session on a simulated clock: what its transcripts made of it. */
export async function hearClipInSession(clip: Clip, config: AppConfig, engines: StackEngines): Promise<ClipStop> {
  const clock = new ManualClock();
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const sink = createPacedSink({ clock, sampleRateHz: RATE_HZ, frameMs: 20 });
  const seen: BusMessage[] = [];
  let stoppedAtMs: number | undefined;
  bus.subscribe(`${bus.prefix}.${SESSION}.>`, (m) => {
    seen.push(m);
    // The frame being heard ends 20 ms after the clock's time.
    if (m.type === 'control.estop') stoppedAtMs ??= clock.now() + 20;
  });
  const runtime = await clipRuntime(config, engines);
  const { session, release } = await assembleSession(runtime, { sessionId: SESSION, bus, clock, sink });
  await session.ready();
  const { voice, samples } = await framedClip(clip, config);
  for (let at = 0; at + FRAME_SAMPLES <= samples.length; at += FRAME_SAMPLES) {
    session.pushAudio(new Uint8Array(samples.buffer, at * 2, FRAME_SAMPLES * 2).slice(), RATE_HZ);
    for (let round = 0; round < SETTLE_ROUNDS; round++) await settle();
    await clock.advance(20);
  }
  // The decodes still in flight (a pause's, the final's) answer in a few ms of real time.
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  await session.stop();
  release();
  await bus.close();
  const stop = seen.find((m) => m.type === 'control.estop');
  return {
    transcripts: stop !== undefined,
    heard: stop?.type === 'control.estop' ? (stop.phrase ?? '') : '',
    afterEndMs: stoppedAtMs === undefined ? undefined : stoppedAtMs - LEAD_MS - lastSampleMs(voice),
    pauses: seen.filter((m) => m.type === 'vad.pause').length,
    audioS: samples.length / RATE_HZ,
  };
}
