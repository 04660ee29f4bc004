/**
 * What the session gives each child actor when it spawns it: plain data only, so the same actor can
 * run in this process or behind the bus in another one.
 */
import type { ChatMessage, ToolChoice, ToolDefinition } from '../adapters/llm/types.js';

export interface VadActorInput {
  sessionId: string;
}

/**
 * Commands the session sends its VAD child (adaptive end of turn): `end` ends the utterance in progress
 * now (the transcript is a complete command, no need to wait for the full silence); `continue` numbers the
 * rest of the utterance in progress as a new turn (a reply guessed from its first part was discarded).
 */
export type VadCommand = { type: 'end' } | { type: 'continue' };

/** STT lives as long as the session and transcribes every utterance the VAD announces. */
export interface SttActorInput {
  sessionId: string;
}

export interface LlmActorInput {
  sessionId: string;
  turnId: string;
  messages: ChatMessage[];
  /** The tools the LLM may call this turn: the declared actions and the client's tools. */
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /**
   * A reply started before the user was surely done (adaptive end of turn): tokens and clauses flow as
   * usual, but tool calls wait for `commit` — a discarded guess never moves the robot.
   */
  speculative?: boolean;
}

export interface TtsActorInput {
  sessionId: string;
  turnId: string;
  /** SAY turns: speak this text instead of the LLM's clauses. */
  say?: string;
  /** The session's voice (set by `control.configure`); absent: the configured default. */
  voice?: string;
  /** The reply's language (the user's, as the STT detected it); absent: the session's main language. */
  language?: string;
}

export interface PlaybackActorInput {
  sessionId: string;
  turnId: string;
  /** A speculative reply: audio is kept, not played, until `commit` — a discarded guess is never heard. */
  held?: boolean;
}

/** Events the session sends to its STT child: stop transcribing an utterance it no longer needs. */
export type SttCommand = { type: 'cancel'; turnId: string };

/** Events the session sends to its TTS child (in-process commands, mirrored on the bus by the actor). */
export type TtsCommand = { type: 'filler'; text: string } | { type: 'fallback'; reason: string };

/** The session confirms a speculative reply: the LLM publishes the tool calls it held, playback starts. */
export type CommitCommand = { type: 'commit' };
