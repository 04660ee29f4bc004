/**
 * One session on this machine's microphone and speaker (`voice-agent live`): the engines of a
 * configuration (as `run` has them, runtime/run-audio.ts), a capture client feeding the session in real
 * time, and a playback client the session speaks through (adapters/audio/sound-server*.ts), until
 * `signal` aborts (Ctrl-C) or a client fails.
 *
 * Echo cancellation is on unless `audio.echoCancel` is "off" (a device sink: "auto" means on). Its
 * reference is what the session wrote to the speaker, placed where the sink model plays it; the
 * microphone's samples are placed where they were captured, on a capture clock that counts samples per
 * client chunk. Both are then aligned by what the sound server reports: a microphone sample is stamped
 * `queued + capture latency` earlier than its arrival — queued being all the speaker's audio written and
 * not yet played (client pipe, server, device: `pacat -v`'s stream time every 50 ms), the capture latency
 * `pa_stream_get_latency` of the microphone — so that what the canceller sees as simultaneous is what the
 * speaker played and the microphone heard at once, and the canceller's tail (`audio.echoTailMs`) covers
 * only the room. The applied shift follows the reports when they move by more than `SHIFT_STEP_MS` (live-capture.ts).
 *
 * The server's latency alone is not the way to the speaker: a playback stream that stops consuming for a
 * while (seen in the virtual room a second or two after the microphone opens) leaves a backlog in the
 * client's pipe — 300 to 650 ms there, so every reply and its echo came that much later than the server
 * said, past the canceller's tail, and the agent heard its own "Turning left." as "turn left". The sink
 * drains such a backlog at the next silence (`excessMs`), and the shift counts it until then.
 *
 * With `echoCancelModule` the sound server cancels the echo instead (`module-echo-cancel`, WebRTC's, on
 * the device's clock: adapters/echo/sound-server-module.ts): the session records from and plays to
 * its virtual pair with its own canceller off, and unloads the module when it ends.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * process.once('SIGINT', () => controller.abort());
 * const result = await runLive({ config, input: 'room.monitor', signal: controller.signal, onLine: console.log });
 * ```
 */
import { recordingFeedConditioner, recordingFeedSink } from '../adapters/audio/conditioner-feed.js';
import { loadEchoCancelModule, type EchoCancelModule } from '../adapters/echo/index.js';
import type { AudioSink } from '../adapters/audio/sink.js';
import { detectSoundServer, listDevices, resolveDevices } from '../adapters/audio/sound-server.js';
import { createSoundServerSink, type SoundServerSink } from '../adapters/audio/sound-server-sink.js';
import {
  openCapture,
  openPlayback,
  type AudioStream,
  type CaptureStream,
  type PlaybackStream,
} from '../adapters/audio/sound-server-stream.js';
import { systemClock, type Clock } from '../adapters/clock.js';
import { createMemoryTransport } from '../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../bus/message-bus.js';
import { ConfigError, type AppConfig } from './config.js';
import { buildEngines, type EnginePool } from './engine-pool.js';
import { remoteEngines } from './run-audio.js';
import { inputConditioningFrom } from './runtime-options.js';
import { assembleSession } from './assemble-session.js';
import { startSimulatedRobot } from './simulated-robot.js';
import { createTimelineRecorder } from './timeline.js';
import { captureInto, createStamps, stampedConditioner, type Stamps } from './live-capture.js';
import type { LiveInfo, LiveOptions, LiveResult } from './live-options.js';

export type { LiveInfo, LiveOptions, LiveResult } from './live-options.js';

/**
 * Why 20 ms: audio waiting in the client's pipe beyond what the server holds; one frame is jitter. Beyond it, the sink
 * skips silence.
 */
const BACKLOG_JITTER_MS = 20;

async function openDevices(config: AppConfig, options: LiveOptions) {
  const server = await detectSoundServer();
  const devices = await listDevices(server);
  const wanted = resolveDevices(server, devices, {
    ...(options.input ? { input: options.input } : {}),
    ...(options.output ? { output: options.output } : {}),
  });
  const input = wanted.input ?? (server.kind === 'pulse' ? server.defaultInput : 'default');
  const output = wanted.output ?? (server.kind === 'pulse' ? server.defaultOutput : 'default');
  const playbackLatencyMs = options.playbackLatencyMs ?? 80;
  const module: EchoCancelModule | undefined = options.echoCancelModule
    ? await loadEchoCancelModule(server, { ...(input ? { input } : {}), ...(output ? { output } : {}) })
    : undefined;
  const device = module?.output ?? output;
  try {
    const speaker = await openPlayback(server, {
      ...(device ? { device } : {}),
      sampleRateHz: config.audio.outputRateHz,
      latencyMs: playbackLatencyMs,
    });
    return { server, input, output, speaker, playbackLatencyMs, module, micDevice: module?.input ?? input };
  } catch (error) {
    await module?.unload().catch(() => undefined);
    throw error;
  }
}

/** The devices a live session opened: the sound server, the speaker's client, the echo module if loaded. */
type LiveDevices = Awaited<ReturnType<typeof openDevices>>;

/** What a live session holds once its devices are open; the clients it opens later join as they open. */
interface LiveParts {
  options: LiveOptions;
  config: AppConfig;
  clock: Clock;
  line: (line: string) => void;
  pool: EnginePool;
  devices: LiveDevices;
  speakerSink: SoundServerSink;
  /** What the session writes to: the speaker's sink, or a sink recording it into the conditioner feed. */
  sink: AudioSink;
  /** Where a frame's sound comes back to the session: the capture's shift, once the microphone is open. */
  echoReturn: { shiftMs: () => number };
  bus: MessageBus;
  robot?: ReturnType<typeof startSimulatedRobot>;
  mic?: CaptureStream;
}

/**
 * Runs one live session until `signal` aborts or a sound-server client fails; resolves with the
 * timelines (the `run --timeline` format) and what the sound server reported.
 */
export async function runLive(options: LiveOptions): Promise<LiveResult> {
  const config = liveConfig(options);
  const clock = systemClock;
  // The microphone is already shifted by what the sound server reports; the echo step's own estimate
  // finds what is left (the room, and 10-40 ms that the reports' jitter moves from reply to reply).
  const pool = buildEngines(config, { clock });
  const warming = pool.warmUp();
  const devices = await openDevices(config, options);
  const parts: LiveParts = {
    options,
    config,
    clock,
    line: options.onLine ?? (() => undefined),
    pool,
    devices,
    ...speakerSinks(config, devices.speaker, options, clock),
    bus: createMessageBus(createMemoryTransport(), { clock }),
  };
  try {
    await warming;
    return await runSession(parts);
  } finally {
    await closeLive(parts);
  }
}

/**
 * The configuration the session runs on: with the sound server's module cancelling the echo, the session's
 * own canceller stays off. A "remote" engine is refused: a live session runs on an in-process bus.
 */
function liveConfig(options: LiveOptions): AppConfig {
  const config: AppConfig = options.echoCancelModule
    ? { ...options.config, audio: { ...options.config.audio, echoCancel: 'off' } }
    : options.config;
  const remote = remoteEngines(config);
  if (remote.length > 0)
    throw new ConfigError(
      `${remote.join(', ')}: a "remote" engine needs a worker on NATS; a live session runs on an in-process bus: ` +
        `pick a local engine`,
    );
  return config;
}

/** The sink that plays the session's speech on the speaker's client, and what the session writes to. */
function speakerSinks(config: AppConfig, speaker: PlaybackStream, options: LiveOptions, clock: Clock) {
  const echoReturn = { shiftMs: () => 0 };
  const speakerSink = createSoundServerSink({
    clock,
    sampleRateHz: config.audio.outputRateHz,
    write: (pcm) => speaker.write(pcm),
    leadMs: options.leadMs ?? 60,
    excessMs: () => speaker.queuedMs() - speaker.latencyMs() - BACKLOG_JITTER_MS,
    // A frame's sound reaches the session's microphone stream the capture shift after the sink model
    // plays it (a microphone frame is stamped that much before its arrival); the echo step adds the room.
    echoReturnMs: () => echoReturn.shiftMs(),
  });
  const feed = options.conditionerFeed;
  // With a feed, the session writes through a sink that keeps where each frame plays (the echo reference's
  // far end).
  const sink = feed ? recordingFeedSink(feed, speakerSink, clock) : speakerSink;
  return { speakerSink, sink, echoReturn };
}

/** The session from its start to its stop: listening on the microphone until it ends, then its result. */
async function runSession(parts: LiveParts): Promise<LiveResult> {
  const { config, bus, clock, pool, devices } = parts;
  const sessionId = parts.options.sessionId ?? 'live';
  const info = liveInfo(parts);
  const stamps = createStamps();
  // As in `run`: the reference robot executes the controller actions (`actions.simulate`) on this
  // in-process bus.
  parts.robot = startSimulatedRobot({ config, bus, clock, declared: pool.runtime.config.declaredActions });
  const { session, engines, release } = await assembleLiveSession(parts, sessionId, stamps);
  const timeline = createTimelineRecorder(bus, sessionId);
  printSessionLines(bus, sessionId, parts.line);
  await session.ready();
  const { capture, mic } = await openMicrophone(parts, engines.inputConditioner ? stamps : undefined, (frame) =>
    session.pushAudio(frame, config.audio.inputRateHz),
  );
  const startedAtMs = clock.now();
  // Underruns while the engines warmed up (the event loop busy loading models) are not the session's.
  const underrunsBefore = devices.speaker.underruns;
  parts.options.onReady?.(info);
  const endedBy = await untilEnded(parts.options.signal, [devices.speaker, mic]);
  const endedAtMs = clock.now();
  const result: LiveResult = {
    info,
    turns: timeline.turns(),
    history: session.history(),
    startedAtMs,
    endedAtMs,
    ...soundReport(parts, { capture, mic, underrunsBefore }),
    ...(engines.inputConditioner?.echoDelay?.() ? { echoDelay: engines.inputConditioner.echoDelay()! } : {}),
    endedBy,
    sessionConfig: pool.runtime.config,
  };
  timeline.close();
  await mic.close();
  await session.stop();
  release();
  return result;
}

/** The devices as the terminal and the caller are told of them. */
function liveInfo({ config, devices }: LiveParts): LiveInfo {
  const { server, input, output, module } = devices;
  return {
    server,
    input: input ?? 'default',
    output: output ?? 'default',
    echoCancel: module !== undefined || inputConditioningFrom(config, 'device').echoCancel,
    echoCancelModule: module !== undefined,
  };
}

/**
 * The session on the in-process bus. Its conditioner is given each frame's capture stamp, not the time the
 * VAD actor saw it, and told of the speaker's glitches; with a feed, what it is given is recorded too.
 */
function assembleLiveSession(parts: LiveParts, sessionId: string, stamps: Stamps) {
  const { bus, clock, sink, options, speakerSink, devices } = parts;
  const feed = options.conditionerFeed;
  const glitches = () => devices.speaker.underruns + speakerSink.stats.stalls;
  return assembleSession(parts.pool, {
    sessionId,
    bus,
    clock,
    sink,
    sinkKind: 'device',
    engines: (bound) =>
      bound.inputConditioner
        ? {
            ...bound,
            inputConditioner: stampedConditioner(
              feed ? recordingFeedConditioner(feed, bound.inputConditioner) : bound.inputConditioner,
              stamps,
              glitches,
            ),
          }
        : bound,
    ...(options.attach ? { attach: options.attach({ bus, clock }) } : {}),
  });
}

/** The session's errors, and what the user and the agent said, as lines for the terminal. */
function printSessionLines(bus: MessageBus, sessionId: string, line: (line: string) => void): void {
  bus.subscribe(bus.subjects.forEvent(sessionId, 'session.error'), (m) =>
    line(`error: ${'message' in m ? m.message : ''}`),
  );
  bus.subscribe(bus.subjects.forEvent(sessionId, 'session.history'), (m) => {
    if (m.type === 'session.history')
      line(
        `${m.role === 'user' ? 'you' : m.role === 'action' ? 'action' : 'agent'}: ` +
          `${m.text}${m.interrupted ? ' (interrupted)' : ''}`,
      );
  });
}

/**
 * Opens the microphone into the session: its frames are stamped on the capture clock and shifted by the
 * speaker's queue plus the capture latency, which is also where the sink expects its echo to come back.
 */
async function openMicrophone(parts: LiveParts, stamps: Stamps | undefined, push: (frame: Uint8Array) => void) {
  const { config, clock, devices } = parts;
  const capture = captureInto(config, { clock, ...(stamps ? { stamps } : {}), push });
  const mic = await openCapture(devices.server, {
    ...(devices.micDevice ? { device: devices.micDevice } : {}),
    sampleRateHz: config.audio.inputRateHz,
    latencyMs: parts.options.captureLatencyMs ?? 20,
    onData: capture.onData,
  });
  parts.mic = mic;
  capture.latency(() => devices.speaker.queuedMs() + mic.latencyMs());
  parts.echoReturn.shiftMs = () => capture.shiftMs();
  return { capture, mic };
}

/** Why the session ended: `signal` once it aborts, or the message of the first client to fail. */
function untilEnded(signal: AbortSignal, clients: AudioStream[]): Promise<string> {
  return Promise.race([
    new Promise<string>((resolve) =>
      signal.aborted ? resolve('signal') : signal.addEventListener('abort', () => resolve('signal'), { once: true }),
    ),
    ...clients.map((client) => client.failed.then((e) => e.message)),
  ]);
}

/** What the sound server and the sink reported over the session. */
function soundReport(
  { devices, speakerSink }: LiveParts,
  { capture, mic, underrunsBefore }: { capture: { shiftMs(): number }; mic: CaptureStream; underrunsBefore: number },
) {
  return {
    echoShiftMs: capture.shiftMs(),
    playbackLatencyMs: devices.speaker.latencyMs(),
    queuedMs: devices.speaker.queuedMs(),
    droppedFrames: speakerSink.stats.droppedFrames,
    captureLatencyMs: mic.latencyMs(),
    underruns: devices.speaker.underruns - underrunsBefore,
  };
}

/** Closes what the session opened, in order; a module the server keeps loaded is said, with how to unload it. */
async function closeLive({ robot, speakerSink, mic, devices, bus, line }: LiveParts): Promise<void> {
  await robot?.close();
  speakerSink.close();
  await Promise.all([mic?.close(), devices.speaker.close()]);
  // The server keeps a module loaded by a client that is gone: say so rather than leave it silently.
  const { module } = devices;
  await module
    ?.unload()
    .catch((error: Error) =>
      line(
        `module-echo-cancel #${module.index} was not unloaded (${error.message}): pactl unload-module ` +
          `${module.index}`,
      ),
    );
  await bus.close();
}
