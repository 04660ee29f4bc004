/**
 * A fake LLM the test steers token by token (model-based and randomized tests): nothing happens until
 * the test calls `emit`, `finish` or `fail`, so every interleaving can be produced on purpose.
 */
import { createChannel, type Channel } from '../../channel.js';
import type { ChatMessage, LlmDelta, LlmEngine, LlmToolCall, ToolChoice, ToolDefinition } from '../types.js';

export interface ControlledLlmRequest {
  messages: ChatMessage[];
  signal: AbortSignal;
  channel: Channel<LlmDelta>;
  tokens: string[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
}

export interface ControlledLlm extends LlmEngine {
  readonly requests: ControlledLlmRequest[];
  /** The newest request that is neither aborted nor closed. */
  active(): ControlledLlmRequest | undefined;
  emit(token: string): boolean;
  /** The model calls a tool (`arguments`: the JSON text a model would produce). */
  emitToolCall(call: Omit<LlmToolCall, 'type'>): boolean;
  finish(): boolean;
  fail(message: string): boolean;
}

export function createControlledLlm(name = 'controlled-llm'): ControlledLlm {
  const requests: ControlledLlmRequest[] = [];
  const active = () => [...requests].reverse().find((r) => !r.signal.aborted && !r.channel.closed);
  return {
    name,
    requests,
    active,
    stream({ messages, signal, tools, toolChoice }) {
      const channel = createChannel<LlmDelta>(signal);
      requests.push({
        messages,
        signal,
        channel,
        tokens: [],
        ...(tools ? { tools } : {}),
        ...(toolChoice ? { toolChoice } : {}),
      });
      return channel;
    },
    emitToolCall(call) {
      const r = active();
      r?.channel.push({ type: 'tool_call', ...call });
      return r !== undefined;
    },
    emit(token) {
      const r = active();
      if (!r) return false;
      r.tokens.push(token);
      r.channel.push(token);
      return true;
    },
    finish() {
      const r = active();
      r?.channel.close();
      return r !== undefined;
    },
    fail(message) {
      const r = active();
      r?.channel.fail(new Error(message));
      return r !== undefined;
    },
  };
}
