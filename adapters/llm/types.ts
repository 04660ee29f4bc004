/** Streaming text generation (an LLM or a deterministic dialog policy). */
import type { z } from 'zod';
import type { ChatMessageSchema, ToolChoice, ToolDefinition } from '../../bus/messages.js';

export type { ToolChoice, ToolDefinition } from '../../bus/messages.js';
/** One chat message: system, user, assistant (with the tool calls it made) or a tool's result. */
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

/**
 * A tool (function) call decided by the engine. The LLM actor publishes it as `llm.tool_call`; the session
 * chart checks it against the declared actions and asks for the action (`action.request`).
 */
export interface LlmToolCall {
  type: 'tool_call';
  id: string;
  name: string;
  /** JSON-encoded arguments, as the model produced them. */
  arguments: string;
}

/** What an engine yields: text deltas (tokens) and tool calls, in order. */
export type LlmDelta = string | LlmToolCall;

export interface LlmRequest {
  messages: ChatMessage[];
  /** Aborted on barge-in: the engine must stop generating, not only stop yielding. */
  signal: AbortSignal;
  /** The tools the engine may call: the declared actions and the client's tools. */
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
}

export interface LlmEngine {
  readonly name: string;
  stream(request: LlmRequest): AsyncIterable<LlmDelta>;
  /** Optional: open connections / load models before the first turn. */
  warmUp?(): Promise<void>;
}

export function isToolCall(delta: LlmDelta): delta is LlmToolCall {
  return typeof delta !== 'string';
}
