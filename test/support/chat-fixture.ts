/**
 * A local server speaking the OpenAI chat-completions streaming protocol (SSE chunks exactly as OpenAI
 * sends them), for adapter tests without a network: tokens with a delay, tool calls in fragments, error
 * statuses, and a record of connections and requests that the client abandoned.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatFixtureBehaviour {
  tokens?: string[];
  tokenDelayMs?: number;
  toolCall?: { id: string; name: string; argumentFragments: string[] };
  status?: number;
}

export interface ChatFixture {
  baseUrl: string;
  connections: number;
  requests: Array<{ body: Record<string, unknown>; closedEarly: boolean; sent: number }>;
  behave(b: ChatFixtureBehaviour): void;
  close(): Promise<void>;
}

export async function startChatFixture(initial: ChatFixtureBehaviour = {}): Promise<ChatFixture> {
  let behaviour = initial;
  const fixture = { connections: 0, requests: [] as ChatFixture['requests'] };
  const server: Server = createServer((req, res) => {
    if (req.url?.endsWith('/models'))
      return res.end(JSON.stringify({ object: 'list', data: [{ id: 'test-model', object: 'model' }] }));
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', async () => {
      const record = { body: JSON.parse(raw) as Record<string, unknown>, closedEarly: false, sent: 0 };
      fixture.requests.push(record);
      if (behaviour.status) {
        res.writeHead(behaviour.status, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: 'model not found', type: 'invalid_request_error' } }));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.on('close', () => {
        if (!res.writableFinished) record.closedEarly = true;
      });
      const chunk = (delta: object, finish: string | null = null) =>
        `data: ${JSON.stringify({
          id: 'c1',
          object: 'chat.completion.chunk',
          created: 0,
          model: 'test-model',
          choices: [{ index: 0, delta, finish_reason: finish }],
        })}\n\n`;
      const send = async (text: string) => {
        if (record.closedEarly || res.destroyed) return false;
        res.write(text);
        record.sent++;
        if (behaviour.tokenDelayMs) await new Promise((r) => setTimeout(r, behaviour.tokenDelayMs));
        return !record.closedEarly;
      };
      await send(chunk({ role: 'assistant', content: '' }));
      for (const token of behaviour.tokens ?? []) if (!(await send(chunk({ content: token })))) return;
      if (behaviour.toolCall) {
        const { id, name, argumentFragments } = behaviour.toolCall;
        await send(chunk({ tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: '' } }] }));
        for (const fragment of argumentFragments)
          await send(chunk({ tool_calls: [{ index: 0, function: { arguments: fragment } }] }));
      }
      await send(chunk({}, behaviour.toolCall ? 'tool_calls' : 'stop'));
      if (!res.destroyed) res.end('data: [DONE]\n\n');
    });
  });
  server.on('connection', () => fixture.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(fixture, {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    behave: (b: ChatFixtureBehaviour) => void (behaviour = b),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
