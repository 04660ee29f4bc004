/**
 * What a `response.create` asks for, honoured: its `metadata` comes back on `response.created` and
 * `response.done` (LiveKit matches its `generateReply()` by it); `instructions` with nothing new from the
 * user ("Greet the user.") give a spoken reply under them; `conversation: "none"` gives an out-of-band reply,
 * spoken but kept out of the conversation; and the session object describes the session
 * as it runs (the STT, the VAD's timing, the formats, a reply always made and always interruptible).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatFixture } from '../support/chat-fixture.js';
import { serveOnChatFixture, type ChatServed } from '../support/chat-served.js';
import type { VoiceAgentServer } from '../../server/serve.js';
import { connectRawRealtime } from '../support/raw-realtime.js';

let chat: ChatFixture;
let server: VoiceAgentServer;
const HANGOVER_MS = 480;
let served: ChatServed;
beforeAll(async () => {
  served = await serveOnChatFixture({ pipeline: { vad: { hangoverMs: HANGOVER_MS } } });
  ({ chat, server } = served);
}, 60_000);
afterAll(() => served?.close());

describe('Realtime response.create and the session object', () => {
  it("echoes a response's metadata on response.created and response.done", async () => {
    const c = await connectRawRealtime(server.http.url);
    chat.behave({ tokens: ['Hi.'] });
    c.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] },
    });
    c.send({ type: 'response.create', response: { metadata: { client_event_id: 'req_1' } } });
    const created = await c.waitFor('response.created');
    expect(created.response).toMatchObject({ metadata: { client_event_id: 'req_1' } });
    const done = await c.waitFor('response.done');
    expect(done.response).toMatchObject({ status: 'completed', metadata: { client_event_id: 'req_1' } });
    // With nothing to answer: the empty response carries it too.
    c.send({ type: 'response.create', response: { metadata: { client_event_id: 'req_2' } } });
    await c.waitFor('response.done', (e) => JSON.stringify(e).includes('req_2'));
    c.ws.close();
  });

  it('instructions and no user turn: a spoken reply under them', async () => {
    const c = await connectRawRealtime(server.http.url);
    chat.behave({ tokens: ['Hello,', ' I am the robot.'] });
    const before = chat.requests.length;
    c.send({ type: 'response.create', response: { instructions: 'Greet the user.' } });
    const done = await c.waitFor('response.done');
    expect(done.response).toMatchObject({ status: 'completed' });
    const output = (done.response as { output: Array<{ role: string; content: Array<{ transcript: string }> }> })
      .output;
    expect(output[0]).toMatchObject({ role: 'assistant', content: [{ transcript: 'Hello, I am the robot.' }] });
    expect(c.events.filter((e) => e.type === 'response.output_audio.delta').length).toBeGreaterThan(0);
    const request = chat.requests.at(-1)!;
    expect(chat.requests.length).toBe(before + 1);
    const messages = request.body.messages as Array<{ role: string; content: string }>;
    expect(messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('Greet the user.') });
    // Only for that reply: the next one is under the session's instructions alone.
    c.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'and now?' }] },
    });
    c.send({ type: 'response.create' });
    await c.waitFor('response.done', (e) => e !== done);
    expect((chat.requests.at(-1)!.body.messages as Array<{ content: string }>)[0]!.content).not.toContain(
      'Greet the user.',
    );
    c.ws.close();
  });

  it(
    'conversation "none": an out-of-band reply is spoken and kept out of the conversation and of ' + 'later replies',
    async () => {
      const c = await connectRawRealtime(server.http.url);
      chat.behave({ tokens: ['It is', ' noon.'] });
      c.send({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'what time is it' }] },
      });
      c.send({ type: 'response.create' });
      const first = await c.waitFor('response.done');
      chat.behave({ tokens: ['time'] });
      c.send({
        type: 'response.create',
        response: { conversation: 'none', instructions: 'Name the topic in one word.', metadata: { purpose: 'topic' } },
      });
      const oob = await c.waitFor('response.done', (e) => e !== first);
      const response = oob.response as {
        status: string;
        conversation_id: null;
        metadata: unknown;
        output: Array<{ id: string; content: Array<{ transcript: string }> }>;
      };
      expect(response).toMatchObject({ status: 'completed', conversation_id: null, metadata: { purpose: 'topic' } });
      const oobItem = response.output[0]!;
      expect(oobItem.content[0]!.transcript).toBe('time');
      // Its output streamed as any response's (audio too), but it is no item of the conversation.
      expect(c.events.some((e) => e.type === 'response.output_audio.delta' && e.item_id === oobItem.id)).toBe(true);
      expect(
        c.events.filter((e) => e.type.startsWith('conversation.item.') && JSON.stringify(e).includes(oobItem.id)),
      ).toEqual([]);
      // It answered from the conversation, under its instructions.
      const asked = chat.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>;
      expect(asked[0]!.content).toContain('Name the topic in one word.');
      expect(asked.map((m) => m.content)).toEqual(expect.arrayContaining(['what time is it', 'It is noon.']));
      c.send({ type: 'conversation.item.retrieve', event_id: 'ret_oob', item_id: oobItem.id });
      const missing = await c.waitFor('error', (e) => (e.error as { event_id: string }).event_id === 'ret_oob');
      expect(missing.error).toMatchObject({ code: 'item_not_found' });
      // The next reply neither sees it nor follows it.
      chat.behave({ tokens: ['Sure.'] });
      c.send({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'thanks' }] },
      });
      const thanks = await c.waitFor('conversation.item.added', (e) => JSON.stringify(e.item).includes('thanks'));
      const firstReply = (first.response as { output: Array<{ id: string }> }).output[0]!.id;
      expect(thanks.previous_item_id).toBe(firstReply);
      c.send({ type: 'response.create' });
      await c.waitFor('response.done', (e) => JSON.stringify(e).includes('Sure.'));
      const later = (chat.requests.at(-1)!.body.messages as Array<{ content: string }>).map((m) => m.content);
      expect(later).not.toContain('time');
      expect(later.join(' ')).not.toContain('Name the topic');
      c.ws.close();
    },
  );

  it('session.created and .updated describe the session as it runs', async () => {
    const c = await connectRawRealtime(server.http.url);
    const created = await c.waitFor('session.created');
    expect(created.session).toMatchObject({
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24_000 },
          transcription: { model: 'fake' },
          turn_detection: {
            type: 'server_vad',
            silence_duration_ms: HANGOVER_MS,
            create_response: true,
            interrupt_response: true,
          },
        },
        output: { format: { type: 'audio/pcm', rate: 24_000 } },
      },
    });
    c.send({
      type: 'session.update',
      session: {
        type: 'realtime',
        audio: {
          input: {
            format: { type: 'audio/pcmu' },
            turn_detection: {
              type: 'server_vad',
              silence_duration_ms: 700,
              create_response: false,
              interrupt_response: false,
            },
          },
          output: { format: { type: 'audio/pcma' } },
        },
      },
    });
    const updated = await c.waitFor('session.updated');
    // What the session does, not what was asked: it still answers every turn and its barge-in policy still applies.
    expect(updated.session).toMatchObject({
      audio: {
        input: {
          format: { type: 'audio/pcmu' },
          transcription: { model: 'fake' },
          turn_detection: { silence_duration_ms: 700, create_response: true, interrupt_response: true },
        },
        output: { format: { type: 'audio/pcma' } },
      },
    });
    expect(c.events.filter((e) => e.type === 'error')).toEqual([]);
    c.ws.close();
  });
});
