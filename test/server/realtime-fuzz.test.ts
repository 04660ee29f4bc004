/**
 * Fuzz: 100,000 malformed or hostile Realtime client events and frames (seeded, so a failure replays)
 * over four connections, while a fifth, well-behaved client holds conversations. Every bad event gets
 * exactly one `error` event with the right code and the client's `event_id`, in order; no connection is
 * dropped; the good client never sees an error and every one of its replies completes; no session
 * leaks; memory stays bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { prng } from '../support/prng.js';
import { FAKE_ENGINES } from '../support/fake-config.js';

const SEED = 20261122;
const TOTAL_EVENTS = 100_000;
const HOSTILE = 4;
const BATCH = 500;
/** Small, so events "just over the limit" are cheap to make. */
const MAX_EVENT_BYTES = 16_384;
/**
 * Why 200 MB: the server holds bounded state per connection (≤ 32 pending messages, one session each);
 * what grows is V8's heap from 100,000 parsed events, which GC returns. A leak of even 2 KB per event
 * would pass 200 MB.
 */
const MAX_RSS_GROWTH_MB = 200;

let server: VoiceAgentServer;
beforeAll(async () => {
  server = await serve({
    config: loadConfig({
      overrides: { ...FAKE_ENGINES, server: { port: 0, maxEventBytes: MAX_EVENT_BYTES, drainTimeoutMs: 200 } },
    }),
    log: silentLogger,
  });
});
afterAll(() => server?.stop());

type Frame = { data: string | Buffer; expect?: { code: string; eventId: string | null } };
type ErrorEvent = { type: 'error'; error: { code: string; event_id: string | null } };

/** One hostile client's stream: each frame, and the error it must cause (if any). */
function hostileFrames(random: () => number, count: number, prefix: string): Frame[] {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const frames: Frame[] = [];
  let manual = false;
  let format: 'audio/pcm' | 'audio/pcmu' | 'audio/pcma' = 'audio/pcm';
  let pending = 0;
  /** Valid audio arrived since the last commit or clear (a manual commit without it is an error). */
  let appended = false;
  /** Two samples of silence in the current input format (0x00 is loud in μ-law and A-law). */
  const silence = () =>
    Buffer.from(format === 'audio/pcm' ? [0, 0, 0, 0] : format === 'audio/pcmu' ? [0xff, 0xff] : [0xd5, 0xd5]).toString(
      'base64',
    );
  let n = 0;
  const id = () => (random() < 0.5 ? `${prefix}-${n}` : null);
  const json = (event: Record<string, unknown>, code?: string) => {
    const eventId = id();
    const data = JSON.stringify(eventId === null ? event : { ...event, event_id: eventId });
    frames.push(code ? { data, expect: { code, eventId } } : { data });
  };
  const garbage = (length: number) =>
    Array.from({ length }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join('');
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  for (n = 0; frames.length < count; n++) {
    const kind = random();
    // No closing brace or bracket anywhere: this can never become valid JSON by chance.
    if (kind < 0.08)
      frames.push({
        data: `{"type":"session.update",${garbage(10).replace(/[}\]]/g, '#')}`,
        expect: { code: 'invalid_json', eventId: null },
      });
    else if (kind < 0.14)
      frames.push({
        data: pick(['null', '42', '"text"', '[1,2]', 'true', '{}']),
        expect: { code: 'invalid_event', eventId: null },
      });
    else if (kind < 0.2)
      json(
        {
          type: pick([
            'response.explode',
            'x'.repeat(1 + Math.floor(random() * 2000)),
            '',
            'input_audio_buffer',
            'session.updated',
          ]),
        },
        'unknown_event',
      );
    else if (kind < 0.22)
      json({ type: pick(['conversation.item.delete', 'conversation.item.retrieve']), item_id: 'a' }, 'item_not_found');
    else if (kind < 0.4) {
      const [event, code] = pick([
        [{ type: 'input_audio_buffer.append', audio: 123 }, 'invalid_event'],
        [{ type: 'input_audio_buffer.append' }, 'invalid_event'],
        [{ type: 'input_audio_buffer.append', audio: JSON.parse(nested(400)) }, 'invalid_event'],
        [{ type: 'conversation.item.truncate', item_id: 5, content_index: 0, audio_end_ms: 1 }, 'invalid_event'],
        [{ type: 'conversation.item.truncate', item_id: 'i', content_index: -1, audio_end_ms: 1 }, 'invalid_event'],
        [{ type: 'session.update', session: 'realtime' }, 'invalid_event'],
        [
          { type: 'session.update', session: { audio: { input: { format: { type: 'audio/flac' } } } } },
          'invalid_event',
        ],
        [
          {
            type: 'session.update',
            session: { audio: { input: { turn_detection: { type: 'server_vad', threshold: 7 } } } },
          },
          'invalid_event',
        ],
        [
          {
            type: 'session.update',
            session: { audio: { input: { turn_detection: { type: 'server_vad', silence_duration_ms: -5 } } } },
          },
          'invalid_event',
        ],
        [{ type: 'session.update', session: { instructions: '' } }, 'invalid_event'],
        [{ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [] } }, 'invalid_event'],
        [
          {
            type: 'conversation.item.create',
            item: { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'obey' }] },
          },
          'invalid_event',
        ],
        [
          {
            type: 'conversation.item.create',
            item: { type: 'message', role: 'user', content: [{ type: 'input_image', url: 'x' }] },
          },
          'invalid_event',
        ],
        [{ type: 'response.cancel', response_id: 7 }, 'invalid_event'],
        [
          { type: 'session.update', session: { tools: [{ type: 'function', name: 'no spaces allowed' }] } },
          'invalid_event',
        ],
        [{ type: 'session.update', session: { tool_choice: 'sometimes' } }, 'invalid_event'],
        [
          { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: '', output: 'x' } },
          'invalid_event',
        ],
      ] as const);
      json(event as Record<string, unknown>, code);
    } else if (kind < 0.46)
      json({ type: 'input_audio_buffer.append', audio: pick(['***', 'AAA', 'A=A=', '@@@@']) }, 'invalid_audio');
    // Three bytes: half a sample in pcm16 (an error), three samples in G.711 (fine, and near silence).
    else if (kind < 0.5) {
      json(
        {
          type: 'input_audio_buffer.append',
          audio: Buffer.from(
            format === 'audio/pcm' ? [1, 2, 3] : format === 'audio/pcmu' ? [0xfe, 0xff, 0xfe] : [0xd5, 0xd4, 0xd5],
          ).toString('base64'),
        },
        format === 'audio/pcm' ? 'invalid_audio' : undefined,
      );
      if (format !== 'audio/pcm') appended = true;
    } else if (kind < 0.52)
      frames.push({
        data: `{"type":"input_audio_buffer.append","audio":"${'A'.repeat(MAX_EVENT_BYTES)}"}`,
        expect: { code: 'event_too_large', eventId: null },
      });
    else if (kind < 0.55)
      frames.push({ data: Buffer.from([0, 1, 2, 3]), expect: { code: 'binary_not_supported', eventId: null } });
    else if (kind < 0.62)
      json(
        { type: 'conversation.item.truncate', item_id: `item_${garbage(5)}`, content_index: 0, audio_end_ms: 10 },
        'item_truncate_invalid_item_id',
      );
    else if (kind < 0.65) json({ type: 'response.cancel' }, 'response_cancel_not_active');
    // A function output for a call this server never sent.
    else if (kind < 0.68)
      json(
        {
          type: 'conversation.item.create',
          item: { type: 'function_call_output', call_id: `call_${garbage(8)}`, output: garbage(10) },
        },
        'invalid_call_id',
      );
    else if (kind < 0.73) {
      // Out-of-order commits: in manual mode with nothing appended since the last commit, an error.
      if (manual) json({ type: 'input_audio_buffer.commit' }, appended ? undefined : 'input_audio_buffer_commit_empty');
      else json({ type: 'input_audio_buffer.clear' });
      appended = false;
    } else if (kind < 0.78) {
      manual = random() < 0.5;
      format = pick(['audio/pcm', 'audio/pcmu', 'audio/pcma'] as const);
      json({
        type: 'session.update',
        session: {
          audio: { input: { format: { type: format }, turn_detection: manual ? null : { type: 'server_vad' } } },
        },
      });
    } else if (kind < 0.84) {
      // Valid text the client never asks a response for: bounded by the server (32 pending).
      json(
        {
          type: 'conversation.item.create',
          item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: garbage(20) }] },
        },
        pending >= 32 ? 'too_many_pending_items' : undefined,
      );
      pending++;
    } else if (kind < 0.9) {
      // A little silence (valid): never speech, so no turn starts; too little to reach the rate limit.
      json({ type: 'input_audio_buffer.append', audio: silence() });
      appended = true;
      if (manual) {
        json({ type: 'input_audio_buffer.commit' }); // valid: audio was appended (no turn: it is silence)
        appended = false;
      }
    } else if (kind < 0.92) json({ type: 'voice_agent.estop' });
    else json({ type: 'session.update', session: { instructions: garbage(30) } });
  }
  return frames.slice(0, count);
}

async function open(): Promise<{
  ws: WebSocket;
  errors: ErrorEvent[];
  events: Array<{ type: string; response?: { status: string } }>;
}> {
  const ws = new WebSocket(`${server.http.url.replace(/^http/, 'ws')}/v1/realtime`);
  const errors: ErrorEvent[] = [];
  const events: Array<{ type: string; response?: { status: string } }> = [];
  ws.on('message', (d) => {
    const event = JSON.parse(String(d)) as { type: string };
    events.push(event);
    if (event.type === 'error') errors.push(event as ErrorEvent);
  });
  await new Promise((r) => ws.once('open', r));
  return { ws, errors, events };
}

const until = async (check: () => boolean, what: string, timeoutMs = 30_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('Realtime fuzz', () => {
  it(`${TOTAL_EVENTS} hostile events: one error each, in order, nothing dropped or leaked`, async () => {
    console.log(`fuzz seed ${SEED}`);
    const random = prng(SEED);
    const good = await open();
    let goodTurns = 0;
    const goodTurn = async () => {
      good.ws.send(
        JSON.stringify({
          type: 'conversation.item.create',
          item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello there' }] },
        }),
      );
      good.ws.send(JSON.stringify({ type: 'response.create' }));
      goodTurns++;
      await until(
        () => good.events.filter((e) => e.type === 'response.done').length === goodTurns,
        'the good client reply',
      );
    };
    await goodTurn();

    const clients = await Promise.all(Array.from({ length: HOSTILE }, () => open()));
    const plans = clients.map((_, i) => hostileFrames(random, TOTAL_EVENTS / HOSTILE, `c${i}`));
    const rssBefore = process.memoryUsage().rss;
    const startedAt = Date.now();
    let sent = 0;
    for (let offset = 0; offset < TOTAL_EVENTS / HOSTILE; offset += BATCH) {
      await Promise.all(
        clients.map(async (client, i) => {
          const batch = plans[i]!.slice(offset, offset + BATCH);
          for (const frame of batch) client.ws.send(frame.data);
          sent += batch.length;
          const expected = plans[i]!.slice(0, offset + BATCH).filter((f) => f.expect).length;
          await until(() => client.errors.length >= expected, `errors for client ${i}`).catch((error: Error) => {
            // Show where the expected and received errors part, to make a failure readable.
            const want = plans[i]!.slice(0, offset + BATCH).flatMap((f) =>
              f.expect ? [`${f.expect.code} ${f.expect.eventId}`] : [],
            );
            const got = client.errors.map((e) => `${e.error.code} ${e.error.event_id}`);
            const at = want.findIndex((w, k) => w !== got[k]);
            const frameAt = plans[i]!.filter((f) => f.expect)[at];
            throw new Error(
              `${error.message}: at error ${at} expected "${want[at]}" got "${got[at]}" (frame ` +
                `${String(frameAt?.data).slice(0, 200)})`,
            );
          });
        }),
      );
      if (offset % (BATCH * 10) === 0) await goodTurn(); // conversations go on during the storm
    }
    const elapsedMs = Date.now() - startedAt;
    await goodTurn();
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    const errorsReceived = clients.reduce((n, c) => n + c.errors.length, 0);
    console.log(
      `fuzz: ${sent} events in ${elapsedMs} ms, ${errorsReceived} error events, RSS growth ` +
        `${rssGrowthMb.toFixed(1)} MB, ${goodTurns} good turns`,
    );

    expect(sent).toBe(TOTAL_EVENTS);
    for (const [i, client] of clients.entries()) {
      const expected = plans[i]!.flatMap((f) => (f.expect ? [[f.expect.code, f.expect.eventId]] : []));
      expect(client.errors.map((e) => [e.error.code, e.error.event_id])).toEqual(expected);
      expect(client.ws.readyState).toBe(WebSocket.OPEN);
    }
    expect(good.errors).toEqual([]);
    expect(good.events.filter((e) => e.type === 'response.done').map((e) => e.response!.status)).toEqual(
      Array(goodTurns).fill('completed'),
    );
    expect(rssGrowthMb).toBeLessThan(MAX_RSS_GROWTH_MB);
    expect(server.manager.size).toBe(HOSTILE + 1);

    // A frame far over the limit: ws closes that socket (1009); the server and other sessions go on.
    const throwaway = await open();
    const closed = new Promise<number>((resolve) => throwaway.ws.once('close', (code) => resolve(code)));
    throwaway.ws.send('x'.repeat(MAX_EVENT_BYTES * 5));
    expect(await closed).toBe(1009);
    await goodTurn();

    for (const c of [...clients, good]) c.ws.close();
    await until(() => server.manager.size === 0, 'every session to end');
  }, 180_000);
});
