/**
 * What `runLive` (live-session.ts) takes and gives: the devices and the session's config in, what the
 * sound server said and the session's turns and history out.
 *
 * @example
 * ```ts
 * const options: LiveOptions = { config, input: 'room.monitor', signal: controller.signal };
 * ```
 */
import type { ConditionerFeed } from '../adapters/audio/conditioner-feed.js';
import type { SoundServer } from '../adapters/audio/sound-server.js';
import type { Clock } from '../adapters/clock.js';
import type { MessageBus } from '../bus/message-bus.js';
import type { TurnTimeline } from '../bus/messages.js';
import type { SessionConfig } from '../machines/config.js';
import type { HistoryEntry } from '../machines/events.js';
import type { AppConfig } from './config.js';
import type { StartSessionOptions } from './session-host.js';

export interface LiveOptions {
  config: AppConfig;
  /** Source (pulse) or device (ALSA) to record from; default: the server's default input. */
  input?: string;
  output?: string;
  /** Ends the session. */
  signal: AbortSignal;
  sessionId?: string;
  /**
   * The speaker's buffer asked of the server (`pacat --latency-msec`). Why 80 ms: above the sink's 60 ms lead, so
   * nothing waits in the pipe (see docs/live.md).
   */
  playbackLatencyMs?: number;
  /** The microphone's (`parec --latency-msec`). Why 20 ms: one pipeline frame. */
  captureLatencyMs?: number;
  /** The sound server's `module-echo-cancel` on the devices instead of the session's own canceller (pulse only). */
  echoCancelModule?: boolean;
  /** How far ahead of time the sink hands audio to the client (sound-server-sink.ts). */
  leadMs?: number;
  /** Lines for the terminal: the devices, what the user and the agent said, errors. */
  onLine?: (line: string) => void;
  /** An observer of the chart, made with the session's bus and clock (the bench's recorder). */
  attach?: (world: { bus: MessageBus; clock: Clock }) => NonNullable<StartSessionOptions['attach']>;
  /** Called once the session listens (devices open, engines warm). */
  onReady?: (info: LiveInfo) => void;
  /**
   * Filled as the session runs with what its input conditioner is given from the sound server's clocks
   * (capture stamps, the speaker's play positions, the echo return, the echo path's moves), for a
   * recording that `voice-agent check` re-runs (adapters/audio/conditioner-feed.ts).
   */
  conditionerFeed?: ConditionerFeed;
}

export interface LiveInfo {
  server: SoundServer;
  input: string;
  output: string;
  echoCancel: boolean;
  /** The echo is cancelled by the sound server's module (`input`/`output` are then its virtual pair's masters). */
  echoCancelModule: boolean;
}

export interface LiveResult {
  info: LiveInfo;
  /** Times on the session clock (performance.now); rebase on `startedAtMs`. */
  turns: TurnTimeline[];
  history: readonly HistoryEntry[];
  startedAtMs: number;
  endedAtMs: number;
  /** The microphone's stamp shift last applied (the speaker's queue + capture latency as reported), ms. */
  echoShiftMs: number;
  /** The server's reported playback latency (median of the last reports), ms. */
  playbackLatencyMs: number;
  /** Audio written but not yet played (pipe + server + device), from the stream's playing position, ms. */
  queuedMs: number;
  /** Speaker frames dropped after event-loop stalls (the device had played silence in their place). */
  droppedFrames: number;
  captureLatencyMs: number;
  /** The echo step's own alignment after the shift (its delay estimate, how often it moved). */
  echoDelay?: { alignedMs: number; estimatedMs: number | undefined; moves: number };
  /** Speaker underruns since the session started listening. */
  underruns: number;
  /** Why the session ended: `signal`, or the client failure's message. */
  endedBy: string;
  sessionConfig: SessionConfig;
}
