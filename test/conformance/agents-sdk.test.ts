/**
 * Conformance: OpenAI's Agents SDK, `@openai/agents-realtime` 0.20, its `RealtimeSession` over the
 * WebSocket transport, unmodified: typed text, streamed speech, a barge-in (the SDK truncates at
 * `speech_started` by itself) and a `tool()` it runs itself. After each, `session.history` is the
 * server's conversation item for item (the SDK folds a function output into its call), no `error`
 * reached the session, and no audio of a cut response came after `audio_interrupted`.
 */
import { RealtimeAgent, RealtimeSession, tool, type RealtimeItem } from '@openai/agents-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  API_KEY,
  SPOKEN,
  startConformanceServer,
  streamSpeechBytes,
  type ConformanceWorld,
} from '../support/conformance.js';
import { report } from '../../sim/conformance-figures.js';
import { conversationFromEvents, itemEventProblems, wordsOf, type WireItem } from '../support/realtime-conversation.js';
import { until } from '../support/until.js';

const CLIENT = '@openai/agents-realtime 0.20';
let world: ConformanceWorld;
beforeAll(async () => {
  world = await startConformanceServer();
}, 60_000);
afterAll(() => world?.stop());

type Event = { type: string; [k: string]: unknown };

/** The SDK's item as words: a call with its output folded in, as the SDK keeps it. */
function sdkWords(item: RealtimeItem): [string, string] {
  if (item.type === 'function_call') return [item.itemId, `${item.name}(${item.arguments}) => ${item.output ?? ''}`];
  if (item.type !== 'message') return [item.itemId, item.type];
  const words = item.content
    .map((c) => ('text' in c ? c.text : 'transcript' in c ? (c.transcript ?? '') : ''))
    .join(' ');
  return [item.itemId, words];
}
/** The server's conversation in the SDK's shape: each function output folded into its call. */
function serverWords(items: WireItem[]): Array<[string, string]> {
  const outputs = new Map(items.filter((i) => i.type === 'function_call_output').map((i) => [i.call_id, i.output]));
  return items
    .filter((i) => i.type !== 'function_call_output')
    .map((i) => [
      i.id,
      i.type === 'function_call' ? `${i.name}(${i.arguments}) => ${outputs.get(i.call_id) ?? ''}` : wordsOf(i),
    ]);
}

async function open(tools: ReturnType<typeof tool>[] = []) {
  const agent = new RealtimeAgent({ name: 'robot', instructions: 'You are a robot.', tools });
  const session = new RealtimeSession(agent, { transport: 'websocket', model: 'voice-agent' });
  const events: Event[] = [];
  const errors: unknown[] = [];
  const audio: Array<{ responseId: string; at: number }> = [];
  let interruptedAt = -1;
  const times: number[] = [];
  session.on('transport_event', (e) => times.push(Date.now()) && events.push(e as Event));
  session.on('error', (e) => errors.push(e.error));
  session.transport.on('audio', (e) => audio.push({ responseId: e.responseId, at: events.length }));
  session.on('audio_interrupted', () => (interruptedAt = events.length));
  await session.connect({ apiKey: API_KEY, url: world.realtimeUrl });
  const expectHistoryIsServers = async () => {
    const items = conversationFromEvents(events);
    await until(
      'the SDK history equal to the server conversation',
      () => JSON.stringify(session.history.map(sdkWords)) === JSON.stringify(serverWords(items)),
      {
        detail: () =>
          `sdk ${JSON.stringify(session.history.map(sdkWords))}\nserver ${JSON.stringify(serverWords(items))}`,
      },
    );
    expect(itemEventProblems(events)).toEqual([]);
    expect(errors).toEqual([]);
    return items;
  };
  const firstAudioAfter = (index: number) => {
    const first = events.findIndex((e, i) => i >= index && e.type === 'response.output_audio.delta');
    return first;
  };
  return {
    session,
    events,
    times,
    errors,
    audio,
    interruptedAt: () => interruptedAt,
    expectHistoryIsServers,
    firstAudioAfter,
  };
}

/** Wall time from `from` until the first audio delta after the `index`-th event. */
async function firstAudioMs(c: Awaited<ReturnType<typeof open>>, index: number, from: number): Promise<number> {
  await until('audio', () => c.firstAudioAfter(index) !== -1);
  return Date.now() - from;
}

describe(`Realtime conformance: ${CLIENT}`, () => {
  it('typed text: sendMessage, the reply, the history', async () => {
    const c = await open();
    world.chat.behave({ tokens: ['It is', ' noon.'] });
    const from = Date.now();
    const index = c.events.length;
    c.session.sendMessage('what time is it');
    const ms = await firstAudioMs(c, index, from);
    await until('the reply', () => c.events.some((e) => e.type === 'response.done'));
    const items = await c.expectHistoryIsServers();
    expect(items.map((i) => wordsOf(i))).toEqual(['what time is it', 'It is noon.']);
    report(CLIENT, 'typed text', 'ok', ms);
    c.session.close();
  });

  it('streamed speech: sendAudio, the transcript, the reply', async () => {
    const c = await open();
    world.chat.behave({ tokens: ['Noon.'] });
    await streamSpeechBytes((pcm) => c.session.sendAudio(pcm), 600, true);
    await streamSpeechBytes((pcm) => c.session.sendAudio(pcm), 800, false);
    await until('the reply', () => c.events.some((e) => e.type === 'response.done'));
    const stopped = c.events.findIndex((e) => e.type === 'input_audio_buffer.speech_stopped');
    const items = await c.expectHistoryIsServers();
    expect(items.map((i) => wordsOf(i))).toEqual([SPOKEN, 'Noon.']);
    // From the moment the client learnt the user stopped: its wait for the answer.
    report(CLIENT, 'streamed speech', 'ok', c.times[c.firstAudioAfter(stopped)]! - c.times[stopped]!);
    c.session.close();
  });

  it('barge-in: the SDK truncates at speech_started; no audio of the cut reply after audio_interrupted', async () => {
    const c = await open();
    world.chat.behave({ tokens: ['Here is a long answer that takes a good while to say out loud, word after word.'] });
    const from = Date.now();
    c.session.sendMessage('tell me');
    const ms = await firstAudioMs(c, 0, from);
    await new Promise((r) => setTimeout(r, 300));
    world.chat.behave({ tokens: ['Yes?'] });
    await streamSpeechBytes((pcm) => c.session.sendAudio(pcm), 900, true);
    await streamSpeechBytes((pcm) => c.session.sendAudio(pcm), 800, false);
    await until('the answer to the barge-in', () => c.events.filter((e) => e.type === 'response.done').length === 2);
    await until('the truncate applied', () => c.events.some((e) => e.type === 'conversation.item.truncated'));
    const cutId = (c.events.find((e) => e.type === 'response.created')!.response as { id: string }).id;
    expect(c.interruptedAt()).toBeGreaterThan(-1);
    expect(c.audio.filter((a) => a.responseId === cutId && a.at > c.interruptedAt())).toEqual([]);
    const items = await c.expectHistoryIsServers();
    expect(items.map((i) => i.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    report(CLIENT, 'barge-in + truncate', 'ok', ms);
    c.session.close();
  }, 30_000);

  it('a tool(): the SDK runs it on the call and the follow-up is spoken', async () => {
    const navigated: string[] = [];
    const navigate = tool({
      name: 'navigate',
      description: 'Drive the robot to a place',
      parameters: z.object({ place: z.string() }),
      execute: async ({ place }) => {
        navigated.push(place);
        world.chat.behave({ tokens: ['Arrived.'] });
        return `arrived at the ${place}`;
      },
    });
    const c = await open([navigate]);
    world.chat.behave({
      tokens: [],
      toolCall: { id: 'call_sdk_c1', name: 'navigate', argumentFragments: ['{"place":"kitchen"}'] },
    });
    const from = Date.now();
    c.session.sendMessage('go to the kitchen');
    // The call has no audio: the first is the follow-up's, after the SDK ran the tool and sent its output.
    const ms = await firstAudioMs(c, 0, from);
    await until('the follow-up', () =>
      c.events.some((e) => e.type === 'response.done' && JSON.stringify(e.response).includes('Arrived.')),
    );
    expect(navigated).toEqual(['kitchen']);
    const items = await c.expectHistoryIsServers();
    expect(items.map((i) => i.type)).toEqual(['message', 'function_call', 'function_call_output', 'message']);
    const call = c.events.find(
      (e) => e.type === 'response.output_item.done' && (e.item as WireItem).type === 'function_call',
    )!;
    expect(call.output_index).toBe(0);
    report(CLIENT, 'tool', 'ok', ms);
    c.session.close();
  });
});
