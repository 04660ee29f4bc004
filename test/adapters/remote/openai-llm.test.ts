import { afterEach, describe, expect, it } from 'vitest';
import { createOpenAiLlm, LlmServiceError } from '../../../adapters/llm/openai.js';
import type { LlmDelta } from '../../../adapters/llm/types.js';
import { startChatFixture, type ChatFixture } from '../../support/chat-fixture.js';

let fixture: ChatFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

const messages = [{ role: 'user' as const, content: 'hi' }];
async function collect(stream: AsyncIterable<LlmDelta>, onDelta?: (d: LlmDelta, n: number) => void) {
  const out: LlmDelta[] = [];
  for await (const d of stream) {
    out.push(d);
    onDelta?.(d, out.length);
  }
  return out;
}

describe('OpenAI-compatible LLM', () => {
  it('streams tokens in order with the configured sampling, over one kept-alive connection', async () => {
    fixture = await startChatFixture({ tokens: ['Hello', ' there', '.'] });
    const llm = createOpenAiLlm({ baseUrl: fixture.baseUrl, model: 'test-model' });
    for (let i = 0; i < 6; i++)
      expect(await collect(llm.stream({ messages, signal: new AbortController().signal }))).toEqual([
        'Hello',
        ' there',
        '.',
      ]);
    expect(fixture.requests[0]!.body).toMatchObject({
      model: 'test-model',
      stream: true,
      temperature: 0.3,
      max_tokens: 256,
      messages,
    });
    // Keep-alive: connections are reused (a socket still finishing its previous body may force a new one).
    expect(fixture.connections).toBeLessThanOrEqual(3);
  });

  it('assembles tool calls streamed in fragments', async () => {
    fixture = await startChatFixture({
      tokens: ['Moving.'],
      toolCall: { id: 'call_1', name: 'move', argumentFragments: ['{"direc', 'tion":"forward"', '}'] },
    });
    const llm = createOpenAiLlm({ baseUrl: fixture.baseUrl, model: 'test-model' });
    expect(await collect(llm.stream({ messages, signal: new AbortController().signal }))).toEqual([
      'Moving.',
      { type: 'tool_call', id: 'call_1', name: 'move', arguments: '{"direction":"forward"}' },
    ]);
  });

  it('abort closes the connection, so the server stops generating', async () => {
    fixture = await startChatFixture({ tokens: Array.from({ length: 50 }, (_, i) => ` t${i}`), tokenDelayMs: 20 });
    const llm = createOpenAiLlm({ baseUrl: fixture.baseUrl, model: 'test-model' });
    const controller = new AbortController();
    const got = await collect(
      llm.stream({ messages, signal: controller.signal }),
      (_, n) => n === 3 && controller.abort(),
    );
    expect(got).toHaveLength(3);
    for (let i = 0; i < 100 && !fixture.requests[0]!.closedEarly; i++) await new Promise((r) => setTimeout(r, 10));
    expect(fixture.requests[0]!.closedEarly).toBe(true);
    expect(fixture.requests[0]!.sent).toBeLessThan(20);
  });

  it('errors name the server and the fix', async () => {
    fixture = await startChatFixture({ status: 404 });
    const llm = createOpenAiLlm({ baseUrl: fixture.baseUrl, model: 'nope' });
    await expect(collect(llm.stream({ messages, signal: new AbortController().signal }))).rejects.toThrow(
      /answered 404 .*check the model name "nope"/,
    );
    const down = createOpenAiLlm({ baseUrl: 'http://127.0.0.1:9/v1', model: 'm' });
    await expect(collect(down.stream({ messages, signal: new AbortController().signal }))).rejects.toThrow(
      LlmServiceError,
    );
    await expect(down.warmUp!()).rejects.toThrow(/is unreachable .*is it running\?/);
  });
});
