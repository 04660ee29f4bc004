/**
 * Admission at `server.capacity`: with capacity 2, the third Realtime client (the `openai` package's own)
 * gets one `error` event in OpenAI's shape (`server_at_capacity`) and its socket closed, never a session;
 * the first two keep answering typed turns; `/metrics` counts the refusal and shows the capacity, and
 * `/healthz` reports the capacity beside the sessions. When one of the two leaves, a new client is
 * admitted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';
import { connectRealtimeClient, type RealtimeTestClient } from '../support/realtime-client.js';
import { makeTestCertificate, type TestCertificate } from '../support/tls.js';

const API_KEY = 'test-key-capacity-0123456789';
let server: VoiceAgentServer;
let tls: TestCertificate;
const clients: RealtimeTestClient[] = [];

beforeAll(async () => {
  // Over TLS: the `openai` client dials `wss://` only.
  tls = makeTestCertificate();
  const config = loadConfig({
    overrides: {
      ...FAKE_ENGINES,
      server: {
        port: 0,
        apiKeys: [API_KEY],
        capacity: 2,
        drainTimeoutMs: 200,
        tls: { certPath: tls.certPath, keyPath: tls.keyPath },
      },
    },
  });
  server = await serve({ config, log: silentLogger });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stop();
});

const connect = async () => {
  const client = await connectRealtimeClient({ baseURL: `${server.http.url}/v1`, apiKey: API_KEY, ca: tls.ca });
  clients.push(client);
  return client;
};

const get = async (path: string) => {
  const { request } = await import('node:https');
  return new Promise<string>((resolve, reject) => {
    const req = request(
      `${server.http.url}${path}`,
      { ca: tls.ca, headers: { authorization: `Bearer ${API_KEY}` } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += String(chunk)));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end();
  });
};

/** A typed turn answered with audio: the client's session works. */
async function typedTurn(client: RealtimeTestClient, text: string) {
  const before = client.ofType('response.done').length;
  client.send({
    type: 'conversation.item.create',
    item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
  });
  client.send({ type: 'response.create' });
  await client.waitFor('response.done', (e) => client.ofType('response.done').indexOf(e) >= before);
  const done = client.ofType('response.done')[before]!;
  expect(client.ofType('response.output_audio.delta').some((d) => d.response_id === done.response.id)).toBe(true);
}

describe('admission at server.capacity', () => {
  it('refuses the third client with an error event; the first two keep working', async () => {
    const first = await connect();
    const second = await connect();
    const [a, b] = await Promise.all([first.waitFor('session.created'), second.waitFor('session.created')]);
    const id = (e: typeof a) => (e.session as { id?: string }).id;
    expect(id(a)).not.toBe(id(b));

    const third = await connect();
    const closed = new Promise<number>((resolve) => third.rt.socket.once('close', (code) => resolve(code)));
    expect(await closed).toBe(1013);
    expect(third.ofType('session.created')).toEqual([]);
    expect(third.errors).toEqual([expect.objectContaining({ code: 'server_at_capacity', event_id: null })]);
    // OpenAI's `error` event, field for field.
    const error = third.events.find((e) => e.type === 'error');
    expect(error).toEqual({
      type: 'error',
      event_id: expect.any(String),
      error: {
        type: 'server_error',
        code: 'server_at_capacity',
        message: expect.stringContaining('capacity of 2 sessions'),
        param: null,
        event_id: null,
      },
    });

    await Promise.all([typedTurn(first, 'hello'), typedTurn(second, 'hello')]);
    expect(server.manager.size).toBe(2);
    expect([...first.errors, ...second.errors]).toEqual([]);

    const metrics = await get('/metrics');
    expect(metrics).toMatch(/^va_session_capacity 2$/m);
    expect(metrics).toMatch(/^va_sessions_rejected_total\{reason="server_at_capacity"\} 1$/m);
    expect(JSON.parse(await get('/healthz'))).toEqual({ status: 'ok', sessions: 2, capacity: 2 });
  });

  it('admits a new client once a place is free', async () => {
    clients.shift()!.close();
    const deadline = Date.now() + 5000;
    while (server.manager.size > 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const next = await connect();
    await next.waitFor('session.created');
    await typedTurn(next, 'hello again');
    expect(next.errors).toEqual([]);
  });
});
