/**
 * Graceful drain (what SIGTERM does in `voice-agent serve`): the server stops accepting (readyz 503, new
 * WebSockets 503), a reply in progress is played to its end, then clients are closed with 1001 and a
 * reason.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';

describe('graceful drain', () => {
  it('lets the running reply finish, refuses newcomers, and closes clients with 1001', async () => {
    const server = await serve({
      config: loadConfig({ overrides: { ...FAKE_ENGINES, server: { port: 0, drainTimeoutMs: 10_000 } } }),
      log: silentLogger,
    });
    const url = `${server.http.url.replace(/^http/, 'ws')}/v1/realtime`;
    const ws = new WebSocket(url);
    const events: Array<{ type: string; response?: { status: string } }> = [];
    ws.on('message', (d) => events.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once('open', r));
    ws.send(
      JSON.stringify({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'talk to me' }] },
      }),
    );
    ws.send(JSON.stringify({ type: 'response.create' }));
    while (!events.some((e) => e.type === 'response.output_audio.delta')) await new Promise((r) => setTimeout(r, 10));
    const closed = new Promise<[number, string]>((resolve) =>
      ws.once('close', (code, reason) => resolve([code, String(reason)])),
    );

    const stopping = server.stop();
    const ready = await fetch(`${server.http.url}/readyz`);
    expect([ready.status, ((await ready.json()) as { status: string }).status]).toEqual([503, 'draining']);
    const late = new WebSocket(url);
    const refused = await new Promise<number>((resolve) =>
      late.once('unexpected-response', (_q, res) => resolve(res.statusCode!)),
    );
    expect(refused).toBe(503);

    expect(await closed).toEqual([1001, 'server shutting down']);
    await stopping;
    // The reply in progress was played to its end before the client was closed.
    expect(events.filter((e) => e.type === 'response.done').map((e) => e.response!.status)).toEqual(['completed']);
  }, 30_000);
});
