/** Streaming text generation (an LLM or a deterministic dialog policy). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmRequest {
  messages: ChatMessage[];
  /** Aborted on barge-in: the engine must stop generating, not only stop yielding. */
  signal: AbortSignal;
}

export interface LlmEngine {
  readonly name: string;
  /** Yields text deltas (tokens) in order. */
  stream(request: LlmRequest): AsyncIterable<string>;
}
