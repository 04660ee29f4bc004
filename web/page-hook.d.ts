/**
 * The page's test hook, `window.voiceAgentPage`: what the page shows and does, kept up to date as plain
 * data for browser tests and benchmarks (`test/web/page.test.ts`, `bench/page-scenario.ts` read it with
 * Playwright). Times (`...AtMs`) are the page's `performance.now()`. A test hook, not an application API:
 * it changes with the page.
 */
export type ConnectionStatus = 'disconnected' | 'connecting' | 'connected' | 'failed';

export type MessageCode =
  | 'audio_unavailable'
  | 'microphone_denied'
  | 'microphone_unavailable'
  | 'unreachable'
  | 'api_key_required'
  | 'api_key_refused'
  | 'server_not_ready'
  | 'refused'
  | 'connection_lost'
  | 'server_closed'
  | 'server_error'
  | 'reloaded';

/** The message the page shows (one at a time; `null` when all is well). */
export interface PageMessage {
  kind: 'error' | 'warning' | 'info';
  code: MessageCode;
  text: string;
}

export interface TranscriptEntry {
  /** The user item id, the agent's response id, or `notice_<n>` for a notice. */
  id: string;
  /** `notice`: what the session said about actions (`action_confirming`, `action_refused`) or the emergency stop. */
  role: 'user' | 'agent' | 'notice';
  text: string;
  /** `pending`: still being heard or said; `interrupted`: an agent reply cut by a barge-in or a cancel. */
  status: 'pending' | 'done' | 'interrupted';
  /** Of an interrupted reply: the words the user heard, as the server counts them (`null` until known). */
  heard: string | null;
  /** Function calls (the rule policy's intents) of an agent reply, as `name(arguments)`. */
  intents: string[];
  /** The actions an agent reply asked for, as they happen (`voice_agent.action`). */
  actions: PageAction[];
  /** Of a notice: its code (`estop`, `action_confirming`, `action_refused`, …). */
  code?: string;
}

/**
 * One action as the page shows it: requested → accepted (running) → feedback* → result | failed | rejected | cancelled.
 */
export interface PageAction {
  actionId: string;
  name: string;
  /** The arguments, as `name: value` pairs. */
  arguments: string;
  status: 'requested' | 'running' | 'succeeded' | 'failed' | 'rejected' | 'cancelled';
  feedback: number;
  /** The last feedback, the result, the error or the cancel's reason, in brief. */
  detail: string;
}

/** The server's figures of a turn (`voice_agent.turn.latency`): ms from the user's end of speech. */
export type ServerTurnFigures = import('./realtime-events.js').TurnLatencyEvent;

/**
 * One turn's latency: from the end of the user's speech (the last voiced sound) — or a typed message sent —
 * to the reply's first audio played by the page, and the server's figures for the stages between.
 */
export interface TurnTiming {
  /** The server's turn id (`u3`): the reply is `resp_<turn id>`. */
  turnId: string;
  /** The user's item (`item_u3`, or the typed message's id). */
  itemId: string;
  responseId: string;
  /** What the user said (the transcript), when known. */
  words: string | null;
  startedBy: 'speech' | 'text';
  /**
   * True when `startAtMs` is the user's voice ending (the server's `audio_end_ms` on the microphone's clock), false
   * when it is `speech_stopped`'s arrival.
   */
  fromVoiceEnd: boolean;
  /** The user's voice ended, or the typed message was sent. */
  startAtMs: number;
  /** The playback worklet started the reply's first frame. */
  firstAudioAtMs: number | null;
  /**
   * `firstAudioAtMs - startAtMs`: the user's wait, to the first sample played here (the device's output latency comes
   * on top).
   */
  firstAudioMs: number | null;
  outcome: 'finished' | 'interrupted' | 'failed' | null;
  server: ServerTurnFigures | null;
}

/** The playback buffer flushed for a barge-in. */
export interface FlushRecord {
  /** `estop`: the page's emergency stop (button or Esc) silenced it before the server answered. */
  reason: 'speech_started' | 'cancelled' | 'estop';
  responseId: string;
  itemId: string;
  /** When the page asked the worklet to flush (the event arrived). */
  requestedAtMs: number;
  /** When the worklet confirmed: from its next render quantum on, it outputs silence. */
  silentAtMs: number;
  /** How much of the item's audio had been played (the truncate's `audio_end_ms`). */
  playedMs: number;
}

export interface StateRecord {
  atMs: number;
  value: string;
  cause: string;
  turnId: string;
}

export interface PageHook {
  status: ConnectionStatus;
  message: PageMessage | null;
  /** Every server event but the audio and mouth events (counted in `playback`), last 500. */
  events: Array<{ atMs: number; type: string }>;
  state: StateRecord | null;
  /** The session chart's states, last 200. */
  states: StateRecord[];
  transcript: TranscriptEntry[];
  turns: TurnTiming[];
  /** Emergency stops the page sent (`voice_agent.estop`), by the button or Esc, last 50. */
  estops: Array<{ atMs: number; via: 'button' | 'key' }>;
  playback: {
    /** The worklet is outputting audio (not drained, not flushed). */
    playing: boolean;
    sampleRateHz: number;
    outputLatencyMs: number;
    /** Frames posted to the worklet / started by it / dropped by a flush. */
    framesQueued: number;
    framesPlayed: number;
    framesFlushed: number;
    flushes: FlushRecord[];
    /** Per reply, the frames the worklet started and when the first and the last started, last 50. */
    replies: Array<{ responseId: string; frames: number; firstAtMs: number; lastAtMs: number }>;
  };
  microphone: {
    active: boolean;
    sampleRateHz: number;
    /** RMS of the last 20 ms chunk, 0–1. */
    level: number;
    chunksSent: number;
    /** When the microphone went from quiet to loud (the first loud sample), last 100. */
    onsetsAtMs: number[];
  };
  mouth: { level: number; viseme: string | null; updates: number };
}
