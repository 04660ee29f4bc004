/**
 * `POST /chat/stream` (SSE): a new sessionId creates a session; tokens stream as text-delta, then a
 * final eos delta and done with stats; the turn lands in the same session history as voice turns; another
 * key cannot address the session; bad bodies are 400 with the reason.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';
let server: VoiceAgentServer;

beforeAll(async () => {
  server = await serve({
    config: loadConfig({
      overrides: { ...FAKE_ENGINES, server: { port: 0, apiKeys: [KEY_A, KEY_B], drainTimeoutMs: 200 } },
    }),
    log: silentLogger,
  });
});
afterAll(() => server?.stop());

const post = (body: unknown, key = KEY_A) =>
  fetch(`${server.http.url}/chat/stream`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** Parses an SSE body into its events. */
async function events(res: Response): Promise<Array<{ event: string; data: Record<string, unknown> }>> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)![1]!;
      return { event, data: JSON.parse(/^data: (.+)$/m.exec(block)![1]!) as Record<string, unknown> };
    });
}

describe('POST /chat/stream', () => {
  it('streams the reply of a new session as text-delta events, then done with stats', async () => {
    const res = await post({
      sessionId: 'chat-1',
      turn: 1,
      type: 'TEXT',
      content: 'hello there',
      meta: { source: 'test' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const got = await events(res);
    const deltas = got.filter((e) => e.event === 'text-delta');
    expect(
      deltas
        .filter((d) => !d.data.eos)
        .map((d) => d.data.content)
        .join(''),
    ).toBe(FAKE_ENGINES.llm.fakeReply);
    expect(deltas.at(-1)!.data).toEqual({ content: '', eos: true });
    const done = got.at(-1)!;
    expect(done.event).toBe('done');
    const stats = done.data.stats as { ttft_ms: number; tokens: number; total_ms: number };
    expect(stats.tokens).toBe(deltas.length - 1);
    expect(stats.ttft_ms).toBeGreaterThanOrEqual(0);
    expect(stats.total_ms).toBeGreaterThanOrEqual(stats.ttft_ms);
    // The same session holds the turn in its history, as it would a voice turn.
    const session = server.manager.get('chat-1')!;
    expect(session.owner).toMatch(/^key-[0-9a-f]{8}$/);
    expect(session.handle.history().find((h) => h.role === 'user')?.text).toBe('hello there');
  });

  it('ASR_FINAL is a turn of the same session; another key cannot reach it', async () => {
    const res = await post({ sessionId: 'chat-1', turn: 2, type: 'ASR_FINAL', content: 'what time is it' });
    expect((await events(res)).at(-1)!.event).toBe('done');
    expect(
      server.manager
        .get('chat-1')!
        .handle.history()
        .filter((h) => h.role === 'user')
        .map((h) => h.text),
    ).toEqual(['hello there', 'what time is it']);
    const other = await post({ sessionId: 'chat-1', turn: 1, type: 'TEXT', content: 'hijack' }, KEY_B);
    expect(other.status).toBe(404);
    expect(
      server.manager
        .get('chat-1')!
        .handle.history()
        .some((h) => h.text === 'hijack'),
    ).toBe(false);
  });

  it('COMMAND END ends the session; bad bodies are 400 naming the problem', async () => {
    const res = await post({ sessionId: 'chat-1', type: 'COMMAND', content: 'END' });
    expect((await events(res)).map((e) => e.event)).toEqual(['done']);
    for (let i = 0; i < 100 && server.manager.get('chat-1'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(server.manager.get('chat-1')).toBeUndefined();
    const bad = [
      ['not json', /not JSON/],
      [{ sessionId: 'x', type: 'SHOUT', content: 'hi' }, /type/],
      [{ sessionId: 'a.b', type: 'TEXT', content: 'hi' }, /sessionId/],
      [{ sessionId: 'x', type: 'COMMAND', content: 'DANCE' }, /STOP or END/],
    ] as const;
    for (const [body, reason] of bad) {
      const r = await post(body);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(reason);
    }
  });
});
