/**
 * `@openai/agents-realtime` (OpenAI's Agents SDK, Node transport over `ws`) as a client of `voice-agent
 * serve`, whose LLM is an OpenAI-compatible chat server that calls tools (test/support/chat-fixture.ts):
 * the agent's own `tool()` is offered to the LLM, the LLM's call reaches the SDK, which runs the tool
 * itself and sends its `function_call_output` and `response.create`; the follow-up reply is spoken.
 */
import { RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatFixture } from '../support/chat-fixture.js';
import { serveOnChatFixture, type ChatServed } from '../support/chat-served.js';
import type { VoiceAgentServer } from '../../server/serve.js';
import { z } from 'zod';
import { until } from '../support/until.js';

const API_KEY = 'agents-key-0123456789';
let chat: ChatFixture;
let server: VoiceAgentServer;

let served: ChatServed;
beforeAll(async () => {
  served = await serveOnChatFixture({ server: { apiKeys: [API_KEY] } });
  ({ chat, server } = served);
}, 60_000);
afterAll(() => served?.close());

describe('Agents SDK client', () => {
  it(
    'a tool round trip: the SDK runs its own tool on the call, sends the output, and the follow-up is ' + 'spoken',
    async () => {
      const navigated: string[] = [];
      const navigate = tool({
        name: 'navigate',
        description: 'Drive the robot to a place',
        parameters: z.object({ place: z.string() }),
        execute: async ({ place }) => {
          navigated.push(place);
          // What the model says once it has the tool's output.
          chat.behave({ tokens: ['Arrived', ' at the', ` ${place}.`] });
          return `arrived at the ${place}`;
        },
      });
      const agent = new RealtimeAgent({ name: 'robot', instructions: 'You are a robot.', tools: [navigate] });
      const session = new RealtimeSession(agent, { transport: 'websocket', model: 'voice-agent' });
      const errors: unknown[] = [];
      let audioBytes = 0;
      session.on('error', (e) => errors.push(e.error));
      session.on('audio', (e) => (audioBytes += e.data.byteLength));
      chat.behave({
        tokens: ['Going', ' to the kitchen.'],
        toolCall: { id: 'call_sdk_1', name: 'navigate', argumentFragments: ['{"place":"kitchen"}'] },
      });
      await session.connect({ apiKey: API_KEY, url: `${server.http.url.replace(/^http/, 'ws')}/v1/realtime` });
      session.sendMessage('go to the kitchen');
      const assistantText = () =>
        session.history
          .flatMap((i) =>
            i.type === 'message' && i.role === 'assistant'
              ? i.content.map((c) => ('transcript' in c ? c.transcript : ''))
              : [],
          )
          .join(' ');
      try {
        await until(
          'the follow-up spoken',
          () => navigated.length > 0 && assistantText().includes('Arrived at the kitchen.'),
          {
            detail: () => `history: ${assistantText()}; errors: ${JSON.stringify(errors)}`,
          },
        );
      } finally {
        session.close();
      }
      expect(navigated).toEqual(['kitchen']);
      expect(JSON.stringify(chat.requests[0]!.body.tools)).toContain('"navigate"');
      // The follow-up request holds the call and the SDK's output.
      expect(JSON.stringify(chat.requests.at(-1)!.body.messages)).toContain('arrived at the kitchen');
      const toolItem = session.history.find((i) => i.type === 'function_call');
      expect(toolItem).toMatchObject({ name: 'navigate', status: 'completed', output: 'arrived at the kitchen' });
      expect(audioBytes).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    },
    30_000,
  );
});
