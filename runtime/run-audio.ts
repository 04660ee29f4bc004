/**
 * Plays microphone audio into one session in real time (20 ms frames) with the engines of a
 * configuration, and returns what happened: the per-turn timelines, the history and the agent's audio
 * track (what was heard, when). The `run` command and `replay --rerun` both go through here, so a
 * re-run session meets the very same path as a recording played with `run`.
 *
 * @example
 * ```ts
 * const result = await runAudio({ config: loadConfig({ env: process.env }), pcm });
 * console.log(formatTimelines(result.turns));
 * ```
 */
import type { SessionConfig } from '../machines/config.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type Clock } from '../adapters/clock.js';
import { pcmBytesFor } from '../adapters/audio/pcm.js';
import { createRecordingSink } from '../adapters/audio/recording-sink.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../bus/message-bus.js';
import type { TurnTimeline } from '../bus/messages.js';
import type { HistoryEntry } from '../machines/events.js';
import { DialogState } from '../machines/states.js';
import { ConfigError, type AppConfig } from './config.js';
import { buildEngines } from './engine-pool.js';
import { assembleSession } from './assemble-session.js';
import type { SessionHandle, StartSessionOptions } from './session-host.js';
import { startSimulatedRobot } from './simulated-robot.js';
import { createTimelineRecorder } from './timeline.js';

/** Why 1.5 s of trailing silence: the VAD hangover (600 ms) plus STT finalization before the last turn starts. */
const TAIL_SILENCE_MS = 1500;
/** Why 60 s: the longest reply we wait for after the recording ends before returning anyway. */
const MAX_WAIT_MS = 60_000;

const REMOTE_IN_A_RUN =
  'a "remote" engine needs a worker on NATS, and a run plays on an in-process bus: pick a local engine ' +
  '(voice-agent serve with nats.servers runs remote engines)';

export interface RunAudioOptions {
  config: AppConfig;
  /** s16le mono at `config.audio.inputRateHz`. */
  pcm: Uint8Array;
  sessionId?: string;
  /** An observer of the chart (e.g. a session recorder), made with the run's bus and clock. */
  attach?: (world: { bus: MessageBus; clock: Clock }) => NonNullable<StartSessionOptions['attach']>;
  /** A line for each `session.error` of the run. */
  onError?: (line: string) => void;
}

export interface RunAudioResult {
  /** Times on the run's clock; rebase on `startedAtMs` to line them up with the audio. */
  turns: TurnTimeline[];
  history: readonly HistoryEntry[];
  startedAtMs: number;
  endedAtMs: number;
  /** The agent's audio track from the start of the input to the end of the run, at `config.audio.outputRateHz`. */
  agentAudio: Uint8Array;
  /** The session config the chart ran with (the configuration's runtime options). */
  sessionConfig: SessionConfig;
}

/** The settings that name a `remote` engine: it needs a worker on NATS, which a run's in-process bus has not. */
export function remoteEngines(config: AppConfig): string[] {
  const chains = [
    ['tts.engines', config.tts.engines] as const,
    ...Object.entries(config.languages).map(([tag, l]) => [`languages.${tag}.tts`, l.tts ?? []] as const),
  ];
  return [
    ...(config.stt.engine === 'remote' ? ['stt.engine'] : []),
    ...(config.llm.engine === 'remote' ? ['llm.engine'] : []),
    ...chains.flatMap(([key, chain]) => (chain.some((spec) => spec.engine === 'remote') ? [key] : [])),
  ];
}

export async function runAudio(options: RunAudioOptions): Promise<RunAudioResult> {
  const { config, pcm } = options;
  const remote = remoteEngines(config);
  if (remote.length > 0) throw new ConfigError(`${remote.join(', ')}: ${REMOTE_IN_A_RUN}`);
  const sessionId = options.sessionId ?? 'run';
  const clock = systemClock;
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const sink = createRecordingSink(clock, config.audio.outputRateHz);
  const pool = buildEngines(config, { clock });
  await pool.warmUp();
  // The run's bus is in-process: the reference robot executes its `controller` actions (`actions.simulate`).
  const robot = startSimulatedRobot({ config, bus, clock, declared: pool.runtime.config.declaredActions });
  // A recording has no acoustic path from the speaker back to the microphone: nothing to cancel.
  const { session, release } = await assembleSession(pool, {
    sessionId,
    bus,
    clock,
    sink,
    sinkKind: 'file',
    ...(options.attach ? { attach: options.attach({ bus, clock }) } : {}),
  });
  const timeline = createTimelineRecorder(bus, sessionId);
  bus.subscribe(bus.subjects.forEvent(sessionId, 'session.error'), (m) => {
    options.onError?.(`error: ${'message' in m ? m.message : ''}`);
  });
  await session.ready();

  const startedAtMs = await playInRealTime(session, pcm, config, clock);
  const deadline = clock.now() + MAX_WAIT_MS;
  // Done when the agent is idle and no action runs (its result is followed by a spoken reply).
  const busy = () => !session.matches(DialogState.idle) || (robot?.running().length ?? 0) > 0;
  while (busy() && clock.now() < deadline) await sleep(config.pipeline.frameMs);
  const endedAtMs = clock.now();

  const result = {
    turns: timeline.turns(),
    history: session.history(),
    startedAtMs,
    endedAtMs,
    agentAudio: sink.render(startedAtMs, endedAtMs),
    sessionConfig: pool.runtime.config,
  };
  timeline.close();
  await session.stop();
  release();
  await robot?.close();
  await bus.close();
  return result;
}

/**
 * Pushes the recording and the tail's silence in frames in real time — frame i goes out at start + i × 20
 * ms, whatever the engines cost — and resolves with the start's time on `clock`.
 */
async function playInRealTime(session: SessionHandle, pcm: Uint8Array, config: AppConfig, clock: Clock) {
  const startedAtMs = clock.now();
  const rate = config.audio.inputRateHz;
  const frameMs = config.pipeline.frameMs;
  const frameBytes = pcmBytesFor(frameMs, rate);
  const total = Math.ceil(pcm.byteLength / frameBytes) + Math.ceil(TAIL_SILENCE_MS / frameMs);
  for (let i = 0; i < total; i++) {
    const frame = new Uint8Array(frameBytes);
    frame.set(pcm.subarray(i * frameBytes, (i + 1) * frameBytes));
    session.pushAudio(frame, rate);
    const dueMs = startedAtMs + (i + 1) * frameMs;
    await sleep(Math.max(0, dueMs - clock.now()));
  }
  return startedAtMs;
}
