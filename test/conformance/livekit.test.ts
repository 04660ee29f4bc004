/**
 * Conformance: LiveKit's `@livekit/agents-plugin-openai` 1.9 `realtime.RealtimeModel` with `baseURL`
 * pointed here, unmodified, its `RealtimeSession` without a room: a user message synced by
 * `updateChatCtx` and answered by `generateReply()` (matched by the response's `metadata`: answered well
 * under its 10 s timeout), an instructions-only `generateReply("Greet the user.")` that is spoken, and its
 * chat context equal to the server's conversation item for item, with no `error`.
 */
import { initializeLogger, llm, voice } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { API_KEY, startConformanceServer, type ConformanceWorld } from '../support/conformance.js';
import { report } from '../../sim/conformance-figures.js';
import { conversationFromEvents, itemEventProblems, wordsOf } from '../support/realtime-conversation.js';
import { until } from '../support/until.js';

const CLIENT = '@livekit/agents-plugin-openai 1.9';
/** Generous: the server answers in tens of ms; LiveKit's own timeout is 10 s. Not a timing assertion. */
const ANSWERED_WITHIN_MS = 1000;
let world: ConformanceWorld;
beforeAll(async () => {
  initializeLogger({ pretty: false, level: 'warn' });
  world = await startConformanceServer();
}, 60_000);
afterAll(() => world?.stop());

type Event = { type: string; [k: string]: unknown };

function open() {
  const model = new openai.realtime.RealtimeModel({
    baseURL: `${world.httpUrl}/v1`,
    apiKey: API_KEY,
    model: 'voice-agent',
  });
  const session = model.session();
  const events: Event[] = [];
  const errors: unknown[] = [];
  session.on('openai_server_event_received', (e: Event) => events.push(e));
  session.on('error', (e: { error: unknown }) => errors.push(e.error));
  return { model, session, events, errors };
}

/** A generation read to its end: its text, the audio frames it carried, and when the first came (`Date.now()`). */
async function readGeneration(
  generation: llm.GenerationCreatedEvent,
): Promise<{ text: string; frames: number; firstFrameAt: number | null }> {
  let text = '';
  let frames = 0;
  let firstFrameAt: number | null = null;
  for await (const message of generation.messageStream) {
    const reading = [
      (async () => {
        for await (const t of message.textStream) text += t;
      })(),
      (async () => {
        for await (const _frame of message.audioStream) if (frames++ === 0) firstFrameAt = Date.now();
      })(),
    ];
    await Promise.all(reading);
  }
  return { text, frames, firstFrameAt };
}

/** The session's chat context as [id, role, words], beside the server's conversation. */
const chatWords = (ctx: llm.ChatContext) =>
  ctx.items.flatMap((i) =>
    i.type === 'message' ? [[i.id, i.role, (i.textContent ?? '').trim()]] : [[i.id, i.type, '']],
  );

describe(`Realtime conformance: ${CLIENT}`, () => {
  it(
    'a synced user message answered by generateReply(), matched by its metadata; the chat context is ' +
      'the server conversation',
    async () => {
      const c = open();
      world.chat.behave({ tokens: ['It is', ' noon.'] });
      const ctx = c.session.chatCtx.copy();
      ctx.addMessage({ role: 'user', content: 'what time is it' });
      await c.session.updateChatCtx(ctx);
      const asked = Date.now();
      const generation = await c.session.generateReply();
      const answeredMs = Date.now() - asked;
      expect(answeredMs).toBeLessThan(ANSWERED_WITHIN_MS);
      const { text, frames, firstFrameAt } = await readGeneration(generation);
      expect(text).toBe('It is noon.');
      expect(frames).toBeGreaterThan(0);
      await until('the response done', () => c.events.some((e) => e.type === 'response.done'));
      const items = conversationFromEvents(c.events);
      expect(itemEventProblems(c.events)).toEqual([]);
      expect(items.map((i) => [i.id, i.role, wordsOf(i)])).toEqual(chatWords(c.session.chatCtx));
      expect(items.map((i) => wordsOf(i))).toEqual(['what time is it', 'It is noon.']);
      expect(c.errors).toEqual([]);
      report(CLIENT, 'generateReply after a synced message', `ok, answered in ${answeredMs} ms`, firstFrameAt! - asked);
      await c.session.close();
    },
  );

  it('generateReply("Greet the user.") with no user turn is spoken', async () => {
    const c = open();
    world.chat.behave({ tokens: ['Hello,', ' I am the robot.'] });
    const asked = Date.now();
    const generation = await c.session.generateReply('Greet the user.');
    const answeredMs = Date.now() - asked;
    expect(answeredMs).toBeLessThan(ANSWERED_WITHIN_MS);
    const { text, frames, firstFrameAt } = await readGeneration(generation);
    expect(text).toBe('Hello, I am the robot.');
    expect(frames).toBeGreaterThan(0);
    const system = (world.chat.requests.at(-1)!.body.messages as Array<{ content: string }>)[0]!.content;
    expect(system).toContain('Greet the user.');
    expect(c.errors).toEqual([]);
    report(CLIENT, 'generateReply(instructions) greeting', `ok, answered in ${answeredMs} ms`, firstFrameAt! - asked);
    await c.session.close();
  });

  it(
    'an AgentSession with a tool, without a room: the call run, the follow-up spoken, each step ' + 'answered at once',
    async () => {
      const model = new openai.realtime.RealtimeModel({
        baseURL: `${world.httpUrl}/v1`,
        apiKey: API_KEY,
        model: 'voice-agent',
      });
      const navigated: string[] = [];
      const agent = new voice.Agent({
        instructions: 'You are a robot.',
        tools: {
          navigate: llm.tool({
            description: 'Drive the robot to a place',
            parameters: z.object({ place: z.string() }),
            execute: async ({ place }) => {
              navigated.push(place);
              world.chat.behave({ tokens: ['Arrived.'] });
              return `arrived at the ${place}`;
            },
          }),
        },
      });
      const session = new voice.AgentSession({ llm: model });
      const errors: unknown[] = [];
      session.on(voice.AgentSessionEventTypes.Error, (e) => errors.push(e.error));
      await session.start({ agent });
      world.chat.behave({
        tokens: [],
        toolCall: { id: 'call_lk_1', name: 'navigate', argumentFragments: ['{"place":"kitchen"}'] },
      });
      const asked = Date.now();
      const handle = session.generateReply({ userInput: 'go to the kitchen' });
      await handle.waitForPlayout();
      await until(
        'the follow-up in the chat context',
        () => JSON.stringify(session.history.items).includes('Arrived.'),
        { timeoutMs: 10_000 },
      );
      const tookMs = Date.now() - asked;
      expect(navigated).toEqual(['kitchen']);
      // Each step is matched at once (not after LiveKit's 10 s timeout): the whole tool turn within a few seconds.
      expect(tookMs).toBeLessThan(5_000);
      expect(errors).toEqual([]);
      report(CLIENT, 'AgentSession tool turn', `ok, in ${tookMs} ms`, null);
      await session.close();
    },
    30_000,
  );
});
