/**
 * What a session brings to the engine pool, and what it takes away: the two halves of
 * `EnginePool.bind`, apart so the session assembly can name them without the pool.
 *
 * @example
 * const engines: BoundEngines = await pool.bind({ sessionId: 's1', bus, sink });
 */
import type { InputSwitches } from '../adapters/audio/input-conditioner.js';
import type { AudioSink } from '../adapters/audio/sink.js';
import type { SessionEngines } from '../actors/deps.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { SinkKind } from './runtime-options.js';

export interface SessionBinding {
  sessionId: string;
  bus: MessageBus;
  sink: AudioSink;
  /** Where the sink's audio is heard (decides `audio.echoCancel: "auto"`); default `device`. */
  sinkKind?: SinkKind;
  /**
   * Steps the client switches for its own session (a Realtime client's `noise_reduction`): with
   * `audio.echoCancel: "auto"` its echo switch decides echo cancellation, and RNNoise runs when either
   * the config or the client asks for it. The config's `on` / `off` win.
   */
  inputSwitches?: InputSwitches;
}

export interface BoundEngines extends SessionEngines {
  /** Frees the session's own parts (its VAD detector, its input conditioner); the shared engines stay. */
  release(): void;
}
