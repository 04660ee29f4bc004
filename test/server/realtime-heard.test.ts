/**
 * What was heard of a cut reply, on the Realtime WebSocket: after a cancel the server sends
 * `voice_agent.conversation.item.heard` with the words of the reply the user heard, and after the
 * client's `conversation.item.truncate` (its own buffer held less) again, shorter — what pages show as
 * the interrupted reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';

type Event = { type: string; [k: string]: unknown };
let server: VoiceAgentServer;
beforeAll(async () => {
  server = await serve({
    config: loadConfig({ overrides: { ...FAKE_ENGINES, server: { port: 0, drainTimeoutMs: 200 } } }),
    log: silentLogger,
  });
});
afterAll(() => server?.stop());

describe('Realtime heard transcript', () => {
  it('a cancelled reply is reported with the words heard, and again after a truncate', async () => {
    const ws = new WebSocket(`${server.http.url.replace(/^http/, 'ws')}/v1/realtime`);
    const events: Event[] = [];
    ws.on('message', (d) => events.push(JSON.parse(String(d)) as Event));
    await new Promise((r) => ws.once('open', r));
    const send = (e: object) => ws.send(JSON.stringify(e));
    const waitFor = async (what: string, match: (e: Event) => boolean) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = events.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${what}; saw ${events.map((e) => e.type).join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] },
    });
    send({ type: 'response.create' });
    // Well into the reply (the fake speaks 100 ms per word): a few words have been played.
    const audioMs = () =>
      events
        .filter((e) => e.type === 'response.output_audio.delta')
        .reduce((ms, e) => ms + Buffer.from(String(e.delta), 'base64').byteLength / 48, 0);
    await waitFor('1 s of audio', () => audioMs() >= 1000);
    send({ type: 'response.cancel' });
    const done = await waitFor('response.done', (e) => e.type === 'response.done');
    expect(done.response).toMatchObject({ status: 'cancelled' });
    const itemId = events.find((e) => e.type === 'response.output_item.added')!.item as { id: string };
    const heard = await waitFor('heard', (e) => e.type === 'voice_agent.conversation.item.heard');
    expect(heard).toMatchObject({ response_id: (done.response as { id: string }).id, item_id: itemId.id });
    const reply = FAKE_ENGINES.llm.fakeReply;
    const words = String(heard.transcript).split(' ');
    expect(words.length).toBeGreaterThan(1);
    expect(words.length).toBeLessThan(reply.split(' ').length);
    expect(reply.startsWith(String(heard.transcript))).toBe(true);

    // The client's own buffer had played only the first 250 ms: the heard words shrink to those.
    send({ type: 'conversation.item.truncate', item_id: itemId.id, content_index: 0, audio_end_ms: 250 });
    const cut = await waitFor(
      'heard after truncate',
      (e) => e.type === 'voice_agent.conversation.item.heard' && e !== heard,
    );
    expect(String(cut.transcript).length).toBeLessThan(String(heard.transcript).length);
    expect(reply.startsWith(String(cut.transcript))).toBe(true);
    ws.close();
  });
});
