/**
 * The conversation a Realtime client is told about is one list: every item (a typed message, an
 * utterance, a reply, a function call and its output) is placed right after the item before it, its
 * `conversation.item.added` and `.done` agree, and it can be retrieved, deleted and truncated. A function
 * call that is a response's only output is that response's output 0, added to the conversation like any
 * item. A truncate is applied whenever it comes, also while the reply still plays, clamped to the audio
 * sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatFixture } from '../support/chat-fixture.js';
import { serveOnChatFixture, type ChatServed } from '../support/chat-served.js';
import type { VoiceAgentServer } from '../../server/serve.js';
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/testing/index.js';
import { connectRawRealtime, type RawEvent } from '../support/raw-realtime.js';
import { conversationFromEvents, itemEventProblems, wordsOf } from '../support/realtime-conversation.js';
import { until } from '../support/until.js';

let served: ChatServed;
let chat: ChatFixture;
let server: VoiceAgentServer;
beforeAll(async () => {
  served = await serveOnChatFixture();
  ({ chat, server } = served);
}, 60_000);
afterAll(() => served?.close());

const RATE_HZ = 24_000;
const audio = (ms: number, speech: boolean) =>
  Buffer.concat(
    Array.from({ length: ms / 20 }, (_, i) =>
      speech ? makeSpeechFrame(RATE_HZ, 20, i) : makeSilenceFrame(RATE_HZ, 20),
    ),
  ).toString('base64');
const NAVIGATE = {
  type: 'function',
  name: 'navigate',
  description: 'Drive',
  parameters: { type: 'object', properties: { place: { type: 'string' } } },
};
const text = (t: string) => ({
  type: 'conversation.item.create',
  item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: t }] },
});
const responsesDone = (events: RawEvent[]) => events.filter((e) => e.type === 'response.done').length;

describe('Realtime conversation items', () => {
  it(
    'every item follows the one before it; items are retrieved and deleted; a lone function call is ' + 'output 0',
    async () => {
      const c = await connectRawRealtime(server.http.url);
      c.send({ type: 'session.update', session: { type: 'realtime', tools: [NAVIGATE] } });
      await c.waitFor('session.updated');
      chat.behave({ tokens: ['Hello', ' there.'] });
      c.send(text('hi'));
      c.send({ type: 'response.create' });
      await until('the first reply', () => responsesDone(c.events) === 1);

      chat.behave({ tokens: ['Sure.'] });
      c.send({ type: 'input_audio_buffer.append', audio: audio(400, true) });
      c.send({ type: 'input_audio_buffer.append', audio: audio(800, false) });
      await until('the reply to the utterance', () => responsesDone(c.events) === 2);

      chat.behave({
        tokens: [],
        toolCall: { id: 'call_1', name: 'navigate', argumentFragments: ['{"place":"kitchen"}'] },
      });
      c.send(text('drive to the kitchen'));
      c.send({ type: 'response.create' });
      const call = await c.waitFor(
        'response.output_item.done',
        (e) => (e.item as { type: string }).type === 'function_call',
      );
      expect(call.output_index).toBe(0);
      const callItem = call.item as { id: string };
      await c.waitFor('conversation.item.done', (e) => (e.item as { id: string }).id === callItem.id);
      await until('the call response done', () => responsesDone(c.events) === 3);
      chat.behave({ tokens: ['Arrived.'] });
      c.send({
        type: 'conversation.item.create',
        item: { type: 'function_call_output', call_id: 'call_1', output: 'arrived' },
      });
      c.send({ type: 'response.create' });
      await until('the follow-up', () => responsesDone(c.events) === 4);

      expect(itemEventProblems(c.events)).toEqual([]);
      const items = conversationFromEvents(c.events);
      expect(items.map((i) => [i.type, i.role ?? null, wordsOf(i)])).toEqual([
        ['message', 'user', 'hi'],
        ['message', 'assistant', 'Hello there.'],
        ['message', 'user', 'hello robot'],
        ['message', 'assistant', 'Sure.'],
        ['message', 'user', 'drive to the kitchen'],
        ['function_call', null, 'navigate({"place":"kitchen"})'],
        ['function_call_output', null, '=> arrived'],
        ['message', 'assistant', 'Arrived.'],
      ]);
      // The call response's output is the call alone, at 0.
      const callResponse = c.events.find(
        (e) => e.type === 'response.done' && JSON.stringify(e).includes('"function_call"'),
      )!;
      expect((callResponse.response as { output: Array<{ type: string }> }).output.map((o) => o.type)).toEqual([
        'function_call',
      ]);

      // What the server holds is what the events said, item for item.
      for (const item of items) {
        c.send({ type: 'conversation.item.retrieve', item_id: item.id });
        const got = await c.waitFor('conversation.item.retrieved', (e) => (e.item as { id: string }).id === item.id);
        expect(got.item).toEqual(item);
      }
      c.send({ type: 'conversation.item.delete', event_id: 'del_1', item_id: items[0]!.id });
      await c.waitFor('conversation.item.deleted', (e) => e.item_id === items[0]!.id);
      c.send({ type: 'conversation.item.retrieve', event_id: 'ret_1', item_id: items[0]!.id });
      const missing = await c.waitFor('error', (e) => (e.error as { event_id: string }).event_id === 'ret_1');
      expect(missing.error).toMatchObject({ code: 'item_not_found' });
      // A message placed by the client after an item it names.
      c.send({ ...text('placed'), previous_item_id: items[2]!.id });
      const placed = await c.waitFor('conversation.item.added', (e) => JSON.stringify(e.item).includes('placed'));
      expect(placed.previous_item_id).toBe(items[2]!.id);
      expect(c.events.filter((e) => e.type === 'error').map((e) => (e.error as { event_id: string }).event_id)).toEqual(
        ['ret_1'],
      );
      c.ws.close();
    },
    30_000,
  );

  it('a truncate sent while the reply still plays is applied at its cut, clamped to the audio sent', async () => {
    const c = await connectRawRealtime(server.http.url);
    chat.behave({ tokens: ['One two three four five six seven eight nine ten.'] });
    c.send(text('count'));
    c.send({ type: 'response.create' });
    const added = await c.waitFor('response.output_item.added');
    const itemId = (added.item as { id: string }).id;
    await c.waitFor('response.output_audio.delta');
    // As a client does at speech_started: its own buffer played 250 ms; the server's reply is still going.
    c.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 250 });
    await new Promise((r) => setTimeout(r, 300));
    expect(c.events.some((e) => e.type === 'conversation.item.truncated')).toBe(false);
    c.send({ type: 'response.cancel' });
    const truncated = await c.waitFor('conversation.item.truncated');
    expect(truncated).toMatchObject({ item_id: itemId, audio_end_ms: 250 });
    c.send({ type: 'conversation.item.retrieve', item_id: itemId });
    const got = await c.waitFor('conversation.item.retrieved');
    // The words within 250 ms of a 100 ms-a-word voice, as the chart's history has them: fewer than at the cut.
    const words = wordsOf(got.item as never);
    expect(words.split(' ').length).toBeGreaterThanOrEqual(2);
    expect(words.split(' ').length).toBeLessThanOrEqual(3);
    await c.waitFor('voice_agent.conversation.item.heard', (e) => e.transcript === words && e.item_id === itemId);
    const atCut = (
      c.events.find((e) => e.type === 'response.done')!.response as {
        output: Array<{ content: Array<{ transcript: string }> }>;
      }
    ).output[0]!;
    expect(atCut.content[0]!.transcript.startsWith(words)).toBe(true);

    // More than was sent is clamped to what was sent.
    chat.behave({ tokens: ['Short.'] });
    c.send(text('again'));
    c.send({ type: 'response.create' });
    await until('the second reply', () => responsesDone(c.events) === 2);
    const second = conversationFromEvents(c.events).at(-1)!;
    const sentMs = c.events
      .filter((e) => e.type === 'response.output_audio.delta' && e.item_id === second.id)
      .reduce((ms, e) => ms + Buffer.from(String(e.delta), 'base64').byteLength / 48, 0);
    c.send({ type: 'conversation.item.truncate', item_id: second.id, content_index: 0, audio_end_ms: 60_000 });
    const clamped = await c.waitFor('conversation.item.truncated', (e) => e.item_id === second.id);
    expect(clamped.audio_end_ms).toBe(Math.floor(sentMs));
    expect(c.events.filter((e) => e.type === 'error')).toEqual([]);
    c.ws.close();
  }, 30_000);
});
