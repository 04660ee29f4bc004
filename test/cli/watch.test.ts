/**
 * `voice-agent watch` against a real `serve()`: one line per event that moved the chart, until the
 * session ends (exit 0); every message relayed unchanged to a WebSocket server standing where Stately's
 * inspector server would; a refused key named (exit 1).
 */
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWatchCommand } from '../../bin/commands/watch.js';
import type { VoiceAgentServer } from '../../server/serve.js';
import { INSPECT_KEY, serveForInspection } from '../support/inspect-server.js';
import { until } from '../support/until.js';
import { DialogState } from '../../machines/states.js';

let server: VoiceAgentServer;
beforeAll(async () => {
  server = await serveForInspection();
}, 30_000);
afterAll(() => server?.stop());

describe('voice-agent watch', () => {
  it('prints each transition until the session ends, relaying every message', async () => {
    const relay = new WebSocketServer({ port: 0 });
    const relayed: Array<{ type: string }> = [];
    relay.on('connection', (ws) =>
      ws.on('message', (data) => relayed.push(JSON.parse(String(data)) as { type: string })),
    );
    const port = (relay.address() as { port: number }).port;
    const session = await server.manager.create({ sessionId: 'watched-1' });
    const lines: string[] = [];
    const exit = runWatchCommand(
      ['--session', 'watched-1', '--url', server.http.url, '--key', INSPECT_KEY, '--relay', `ws://127.0.0.1:${port}`],
      (l) => lines.push(l),
    );
    await until('the watch attached', () => server.http.inspect.hub.watchers('watched-1') === 1);
    session.handle.sendText('hello');
    await until('the reply playing', () => session.handle.matches(DialogState.speaking));
    await server.manager.end('watched-1', 'client_closed');
    expect(await exit).toBe(0);
    expect(lines[0]).toMatch(/^\+\s+0 ms {2}now\s+idle\.waiting$/);
    expect(lines.some((l) => /user\.text\s+idle\.waiting → processing\.reply\.thinking\+user\.silent$/.test(l))).toBe(
      true,
    );
    expect(lines.at(-1)).toBe('— session ended: client_closed');
    await until(
      'the relay received everything',
      () => relayed.some((m) => m.type === '@xstate.snapshot') && relayed[0]?.type === '@xstate.actor',
    );
    relay.close();
  }, 30_000);

  it('names a refused key', async () => {
    const lines: string[] = [];
    expect(
      await runWatchCommand(['--session', 'x', '--url', server.http.url, '--key', 'wrong-key-0123456789'], (l) =>
        lines.push(l),
      ),
    ).toBe(1);
    expect(lines).toEqual([
      'voice-agent watch: the server answered 401: pass one of its API keys with --key (or VA_API_KEY)',
    ]);
  });
});
