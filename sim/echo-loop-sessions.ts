/**
 * The two ways the echo closed loop (echo-loop.ts) reaches a session, on the simulated clock:
 *
 * - **bus**: a device on the bus — `assembleSession` binds a session of the engine pool to a recording
 *   sink (the device's speaker, `sinkKind: device`) and the microphone's frames go in with `pushAudio` at
 *   the client's rate.
 * - **realtime**: a Realtime client — the session manager assembles the session for a Realtime connection
 *   (`openRealtimeConnection`, no socket: events are passed as text both ways), the client turns its
 *   `noise_reduction` on with `session.update`, appends its microphone as base64 24 kHz PCM, and plays the
 *   audio deltas on its own speaker (a recording sink paced like a playout buffer), flushing it when the
 *   server cancels the reply (`response.done` cancelled), as the official client does.
 *
 * Both wrap the engines so the loop can wait for their work in flight (runtime/engines-in-flight.ts),
 * and time the session's input conditioner (µs of CPU per call).
 */
import type { InputConditioner } from '../adapters/audio/input-conditioner.js';
import { createRecordingSink } from '../adapters/audio/recording-sink.js';
import { playedFrom } from './echo-path.js';
import type { ManualClock } from '../adapters/testing/manual-clock.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { BoundEngines, EnginePool } from '../runtime/engine-pool.js';
import { openRealtimeConnection } from '../server/realtime/connection.js';
import { createSessionManager } from '../server/session-manager.js';
import { assembleSession } from '../runtime/assemble-session.js';
import type { SessionHandle } from '../runtime/session-host.js';
import { tapEnginePool } from './engine-pool-tap.js';

export interface LoopSession {
  readonly sessionId: string;
  ready(): Promise<void>;
  /** What the client's speaker played, samples `[from, from + count)` at the client's rate (silence elsewhere). */
  played(from: number, count: number): Int16Array;
  /** One microphone frame at the client's rate. */
  pushMic(frame: Int16Array): void;
  /** The session chart's state. */
  state(): string;
  /** Whether the chart is in `state` (`SessionHandle.matches`). */
  matches: SessionHandle['matches'];
  echoDelay(): ReturnType<NonNullable<InputConditioner['echoDelay']>>;
  /** Called with the input conditioner's CPU time (µs) for each microphone frame it conditions. */
  onConditioned(listener: (micros: number) => void): void;
  stop(): Promise<void>;
}

export interface LoopSessionOptions {
  pool: EnginePool;
  bus: MessageBus;
  clock: ManualClock;
  rateHz: number;
  /** Wraps the session's engines so the loop can wait for their work in flight (runtime/engines-in-flight.ts). */
  track: (engines: BoundEngines) => BoundEngines;
}

/** The session's engines tracked and its input conditioner timed. */
function instrument(
  engines: BoundEngines,
  track: LoopSessionOptions['track'],
  timed: (micros: number) => void,
): BoundEngines {
  const conditioner = engines.inputConditioner;
  const wrapped: InputConditioner | undefined = conditioner && {
    get steps() {
      return conditioner.steps;
    },
    echoDelay: () => conditioner.echoDelay?.(),
    process(audio, atMs) {
      const started = process.cpuUsage();
      const out = conditioner.process(audio, atMs);
      const used = process.cpuUsage(started);
      // What the steps kept for the stop spotter is made in the same call, and counted with it.
      timed(used.user + used.system);
      return out;
    },
    close: () => conditioner.close(),
  };
  return { ...track(engines), ...(wrapped ? { inputConditioner: wrapped } : {}) };
}

export async function openBusLoopSession({
  pool,
  bus,
  clock,
  rateHz,
  track,
}: LoopSessionOptions): Promise<LoopSession> {
  const sessionId = 'echo';
  const speaker = createRecordingSink(clock, rateHz);
  let listener = (_micros: number) => {};
  const { session, engines, release } = await assembleSession(pool, {
    sessionId,
    bus,
    clock,
    sink: speaker,
    sinkKind: 'device',
    engines: (bound) => instrument(bound, track, (m) => listener(m)),
  });
  return {
    sessionId,
    ready: () => session.ready(),
    played: playedFrom(speaker),
    pushMic: (frame) => session.pushAudio(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength), rateHz),
    state: () => session.state(),
    matches: session.matches,
    echoDelay: () => engines.inputConditioner?.echoDelay?.(),
    onConditioned: (l) => {
      listener = l;
    },
    async stop() {
      await session.stop();
      release();
    },
  };
}

export async function openRealtimeLoopSession(
  options: LoopSessionOptions & { noiseReduction: { type: 'near_field' | 'far_field' } | null },
): Promise<LoopSession> {
  const { pool, bus, clock, rateHz, track } = options;
  if (rateHz !== 24_000) throw new Error(`a Realtime client speaks 24 kHz PCM, not ${rateHz} Hz`);
  let listener = (_micros: number) => {};
  const tap = tapEnginePool(pool, (engines) => instrument(engines, track, (m) => listener(m)));
  const manager = createSessionManager({ pool: tap.pool, bus, clock, limits: { idleTimeoutMs: 24 * 3_600_000 } });
  const speaker = createRecordingSink(clock, rateHz);
  let seq = 0;
  const errors: string[] = [];
  const connection = await openRealtimeConnection({
    manager,
    bus,
    clock,
    limits: { maxEventBytes: 1 << 22, maxAudioSecondsPerSecond: 100 },
    send(event) {
      const e = event as { type: string; delta?: string; response?: { status?: string }; error?: { message?: string } };
      if (e.type === 'response.output_audio.delta' && e.delta)
        speaker.write(new Uint8Array(Buffer.from(e.delta, 'base64')), { turnId: 'client', seq: seq++ });
      // The client stops its playout when the server cancels the reply (a barge-in).
      if (e.type === 'response.done' && e.response?.status === 'cancelled') speaker.clear();
      if (e.type === 'error') errors.push(e.error?.message ?? 'error');
    },
    close: () => undefined,
  });
  connection.receive(
    JSON.stringify({
      type: 'session.update',
      session: { audio: { input: { noise_reduction: options.noiseReduction } } },
    }),
  );
  if (errors.length > 0) throw new Error(`session.update refused: ${errors.join('; ')}`);
  const { handle } = connection.session;
  return {
    sessionId: connection.session.id,
    ready: () => handle.ready(),
    played: playedFrom(speaker),
    pushMic(frame) {
      connection.receive(
        JSON.stringify({
          type: 'input_audio_buffer.append',
          audio: Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength).toString('base64'),
        }),
      );
      if (errors.length > 0) throw new Error(`append refused: ${errors.join('; ')}`);
    },
    state: () => handle.state(),
    matches: handle.matches,
    echoDelay: () => tap.engines()?.inputConditioner?.echoDelay?.(),
    onConditioned: (l) => {
      listener = l;
    },
    async stop() {
      await connection.close();
    },
  };
}
