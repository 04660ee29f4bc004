/**
 * The conformance scenarios for the `openai` package's `OpenAIRealtimeWS` and `OpenAIRealtimeWebSocket`
 * (6.x and 7.x share their API): typed text, streamed speech, a barge-in the client handles as OpenAI's own clients do
 * (`conversation.item.truncate` and `response.cancel` at `speech_started`), and a tool round trip. After
 * each, the conversation its events describe is the server's, item for item (each retrieved), with no
 * `error` event and no audio of a cut response after `speech_started`.
 *
 * @example
 * ```ts
 * import OpenAI from 'openai';
 * import { OpenAIRealtimeWS } from 'openai/realtime/ws';
 * openAIConformance(
 *   'openai 6.49',
 *   (baseURL, ca) =>
 *     new OpenAIRealtimeWS({ model: 'voice-agent', options: { ca } }, new OpenAI({ apiKey: API_KEY, baseURL })),
 * );
 * ```
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, SPOKEN, startConformanceServer, streamSpeech, type ConformanceWorld } from './conformance.js';
import { report } from '../../sim/conformance-figures.js';
import { conversationFromEvents, itemEventProblems, wordsOf, type WireItem } from './realtime-conversation.js';
import { until } from './until.js';

type Event = { type: string; [k: string]: unknown };
/**
 * What the suite uses of an `OpenAIRealtimeWS` (its socket a `ws` one) or an `OpenAIRealtimeWebSocket`
 * (its socket the runtime's `WebSocket`, browser-style), of either major version.
 */
export interface OpenAIRealtimeLike {
  socket:
    | { once(event: 'open' | 'error', listener: (...args: never[]) => void): unknown }
    | { addEventListener(event: 'open' | 'error', listener: () => void, options?: { once: boolean }): unknown };
  on(event: 'event', listener: (e: never) => void): unknown;
  on(event: 'error', listener: (e: { message: string }) => void): unknown;
  send(event: never): void;
  close(): void;
}

export { API_KEY };

export function openAIConformance(client: string, open: (baseURL: string, ca: Buffer) => OpenAIRealtimeLike): void {
  let world: ConformanceWorld;
  beforeAll(async () => {
    world = await startConformanceServer({ tls: true });
  }, 60_000);
  afterAll(() => world?.stop());

  async function connect() {
    const rt = open(`${world.httpUrl}/v1`, world.tls!.ca);
    const events: Event[] = [];
    const errors: string[] = [];
    const seenAt = new Map<Event, number>();
    rt.on('event', ((e: Event) => {
      events.push(e);
      seenAt.set(e, Date.now());
    }) as never);
    rt.on('error', (e) => errors.push(e.message));
    await new Promise<void>((resolve, reject) => {
      const { socket } = rt;
      if ('once' in socket) {
        socket.once('open', () => resolve());
        socket.once('error', reject as never);
      } else {
        socket.addEventListener('open', () => resolve(), { once: true });
        socket.addEventListener('error', () => reject(new Error('the WebSocket did not open')), { once: true });
      }
    });
    const send = (e: Record<string, unknown>) => rt.send(e as never);
    const waitFor = async (type: string, match: (e: Event) => boolean = () => true) => {
      await until(type, () => events.some((e) => e.type === type && match(e)), {
        detail: () => events.map((e) => e.type).join(', '),
      });
      return events.find((e) => e.type === type && match(e))!;
    };
    /** The server's items, one `conversation.item.retrieve` each, against those the events describe. */
    const expectServerHistory = async () => {
      const items = conversationFromEvents(events);
      for (const item of items) {
        send({ type: 'conversation.item.retrieve', item_id: item.id });
        const got = await waitFor('conversation.item.retrieved', (e) => (e.item as WireItem).id === item.id);
        expect(got.item).toEqual(item);
      }
      expect(itemEventProblems(events)).toEqual([]);
      return items;
    };
    const firstAudioAfter = (sentAt: number, responseId?: string) => {
      const first = events.find(
        (e) => e.type === 'response.output_audio.delta' && (responseId === undefined || e.response_id === responseId),
      );
      return first ? seenAt.get(first)! - sentAt : null;
    };
    return { rt, events, errors, seenAt, send, waitFor, expectServerHistory, firstAudioAfter };
  }

  describe(`Realtime conformance: ${client}`, () => {
    it('typed text: the reply, its metadata, the history', async () => {
      const c = await connect();
      world.chat.behave({ tokens: ['It is', ' noon.'] });
      c.send({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'what time is it' }] },
      });
      const sentAt = Date.now();
      c.send({ type: 'response.create', response: { metadata: { client_event_id: 'typed_1' } } });
      const done = await c.waitFor('response.done');
      expect(done.response).toMatchObject({ status: 'completed', metadata: { client_event_id: 'typed_1' } });
      const items = await c.expectServerHistory();
      expect(items.map((i) => [i.role, wordsOf(i)])).toEqual([
        ['user', 'what time is it'],
        ['assistant', 'It is noon.'],
      ]);
      expect(c.errors).toEqual([]);
      report(client, 'typed text', 'ok', c.firstAudioAfter(sentAt));
      c.rt.close();
    });

    it('streamed speech: speech_started, the transcript, the reply', async () => {
      const c = await connect();
      world.chat.behave({ tokens: ['Noon.'] });
      await streamSpeech((audio) => c.send({ type: 'input_audio_buffer.append', audio }), 600, true);
      await streamSpeech((audio) => c.send({ type: 'input_audio_buffer.append', audio }), 800, false);
      const stopped = await c.waitFor('input_audio_buffer.speech_stopped');
      const done = await c.waitFor('response.done');
      expect(done.response).toMatchObject({ status: 'completed' });
      const types = c.events.map((e) => e.type);
      expect(types.indexOf('input_audio_buffer.speech_started')).toBeLessThan(
        types.indexOf('input_audio_buffer.committed'),
      );
      const items = await c.expectServerHistory();
      expect(items.map((i) => [i.role, wordsOf(i)])).toEqual([
        ['user', SPOKEN],
        ['assistant', 'Noon.'],
      ]);
      expect(c.errors).toEqual([]);
      // From the moment the client learnt the user stopped: its wait for the answer.
      report(client, 'streamed speech', 'ok', c.firstAudioAfter(c.seenAt.get(stopped)!));
      c.rt.close();
    });

    it('barge-in: truncate and cancel at speech_started; no audio of the cut reply after it', async () => {
      const c = await connect();
      world.chat.behave({
        tokens: ['Here is a long answer that takes a good while to say out loud, word after word.'],
      });
      c.send({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'tell me' }] },
      });
      const sentAt = Date.now();
      c.send({ type: 'response.create' });
      const first = await c.waitFor('response.output_audio.delta');
      const firstAt = Date.now();
      const cutId = String(first.response_id);
      const itemId = String(first.item_id);
      let stoppedAt = -1;
      // What OpenAI's own clients do at speech_started: stop playing, truncate to what played, cancel.
      const onStart = setInterval(() => {
        const started = c.events.findIndex((e) => e.type === 'input_audio_buffer.speech_started');
        if (started === -1 || stoppedAt !== -1) return;
        stoppedAt = started;
        c.send({
          type: 'conversation.item.truncate',
          item_id: itemId,
          content_index: 0,
          audio_end_ms: Date.now() - firstAt,
        });
        c.send({ type: 'response.cancel' });
      }, 5);
      await new Promise((r) => setTimeout(r, 300));
      world.chat.behave({ tokens: ['Yes?'] });
      await streamSpeech((audio) => c.send({ type: 'input_audio_buffer.append', audio }), 900, true);
      await streamSpeech((audio) => c.send({ type: 'input_audio_buffer.append', audio }), 800, false);
      await until('the answer to the barge-in', () => c.events.filter((e) => e.type === 'response.done').length === 2);
      await c.waitFor('conversation.item.truncated', (e) => e.item_id === itemId);
      // As the Agents SDK does: a truncate says how much audio was kept, the item's words are learnt by retrieving it.
      c.send({ type: 'conversation.item.retrieve', item_id: itemId });
      await c.waitFor('conversation.item.retrieved', (e) => (e.item as WireItem).id === itemId);
      clearInterval(onStart);
      expect(stoppedAt).toBeGreaterThan(-1);
      expect(
        c.events.slice(stoppedAt).filter((e) => e.type === 'response.output_audio.delta' && e.response_id === cutId),
      ).toEqual([]);
      const cut = c.events.find((e) => e.type === 'response.done')!.response as { status: string };
      expect(cut.status).toBe('cancelled');
      const items = await c.expectServerHistory();
      expect(items.map((i) => i.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      expect(wordsOf(items[1]!).length).toBeLessThan(80);
      expect(c.errors).toEqual([]);
      report(client, 'barge-in + truncate', 'ok', firstAt - sentAt);
      c.rt.close();
    }, 30_000);

    it("a tool: the call streamed, the client's output answered", async () => {
      const c = await connect();
      c.send({
        type: 'session.update',
        session: {
          type: 'realtime',
          tools: [
            {
              type: 'function',
              name: 'navigate',
              description: 'Drive',
              parameters: { type: 'object', properties: { place: { type: 'string' } } },
            },
          ],
        },
      });
      await c.waitFor('session.updated');
      world.chat.behave({
        tokens: [],
        toolCall: { id: 'call_c1', name: 'navigate', argumentFragments: ['{"place":"kitchen"}'] },
      });
      c.send({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go to the kitchen' }] },
      });
      c.send({ type: 'response.create' });
      const call = await c.waitFor('response.output_item.done', (e) => (e.item as WireItem).type === 'function_call');
      expect(call.output_index).toBe(0);
      world.chat.behave({ tokens: ['Arrived.'] });
      c.send({
        type: 'conversation.item.create',
        item: { type: 'function_call_output', call_id: 'call_c1', output: 'arrived' },
      });
      const sentAt = Date.now();
      c.send({ type: 'response.create' });
      await until('the follow-up', () =>
        c.events.some((e) => e.type === 'response.done' && JSON.stringify(e.response).includes('Arrived.')),
      );
      const items = await c.expectServerHistory();
      expect(items.map((i) => [i.type, wordsOf(i)])).toEqual([
        ['message', 'go to the kitchen'],
        ['function_call', 'navigate({"place":"kitchen"})'],
        ['function_call_output', '=> arrived'],
        ['message', 'Arrived.'],
      ]);
      expect(c.errors).toEqual([]);
      report(client, 'tool', 'ok', c.firstAudioAfter(sentAt));
      c.rt.close();
    });
  });
}
