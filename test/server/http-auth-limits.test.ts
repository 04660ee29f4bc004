/**
 * The HTTP face's gates, against a real server on 127.0.0.1: no or a wrong key → 401 before the
 * WebSocket upgrade (nothing is built); the browser subprotocol key works and is never echoed; sessions
 * past the per-key and per-process limits → 429; /healthz, /readyz and /metrics; a session ends when its
 * client goes away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';
let server: VoiceAgentServer;
let wsUrl: string;

beforeAll(async () => {
  const config = loadConfig({
    overrides: {
      ...FAKE_ENGINES,
      server: { port: 0, apiKeys: [KEY_A, KEY_B], maxSessions: 3, maxSessionsPerKey: 2, drainTimeoutMs: 500 },
    },
  });
  server = await serve({ config, log: silentLogger });
  wsUrl = `${server.http.url.replace(/^http/, 'ws')}/v1/realtime`;
});
afterAll(() => server?.stop());

/**
 * Opens a socket; resolves with it once open and its session.created arrived, or with the HTTP status it was refused
 * with.
 */
function open(
  headers: Record<string, string> = {},
  protocols: string[] = [],
): Promise<{ ws?: WebSocket; status?: number; protocol?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, protocols, { headers });
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode! }));
    ws.once('message', (data) => {
      const event = JSON.parse(String(data)) as { type: string };
      if (event.type === 'session.created') resolve({ ws, protocol: ws.protocol });
      else reject(new Error(`first event ${String(data)}`));
    });
    ws.once('error', () => undefined);
  });
}
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('auth and limits', () => {
  it('refuses a missing or unknown key with 401 before the upgrade', async () => {
    expect((await open()).status).toBe(401);
    expect((await open(bearer('not-a-key-0123456789'))).status).toBe(401);
    expect(server.manager.size).toBe(0);
    const res = await fetch(`${server.http.url}/metrics`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('Authorization: Bearer');
  });

  it('accepts the key as the browser subprotocol, answering with "realtime", never the key', async () => {
    const { ws, protocol } = await open({}, ['realtime', `openai-insecure-api-key.${KEY_A}`]);
    expect(protocol).toBe('realtime');
    ws!.close();
  });

  it('429 past the per-key limit, 429 past the process limit; a closed client frees its session', async () => {
    const a1 = await open(bearer(KEY_A));
    const a2 = await open(bearer(KEY_A));
    expect((await open(bearer(KEY_A))).status).toBe(429);
    const b1 = await open(bearer(KEY_B));
    expect(server.manager.size).toBe(3);
    expect((await open(bearer(KEY_B))).status).toBe(429);
    a1.ws!.close();
    for (let i = 0; i < 100 && server.manager.size > 2; i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.manager.size).toBe(2);
    const b2 = await open(bearer(KEY_B));
    expect(b2.ws).toBeDefined();
    for (const c of [a2, b1, b2]) c.ws!.close();
  });

  it('health, readiness and Prometheus metrics', async () => {
    expect((await fetch(`${server.http.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.http.url}/readyz`);
    expect([ready.status, ((await ready.json()) as { status: string }).status]).toEqual([200, 'ready']);
    const metrics = await (await fetch(`${server.http.url}/metrics`, { headers: bearer(KEY_B) })).text();
    expect(metrics).toMatch(/^va_sessions_created_total \d+$/m);
    expect(metrics).toMatch(/^va_sessions_rejected_total\{reason="unauthorized"\} [1-9]/m);
    expect(metrics).toMatch(/^va_sessions_rejected_total\{reason="too_many_sessions"\} [1-9]/m);
    for (const name of [
      'va_sessions_active',
      'va_turns_total',
      'va_barge_ins_total',
      'va_speech_end_to_first_audio_ms_bucket',
      'va_stop_to_silence_ms_bucket',
      'va_process_cpu_seconds_total',
    ]) {
      expect(metrics).toContain(name);
    }
  });
});
