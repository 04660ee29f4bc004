/**
 * Per-connection limits on the Realtime WebSocket: an event above `server.maxEventBytes` gets an
 * `event_too_large` error; audio sent faster than `server.maxAudioSecondsPerSecond` (past the 30 s burst)
 * is dropped with one `rate_limited` error, not one per append; the connection stays up through both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';

let server: VoiceAgentServer;
beforeAll(async () => {
  const config = loadConfig({
    overrides: {
      ...FAKE_ENGINES,
      server: { port: 0, maxEventBytes: 200_000, maxAudioSecondsPerSecond: 1, drainTimeoutMs: 200 },
    },
  });
  server = await serve({ config, log: silentLogger });
});
afterAll(() => server?.stop());

describe('Realtime limits', () => {
  it('too large an event and too much audio each get a clear error; the connection stays up', async () => {
    const ws = new WebSocket(`${server.http.url.replace(/^http/, 'ws')}/v1/realtime`);
    const errors: Array<{ code: string; message: string }> = [];
    const types: string[] = [];
    ws.on('message', (d) => {
      const e = JSON.parse(String(d)) as { type: string; error?: { code: string; message: string } };
      types.push(e.type);
      if (e.error) errors.push(e.error);
    });
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: 'A'.repeat(300_000) }));
    // 1 s of 24 kHz audio per append (64 KB of base64): 34 at once overrun the 30 s burst by 4 s.
    const second = Buffer.alloc(48_000).toString('base64');
    for (let i = 0; i < 34; i++) ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: second }));
    ws.send(JSON.stringify({ type: 'session.update', session: { instructions: 'still listening' } }));
    const deadline = Date.now() + 5000;
    while (!types.includes('session.updated') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(errors.map((e) => e.code)).toEqual(['event_too_large', 'rate_limited']);
    expect(errors[0]!.message).toContain('200000 bytes');
    expect(errors[1]!.message).toContain('1× real time');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});
