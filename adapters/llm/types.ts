/** Streaming text generation (an LLM or a deterministic dialog policy). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * A tool (function) call or an intent decided by the engine. The LLM actor publishes it on the bus as
 * `llm.tool_call` and, for intents, on `<prefix>.<sessionId>.intent.<name>` so a robot controller can act.
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
