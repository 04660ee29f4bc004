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
import { trackedDecodes, trackedKeywords } from '../../runtime/engines-in-flight.js';
import { replayedFeedConditioner, replayedFeedSink } from '../../adapters/audio/conditioner-feed.js';
import type { InputSwitches } from '../../adapters/audio/input-conditioner.js';
import { createDeviceSink } from '../../adapters/audio/device-sink.js';
import type { AudioSink } from '../../adapters/audio/sink.js';
import { createRecordingSink } from '../../adapters/audio/recording-sink.js';
import { createResampler, MIC_RESAMPLER_QUALITY } from '../../adapters/audio/resample.js';
import { createRnnoiseDenoiser } from '../../adapters/audio/rnnoise.js';
import type { LlmEngine } from '../../adapters/llm/types.js';
import type { SttEngine } from '../../adapters/stt/types.js';
import { ManualClock } from '../../adapters/testing/manual-clock.js';
import type { TtsEngine } from '../../adapters/tts/types.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { DialogState } from '../../machines/states.js';
import type { Clock } from '../../adapters/clock.js';
import type { AppConfig } from '../../runtime/config.js';
import { assembleSession } from '../../runtime/assemble-session.js';
import { buildEngines, type BoundEngines } from '../../runtime/engine-pool.js';
import type { StartSessionOptions } from '../../runtime/session-host.js';
import type { RecordingData } from './mcap/topics.js';
import { isRemoteLlm, type RerunMaterial } from './rerun-material.js';

/** Why 60 s: the longest a re-run goes on after the recording's last input for the agent to fall idle. */
const MAX_TAIL_MS = 60_000;
/** The simulated clock's step while nothing is due: one microphone frame. */
const STEP_MS = 20;

/**
 * Holds an engine's answer until the session got it: a final by its turn, a TTS segment by its text, an LLM start by
 * its order.
 */
type Held = (kind: 'stt' | 'llm' | 'tts', key?: string) => Promise<void>;

/** Waits for engine work in flight, letting the clock run what falls due up to now. */
async function settle(inFlight: Set<Promise<unknown>>, clock: ManualClock): Promise<void> {
  await clock.advanceTo(clock.now());
  while (inFlight.size > 0) {
    await Promise.allSettled([...inFlight]);
    await clock.advanceTo(clock.now());
  }
}

/**
 * Moves the clock to `targetMs` one due timer at a time, waiting for the engine work each one starts before the next.
 */
async function advance(inFlight: Set<Promise<unknown>>, clock: ManualClock, targetMs: number): Promise<void> {
  await settle(inFlight, clock);
  for (;;) {
    const due = clock.nextDueMs();
    if (due === undefined || due > targetMs) break;
    await clock.advanceTo(due);
    await settle(inFlight, clock);
  }
  await clock.advanceTo(targetMs);
  await settle(inFlight, clock);
}

const track = <T>(inFlight: Set<Promise<unknown>>, promise: Promise<T>): Promise<T> => {
  inFlight.add(promise);
  void promise.finally(() => inFlight.delete(promise)).catch(() => undefined);
  return promise;
};

/** `turn()`: the utterance a stream opened now belongs to (the last `vad.speech_start`'s). */
function pacedStt(
  engine: SttEngine,
  inFlight: Set<Promise<unknown>>,
  hold: Held,
  turn: () => string | undefined,
): SttEngine {
  return {
    ...engine,
    name: engine.name,
    createStream(options) {
      const inner = engine.createStream(options);
      const turnId = turn();
      return {
        ...inner,
        push: (audio) => inner.push(audio),
        finish: async () => {
          const result = await track(inFlight, inner.finish());
          await hold('stt', turnId);
          return result;
        },
      };
    },
  };
}

function pacedTts(engine: TtsEngine, inFlight: Set<Promise<unknown>>, hold: Held): TtsEngine {
  return {
    ...engine,
    name: engine.name,
    sampleRateHz: engine.sampleRateHz,
    synthesize(request) {
      const inner = engine.synthesize(request)[Symbol.asyncIterator]();
      let first = true;
      return {
        [Symbol.asyncIterator]() {
          return {
            async next() {
              const step = await track(inFlight, inner.next());
              if (first && !step.done) {
                first = false;
                await hold('tts', request.text);
              }
              return step;
            },
            return: inner.return ? (value?: unknown) => inner.return!(value) : undefined,
          } as AsyncIterator<Uint8Array>;
        },
      };
    },
  };
}

function pacedLlm(engine: LlmEngine, inFlight: Set<Promise<unknown>>, hold: Held): LlmEngine {
  return {
    ...engine,
    name: engine.name,
    stream(request) {
      const inner = engine.stream(request)[Symbol.asyncIterator]();
      let first = true;
      return {
        [Symbol.asyncIterator]() {
          return {
            async next() {
              const step = await track(inFlight, inner.next());
              if (first) {
                first = false;
                await hold('llm');
              }
              return step;
            },
            return: inner.return ? (value?: unknown) => inner.return!(value) : undefined,
          } as AsyncIterator<never>;
        },
      };
    },
  };
}

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

/** A remote LLM's replies as recorded: the k-th request gets the k-th reply (its tool calls, then its text). */
function recordedLlm(material: RerunMaterial): LlmEngine {
  const replies: Array<Array<string | { callId: string; name: string; arguments: string }>> = [];
  let current: (typeof replies)[number] = [];
  for (const { message } of material.inputs) {
    if (message.type === 'llm.tool_call')
      current.push({
        callId: String(message.callId),
        name: String(message.name),
        arguments: String(message.arguments),
      });
    else if (message.type === 'llm.done' || message.type === 'llm.error') {
      if (message.type === 'llm.done' && typeof message.text === 'string' && message.text.length > 0)
        current.push(message.text);
      replies.push(current);
      current = [];
    }
  }
  let next = 0;
  return {
    name: 'recorded',
    async *stream() {
      const reply = replies[next++] ?? [];
      for (const delta of reply) yield delta as never;
    },
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

/**
 * Holds each engine's answer until the session got it, in order (a TTS segment's by its text). A final
 * by its turn: an utterance the session finalized without the engine (no audio) or dropped before its
 * final must not shift the others onto another turn's time, and a final the session never got is held
 * for good.
 */
function answerHold(material: RerunMaterial, clock: ManualClock): Held {
  const origin = material.originMs;
  const llmTimes: number[] = [];
  const keyed: Array<{ kind: 'stt' | 'tts'; atMs: number; key: string; used: boolean }> = [];
  for (const [kind, atMs, key] of material.answers) {
    if (kind === 'llm') llmTimes.push(origin + atMs);
    else keyed.push({ kind, atMs: origin + atMs, key, used: false });
  }
  let llmCount = 0;
  return (kind, key) => {
    let due: number | undefined;
    if (kind === 'llm') due = llmTimes[llmCount++];
    else {
      const found = keyed.find((t) => !t.used && t.kind === kind && t.key === key);
      if (found) found.used = true;
      due = found?.atMs;
    }
    // A final the session never got (its turn ended while the recognizer decoded) never comes in the re-run.
    if (kind === 'stt' && due === undefined) return new Promise<void>(() => undefined);
    if (due === undefined || due <= clock.now()) return Promise.resolve();
    return new Promise((resolve) => clock.setTimeout(resolve, due - clock.now()));
  };
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

const mapChains = <T, U>(chains: Readonly<Record<string, T>>, f: (chain: T) => U): Record<string, U> =>
  Object.fromEntries(Object.entries(chains).map(([k, chain]) => [k, f(chain)]));

/** What the engines are wrapped with: the answers held, the work in flight tracked, the utterance's turn. */
interface Pacing {
  readonly material: RerunMaterial;
  readonly remoteLlm: boolean;
  readonly inFlight: Set<Promise<unknown>>;
  readonly hold: Held;
  readonly utteranceTurn: () => string | undefined;
}

/**
 * The session's engines, paced: a remote LLM replaced by its recorded replies; `live`: the conditioner
 * given the session's capture stamps.
 */
function pacedEngines(bound: BoundEngines, pacing: Pacing): BoundEngines {
  const { material, inFlight, hold } = pacing;
  const feed = material.conditioner;
  const pacedChain = (chain: readonly TtsEngine[]) => chain.map((t) => pacedTts(t, inFlight, hold));
  return {
    ...bound,
    ...(feed && bound.inputConditioner
      ? { inputConditioner: replayedFeedConditioner(feed, bound.inputConditioner) }
      : {}),
    stt: pacedStt(bound.stt, inFlight, hold, pacing.utteranceTurn),
    llm: pacedLlm(pacing.remoteLlm ? recordedLlm(material) : bound.llm, inFlight, hold),
    tts: pacedChain(bound.tts),
    ...(bound.ttsByLanguage ? { ttsByLanguage: mapChains(bound.ttsByLanguage, pacedChain) } : {}),
    ...(bound.stopStt ? { stopStt: trackedDecodes(bound.stopStt, inFlight) } : {}),
    ...(bound.learned
      ? { learned: { ...bound.learned, engine: trackedKeywords(bound.learned.engine, inFlight) } }
      : {}),
  };
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
