/**
 * `serve` on the fake engines with an OpenAI-compatible chat server as its LLM (chat-fixture.ts) and no
 * declared actions: what the Realtime tests talk to when the LLM's answers and tool calls matter.
 */
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { startChatFixture, type ChatFixture } from './chat-fixture.js';
import { FAKE_ENGINES } from './fake-config.js';

export interface ChatServed {
  chat: ChatFixture;
  server: VoiceAgentServer;
  close(): Promise<void>;
}

/** `overrides` go on top (`server` merged with the test defaults: any port, a 200 ms drain). */
export async function serveOnChatFixture(
  overrides: { server?: Record<string, unknown>; [key: string]: unknown } = {},
): Promise<ChatServed> {
  const chat = await startChatFixture();
  const { server: serverOverrides, ...rest } = overrides;
  const config = loadConfig({
    overrides: {
      ...FAKE_ENGINES,
      llm: { engine: 'openai', baseUrl: chat.baseUrl, model: 'test-model' },
      actions: { path: null },
      ...rest,
      server: { port: 0, drainTimeoutMs: 200, ...serverOverrides },
    },
  });
  const server = await serve({ config, log: silentLogger });
  return {
    chat,
    server,
    close: async () => {
      await server.stop();
      await chat.close();
    },
  };
}
