/**
 * `@openai/agents-realtime` (OpenAI's Agents SDK, Node transport over `ws`) as a client of `voice-agent
 * serve`: a typed turn is answered with audio, the rule policy's intent reaches the agent as a call of
 * its own tool, and the tool's result is accepted.
 */
import { RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../server/config.js';
import { silentLogger } from '../../server/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';

const API_KEY = 'agents-key-0123456789';
let server: VoiceAgentServer;

beforeAll(async () => {
  // The local stack's rule policy (intents) and flite; the rest as configured by default.
  server = await serve({ config: loadConfig({ overrides: { server: { port: 0, apiKeys: [API_KEY], drainTimeoutMs: 200 } } }), log: silentLogger });
}, 60_000);
afterAll(() => server?.stop());

describe('Agents SDK client', () => {
  it('talks to the server: audio reply, intent as a tool call, tool output accepted', async () => {
    const navigated: string[] = [];
    const navigate = tool({
      name: 'navigate',
      description: 'Drive the robot to a place',
      parameters: z.object({ place: z.string() }),
      execute: async ({ place }) => {
        navigated.push(place);
        return `arrived at the ${place}`;
      },
    });
    const agent = new RealtimeAgent({ name: 'robot', instructions: 'You are a robot.', tools: [navigate] });
    const session = new RealtimeSession(agent, { transport: 'websocket', model: 'voice-agent' });
    const errors: unknown[] = [];
    let audioBytes = 0;
    session.on('error', (e) => errors.push(e.error));
    session.on('audio', (e) => (audioBytes += e.data.byteLength));
    await session.connect({ apiKey: API_KEY, url: `${server.http.url.replace(/^http/, 'ws')}/v1/realtime` });
    session.sendMessage('go to the kitchen');
    const deadline = Date.now() + 15_000;
    const assistantText = () =>
      session.history.flatMap((i) => (i.type === 'message' && i.role === 'assistant' ? i.content.map((c) => ('transcript' in c ? c.transcript : '')) : [])).join(' ');
    while ((navigated.length === 0 || !assistantText().includes('kitchen') || audioBytes === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    session.close();
    expect(navigated).toEqual(['kitchen']);
    expect(assistantText()).toContain('Going to the kitchen.');
    expect(audioBytes).toBeGreaterThan(24_000 * 2 * 0.3); // > 300 ms of 24 kHz pcm16
    expect(errors).toEqual([]);
  }, 30_000);
});
