/**
 * OpenAI-compatible streaming chat (`openai` package): OpenAI, Ollama (`/v1`), llama.cpp server, vLLM, ….
 * One client per engine keeps its HTTP connections alive across turns; the request's AbortSignal goes to
 * the SDK, so a barge-in closes the connection and the server stops generating. Tool calls streamed in
 * fragments are assembled and yielded whole.
 *
 * @example
 * ```ts
 * const llm = createOpenAiLlm({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2' });
 * ```
 */
import type OpenAI from 'openai';
import { EngineError } from '../engine-error.js';
import {
  createOpenAiClient,
  describeServiceError,
  isRetryableServiceError,
  type OpenAiEndpoint,
} from '../openai/client.js';
import type { ChatMessage, LlmDelta, LlmEngine, ToolChoice, ToolDefinition } from './types.js';

export interface OpenAiLlmOptions extends OpenAiEndpoint {
  model: string;
  /** Why 0.3: short, predictable spoken answers. */
  temperature?: number;
  /** Why 256: a spoken answer is a few sentences. */
  maxTokens?: number;
}

type OpenAiMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** The chat history in the OpenAI wire shape: assistant tool calls and tool results included. */
export function toOpenAiMessages(messages: ChatMessage[]): OpenAiMessage[] {
  return messages.map((m): OpenAiMessage => {
    if (m.role === 'tool') return { role: 'tool', tool_call_id: m.toolCallId, content: m.content };
    if (m.role === 'assistant' && m.toolCalls?.length) {
      return {
        role: 'assistant',
        content: m.content || null,
        tool_calls: m.toolCalls.map((c) => ({
          id: c.id,
          type: 'function' as const,
          function: { name: c.name, arguments: c.arguments },
        })),
      };
    }
    return { role: m.role, content: m.content };
  });
}

/** The tools and the choice in the OpenAI wire shape. */
export function toOpenAiTools(tools: ToolDefinition[] | undefined, toolChoice: ToolChoice | undefined) {
  if (!tools?.length) return {};
  return {
    tools: tools.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, description: t.description, parameters: t.parameters },
    })),
    ...(toolChoice
      ? {
          tool_choice:
            typeof toolChoice === 'string'
              ? toolChoice
              : { type: 'function' as const, function: { name: toolChoice.name } },
        }
      : {}),
  };
}

/** The server could not be reached or refused the request; the message names the URL and the fix. */
export class LlmServiceError extends EngineError {
  override name = 'LlmServiceError';
}

export function createOpenAiLlm(options: OpenAiLlmOptions): LlmEngine {
  const client = createOpenAiClient(options);
  const describe = (error: unknown) =>
    new LlmServiceError(
      describeServiceError(
        error,
        'LLM server',
        options.baseUrl,
        `check the model name "${options.model}" and the API key`,
        'llm.baseUrl',
      ),
      {
        cause: error,
        retryable: isRetryableServiceError(error),
      },
    );
  return {
    name: `openai(${options.model})`,
    async warmUp() {
      try {
        await client.models.list();
      } catch (error) {
        throw describe(error);
      }
    },
    async *stream({ messages, signal, tools, toolChoice }): AsyncGenerator<LlmDelta> {
      let stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>;
      try {
        stream = await client.chat.completions.create(
          {
            model: options.model,
            messages: toOpenAiMessages(messages),
            stream: true,
            temperature: options.temperature ?? 0.3,
            max_tokens: options.maxTokens ?? 256,
            ...toOpenAiTools(tools, toolChoice),
          },
          { signal },
        );
      } catch (error) {
        if (signal.aborted) return;
        throw describe(error);
      }
      const calls = new Map<number, { id: string; name: string; arguments: string }>();
      const flushCalls = function* (): Generator<LlmDelta> {
        for (const call of [...calls.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c))
          yield { type: 'tool_call', ...call };
        calls.clear();
      };
      try {
        for await (const chunk of stream) {
          const choice = chunk.choices[0];
          if (!choice) continue;
          if (choice.delta?.content) yield choice.delta.content;
          for (const fragment of choice.delta?.tool_calls ?? []) {
            const call = calls.get(fragment.index) ?? { id: '', name: '', arguments: '' };
            call.id ||= fragment.id ?? '';
            call.name += fragment.function?.name ?? '';
            call.arguments += fragment.function?.arguments ?? '';
            calls.set(fragment.index, call);
          }
          if (choice.finish_reason) yield* flushCalls();
        }
      } catch (error) {
        if (signal.aborted) return;
        throw describe(error);
      }
      yield* flushCalls();
    },
  };
}
