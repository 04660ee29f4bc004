/**
 * Re-runs a recorded session the way it ran, on a simulated clock (server/records/rerun-material.ts says
 * what is kept for it): the microphone blocks as they arrived, at their times, through the session's own
 * path (`audio.frame` → the VAD actor's streaming resampler → the input conditioner with the client's
 * switches as they were, and for `live` the capture stamps and far-end timing it was given → VAD,
 * spotters, recognizer); the inputs from outside at their times; the robot's
 * answers to the actions the re-run asks for as recorded; a remote LLM's replies as recorded.
 *
 * Engines compute while the simulated clock stands still (their real time is not the session's), and an answer is held
 * until the time the session got it: a recognizer final no earlier than the session's `stt.final` of the same turn, the
 * k-th LLM start no earlier than the k-th `llm.started`, a TTS segment's first chunk no earlier than the session's
 * first chunk of a segment with the same text. So a re-run is deterministic, as fast as the engines, and meets each
 * event where the session met it; an engine slower than it was (none on a simulated clock) or a changed decision shows
 * as a difference. The chart's own timers likewise fire when the session's did (a timer in real time fires a little
 * late, after the microphone frames that came meanwhile).
 */
import { replayedFeedSink } from '../../adapters/audio/conditioner-feed.js';
import type { InputSwitches } from '../../adapters/audio/input-conditioner.js';
import { createDeviceSink } from '../../adapters/audio/device-sink.js';
import type { AudioSink } from '../../adapters/audio/sink.js';
import { createRecordingSink } from '../../adapters/audio/recording-sink.js';
import { createResampler, MIC_RESAMPLER_QUALITY } from '../../adapters/audio/resample.js';
import { createRnnoiseDenoiser } from '../../adapters/audio/rnnoise.js';
import { ManualClock } from '../../adapters/testing/manual-clock.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { DialogState } from '../../machines/states.js';
import type { Clock } from '../../adapters/clock.js';
import type { AppConfig } from '../../runtime/config.js';
import { assembleSession } from '../../runtime/assemble-session.js';
import { buildEngines } from '../../runtime/engine-pool.js';
import type { StartSessionOptions } from '../../runtime/session-host.js';
import type { RecordingData } from './mcap/topics.js';
import { isRemoteLlm, type RerunMaterial } from './rerun-material.js';
import { advance, answerHold, pacedEngines, settle, type Pacing } from './rerun-pacing.js';

/** Why 60 s: the longest a re-run goes on after the recording's last input for the agent to fall idle. */
const MAX_TAIL_MS = 60_000;
/** The simulated clock's step while nothing is due: one microphone frame. */
const STEP_MS = 20;

/**
 * Why 250 ms: how much later than due a chart timer may have fired in the session (an event loop busy with
 * engines on a loaded machine) and still be taken for the same timer; a timer the session never let fire
 * (cancelled first) is not looked for further away.
 */
const TIMER_LATE_MS = 250;
/** Why 25 ms: Node measures a timer from the start of the event loop's iteration, so one can fire that much early. */
const TIMER_EARLY_MS = 25;

/**
 * The chart's own delayed events (`xstate.after.*`) fire when the session's did: the k-th of each kind is
 * held until the recorded k-th, when that came within {@link TIMER_LATE_MS} of its due time. In real time a
 * timer fires a little late, and the microphone frames that arrived meanwhile were heard before it (a
 * pause's end, and so the utterance the recognizer finalizes, includes them).
 */
function recordedTimers(
  actor: Parameters<NonNullable<StartSessionOptions['attach']>>[0],
  recorded: RecordingData,
  clock: Clock,
  origin: number,
): void {
  const fired = new Map<string, number[]>();
  for (const e of recorded.events)
    if (e.type.startsWith('xstate.after.')) fired.set(e.type, [...(fired.get(e.type) ?? []), origin + e.atMs]);
  const seen = new Map<string, number>();
  actor.system.inspect((event) => {
    if (event.type === '@xstate.snapshot' && event.actorRef === actor && event.event.type.startsWith('xstate.after.'))
      seen.set(event.event.type, (seen.get(event.event.type) ?? 0) + 1);
  });
  const { scheduler } = actor.system;
  const schedule = scheduler.schedule.bind(scheduler);
  scheduler.schedule = (source, target, event, delay, id) => {
    const then = source === actor ? fired.get(event.type)?.[seen.get(event.type) ?? 0] : undefined;
    const due = clock.now() + delay;
    const held =
      then !== undefined && then >= due - TIMER_EARLY_MS && then <= due + TIMER_LATE_MS
        ? Math.max(0, then - clock.now())
        : delay;
    schedule(source, target, event, held, id);
  };
}

export interface FaithfulRerun {
  /**
   * Everything the re-run's chart did, recorded by `attach`'s recorder; resolves when the agent is idle after the last
   * input.
   */
  run(): Promise<void>;
}

/**
 * The WASM the session's input loads on first use (the VAD actor's resampler, RNNoise), loaded now: in
 * the session it took a few ms of real time while frames waited in order; here it would take simulated
 * time it never took, and the frames waiting meanwhile overflow.
 */
async function preloadInputWasm(material: RerunMaterial, config: AppConfig): Promise<void> {
  for (const rateHz of new Set(material.blocks.map((b) => b[2]))) {
    if (rateHz !== config.audio.inputRateHz)
      (
        await createResampler({ fromHz: rateHz, toHz: config.audio.inputRateHz, quality: MIC_RESAMPLER_QUALITY })
      ).close();
  }
  (await createRnnoiseDenoiser({ sampleRateHz: config.audio.inputRateHz })).close();
}

/** Where the re-run's voice goes: a sink of the session's kind; `live`: played where the session's sound server did. */
function rerunSink(material: RerunMaterial, clock: ManualClock, outRate: number): AudioSink {
  const ownSink =
    material.sinkKind === 'file'
      ? createRecordingSink(clock, outRate)
      : createDeviceSink({ clock, sampleRateHz: outRate, send: () => undefined, clear: () => undefined });
  const feed = material.conditioner;
  return feed ? replayedFeedSink(feed, ownSink, clock) : ownSink;
}

/** One thing the re-run does at a time of the session's clock; `order` keeps the recorded order at one time. */
interface TimedStep {
  atMs: number;
  order: number;
  run: () => void;
}

/** The microphone blocks at their times, with the client's input switches as they were at each. */
function microphoneSteps(
  material: RerunMaterial,
  microphone: Uint8Array,
  switches: InputSwitches | undefined,
  session: { pushAudio(audio: Uint8Array, sampleRateHz: number): void },
): TimedStep[] {
  let offset = 0;
  return material.blocks.map(([atMs, bytes, rateHz, bits], i) => {
    const start = offset;
    offset += bytes;
    return {
      atMs: material.originMs + atMs,
      order: i,
      run: () => {
        if (switches && bits >= 0) {
          switches.echo = (bits & 1) !== 0;
          switches.noiseSuppression = (bits & 2) !== 0;
        }
        session.pushAudio(microphone.subarray(start, start + bytes), rateHz);
      },
    };
  });
}

/**
 * The inputs from outside at their times, after the microphone's at one time; the robot's recorded
 * answers only to the actions the re-run asks for too (by id and name). Subscribes to the re-run's
 * `action.request` now.
 */
function inputSteps(material: RerunMaterial, recorded: RecordingData, bus: MessageBus, sessionId: string): TimedStep[] {
  const origin = material.originMs;
  const robotAnswers = material.inputs.filter((i) => i.message.type.startsWith('action.'));
  const fromOutside = (type: string) => !type.startsWith('action.') && !type.startsWith('llm.');
  const outside = material.inputs.filter((i) => fromOutside(i.message.type));
  const asked = new Map<string, string>();
  bus.subscribe(bus.subjects.forEvent(sessionId, 'action.request'), (m) => {
    if (m.type === 'action.request') asked.set(m.actionId, m.name);
  });
  const requestedNames = new Map<string, string>();
  for (const e of recorded.emitted) {
    if (e.kind !== 'publish' || e.message.type !== 'action.request') continue;
    requestedNames.set(String(e.message.actionId), String(e.message.name));
  }
  const first = material.blocks.length;
  const steps: TimedStep[] = outside.map(({ atMs, message }, i) => ({
    atMs: origin + atMs,
    order: first + i,
    run: () => bus.publish({ ...(message as BusMessage) }),
  }));
  robotAnswers.forEach(({ atMs, message }, i) =>
    steps.push({
      atMs: origin + atMs,
      order: first + outside.length + i,
      run: () => {
        const id = String((message as { actionId?: unknown }).actionId);
        // Only to a request the re-run made too, for the same action.
        if (asked.get(id) !== undefined && asked.get(id) === requestedNames.get(id))
          bus.publish({ ...(message as BusMessage) });
      },
    }),
  );
  return steps;
}

/**
 * Then to the recording's end (a recording its process never ended: until the agent is idle, at most
 * {@link MAX_TAIL_MS}).
 */
async function runTail(
  recorded: RecordingData,
  origin: number,
  clock: ManualClock,
  inFlight: Set<Promise<unknown>>,
  session: { matches(state: DialogState): boolean },
): Promise<void> {
  const lastInputMs = clock.now();
  const endedAtMs = recorded.recording.endedAtMs;
  const going = () => (endedAtMs === null ? !session.matches(DialogState.idle) : clock.now() < origin + endedAtMs);
  while (going() && clock.now() < lastInputMs + MAX_TAIL_MS) {
    await advance(inFlight, clock, clock.now() + STEP_MS);
  }
}

/**
 * Runs the recorded session again. `attach` gets the re-run's bus and clock (a session recorder);
 * `material` is the recording's re-run material, already validated.
 */
export async function rerunFaithfully(
  recorded: RecordingData,
  material: RerunMaterial,
  config: AppConfig,
  attach: (world: { bus: MessageBus; clock: Clock }) => NonNullable<StartSessionOptions['attach']>,
  /** The recorded microphone, every block's bytes in arrival order. */
  microphone: Uint8Array,
): Promise<void> {
  const clock = new ManualClock();
  await clock.advanceTo(material.originMs);
  const origin = material.originMs;
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const pool = buildEngines(config, { clock });
  await pool.warmUp();
  await preloadInputWasm(material, config);
  const inFlight = new Set<Promise<unknown>>();
  const sessionId = recorded.recording.sessionId;
  const hold = answerHold(material, clock);
  const sink = rerunSink(material, clock, config.audio.outputRateHz);
  const switches: InputSwitches | undefined = material.switched ? { echo: false, noiseSuppression: false } : undefined;
  const remoteLlm = isRemoteLlm(config.llm.engine);
  // Subscribed before the session's actors: the turn is known when the recognizer opens its stream.
  let utteranceTurn: string | undefined;
  bus.subscribe(bus.subjects.forEvent(sessionId, 'vad.speech_start'), (m) => {
    if (m.type === 'vad.speech_start') utteranceTurn = m.turnId;
  });
  const pacing: Pacing = { material, remoteLlm, inFlight, hold, utteranceTurn: () => utteranceTurn };
  const { session, release } = await assembleSession(pool, {
    sessionId,
    bus,
    clock,
    sink,
    sinkKind: material.sinkKind,
    ...(switches ? { inputSwitches: switches } : {}),
    attach: (actor) => {
      recordedTimers(actor, recorded, clock, origin);
      attach({ bus, clock })(actor);
    },
    engines: (bound) => pacedEngines(bound, pacing),
  });
  await session.ready();

  const heard = microphoneSteps(material, microphone, switches, session);
  const steps = [...heard, ...inputSteps(material, recorded, bus, sessionId)];
  steps.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
  for (const step of steps) {
    if (step.atMs > clock.now()) await advance(inFlight, clock, step.atMs);
    step.run();
    await settle(inFlight, clock);
  }
  await runTail(recorded, origin, clock, inFlight, session);
  await session.stop();
  await settle(inFlight, clock);
  release();
  await bus.close();
}
