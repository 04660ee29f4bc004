/**
 * The one place a session is put together and started. Every entry point comes through here: `serve`
 * (the session manager), `run` (run-audio.ts), `live` (live-session.ts), `demo`, the library's
 * `createAgent` and the benches. The engines come from a {@link SessionRuntime}: the engine pool
 * `buildEngines(config, { clock })` gives (shared engines, each session's own VAD, input conditioner and
 * `remote` engines bound to it, and the runtime options the configuration makes), or engines given as
 * they are ({@link givenEngines}: the fakes of the demo, the library and the benches). What a site needs
 * to differ — another LLM, a wrapped input conditioner, a bench's fakes — it says with an option here,
 * so the binding, the chart's options and the release are the same everywhere.
 *
 * @example
 * ```ts
 * const pool = buildEngines(loadConfig({ env: process.env }), { clock: systemClock });
 * await pool.warmUp();
 * const { session, release } = await assembleSession(pool, {
 *   sessionId: 's1',
 *   bus,
 *   clock: systemClock,
 *   sink,
 *   sinkKind: 'device',
 * });
 * await session.ready();
 * // … when the session ends
 * await session.stop();
 * release();
 * ```
 */
import type { InputSwitches } from '../adapters/audio/input-conditioner.js';
import type { AudioSink } from '../adapters/audio/sink.js';
import type { SessionConfigInput } from '../machines/config.js';
import type { BoundEngines, SessionBinding } from './session-binding.js';
import type { SinkKind } from './runtime-options.js';
import { startSession, type SessionEngines, type SessionHandle, type StartSessionOptions } from './session-host.js';

/** The chart's and the stage actors' options a runtime gives its sessions (none: their defaults). */
export interface SessionRuntimeOptions {
  config?: SessionConfigInput;
  pipeline?: StartSessionOptions['pipeline'];
}

/** Where a session's engines and options come from: an `EnginePool`, or {@link givenEngines}. */
export interface SessionRuntime {
  readonly runtime: SessionRuntimeOptions;
  /** One session's engines, writing to the binding's sink; `release` frees what is the session's own. */
  bind(binding: SessionBinding): Promise<BoundEngines>;
}

/**
 * A runtime of engines given as they are (fakes, or engines a bench builds by hand): every session gets
 * these very engines with its own sink, on the chart's and the actors' defaults, and nothing to release.
 */
export function givenEngines(engines: Omit<SessionEngines, 'sink'>): SessionRuntime {
  return { runtime: {}, bind: ({ sink }) => Promise.resolve({ ...engines, sink, release: () => undefined }) };
}

export interface AssembleSessionOptions extends Pick<
  StartSessionOptions,
  'sessionId' | 'bus' | 'clock' | 'inspect' | 'publishState' | 'attach'
> {
  /** Where the session's speech goes. */
  sink: AudioSink;
  /** Where the sink's audio is heard (decides `audio.echoCancel: "auto"`); default `device`. */
  sinkKind?: SinkKind;
  /** The client's own switches of the microphone's steps (a Realtime client's `noise_reduction`). */
  inputSwitches?: InputSwitches;
  /** The chart's settings instead of the runtime's: spread `runtime.runtime.config` to change a few. */
  config?: SessionConfigInput;
  /** The stage actors' options instead of the runtime's. */
  pipeline?: StartSessionOptions['pipeline'];
  /**
   * The engines the session runs on, made from the bound ones: another LLM (the library's rule policy),
   * a wrapped input conditioner (`live`'s capture stamps), a bench's fakes. Default: the bound engines.
   */
  engines?: (bound: BoundEngines) => SessionEngines;
}

export interface AssembledSession {
  readonly session: SessionHandle;
  /** What the session runs on (after the `engines` option). */
  readonly engines: SessionEngines;
  /** Frees the session's own engine parts (its VAD, its input conditioner); call after `session.stop()`. */
  release(): void;
}

/**
 * Binds the runtime's engines for one session and starts its chart on them; resolves once started (not yet `ready`).
 */
export async function assembleSession(
  runtime: SessionRuntime,
  options: AssembleSessionOptions,
): Promise<AssembledSession> {
  const { sessionId, bus, clock, sink, sinkKind, inputSwitches } = options;
  const bound = await runtime.bind({
    sessionId,
    bus,
    sink,
    ...(sinkKind ? { sinkKind } : {}),
    ...(inputSwitches ? { inputSwitches } : {}),
  });
  try {
    const engines = options.engines ? options.engines(bound) : bound;
    const session = startSession({
      sessionId,
      bus,
      clock,
      engines,
      ...runtime.runtime,
      ...(options.config ? { config: options.config } : {}),
      ...(options.pipeline ? { pipeline: options.pipeline } : {}),
      ...(options.publishState !== undefined ? { publishState: options.publishState } : {}),
      ...(options.inspect ? { inspect: options.inspect } : {}),
      ...(options.attach ? { attach: options.attach } : {}),
    });
    return { session, engines, release: bound.release };
  } catch (error) {
    // A chart that could not start holds the session's engine parts all the same.
    bound.release();
    throw error;
  }
}
