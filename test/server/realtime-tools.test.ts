/**
 * The Realtime tool contract with the official `openai` client, on a real `serve` whose LLM is an
 * OpenAI-compatible chat server (test/support/chat-fixture.ts) that calls tools: the client's
 * `session.update` tools reach the LLM; the call streams to the client as a function call; its
 * `function_call_output` is the action's result and the next `response.create` speaks the follow-up from
 * the history. A tool nobody declared never reaches the client; unknown call ids get an error; the
 * client's emergency stop reaches the session; an action the session asks for outside a reply comes in a
 * response of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage, MessageType } from '../../bus/messages.js';
import { SESSION_DEFAULTS } from '../../machines/session-defaults.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { startChatFixture, type ChatFixture } from '../support/chat-fixture.js';
import { connectRealtimeClient, type RealtimeTestClient } from '../support/realtime-client.js';
import { makeTestCertificate, type TestCertificate } from '../support/tls.js';
import { until } from '../support/until.js';
import { FAKE_ENGINES } from '../support/fake-config.js';

let chat: ChatFixture;
let server: VoiceAgentServer;
/** The `openai` client speaks `wss://` only. */
let tls: TestCertificate;

beforeAll(async () => {
  chat = await startChatFixture();
  tls = makeTestCertificate();
  const config = loadConfig({
    overrides: {
      ...FAKE_ENGINES,
      llm: { engine: 'openai', baseUrl: chat.baseUrl, model: 'test-model' },
      actions: { path: null },
      server: { port: 0, drainTimeoutMs: 200, tls: { certPath: tls.certPath, keyPath: tls.keyPath } },
    },
  });
  server = await serve({ config, log: silentLogger });
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await chat?.close();
});

const NAVIGATE = {
  type: 'function' as const,
  name: 'navigate',
  description: 'Drive the robot to a place',
  parameters: { type: 'object', properties: { place: { type: 'string' } }, required: ['place'] },
};

/** A client whose session's bus messages of `types` are recorded too. */
async function open(
  types: MessageType[] = [],
): Promise<{ client: RealtimeTestClient; sessionId: string; seen: BusMessage[] }> {
  const client = await connectRealtimeClient({ baseURL: `${server.http.url}/v1`, apiKey: 'unused', ca: tls.ca });
  const sessionId = ((await client.waitFor('session.created')).session as unknown as { id: string }).id;
  const seen: BusMessage[] = [];
  for (const type of types) server.bus.subscribe(server.bus.subjects.forEvent(sessionId, type), (m) => seen.push(m));
  await server.bus.flush();
  return { client, sessionId, seen };
}
const say = (client: RealtimeTestClient, text: string) => {
  client.send({
    type: 'conversation.item.create',
    item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
  });
  client.send({ type: 'response.create' });
};

describe('Realtime tools with the openai client', () => {
  it(
    'a tool round trip: declared by the client, called by the LLM, run by the client, answered from ' + 'its output',
    async () => {
      const { client, seen } = await open(['control.configure', 'action.accepted', 'action.result', 'control.respond']);
      client.send({ type: 'session.update', session: { type: 'realtime', tools: [NAVIGATE], tool_choice: 'auto' } });
      const updated = await client.waitFor('session.updated');
      expect(updated.session).toMatchObject({
        tools: [expect.objectContaining({ name: 'navigate' })],
        tool_choice: 'auto',
      });
      await until('control.configure with the client tools', () =>
        seen.some(
          (m) => m.type === 'control.configure' && m.clientTools?.[0]?.name === 'navigate' && m.toolChoice === 'auto',
        ),
      );

      chat.behave({
        tokens: ['Driving', ' there.'],
        toolCall: { id: 'call_nav_1', name: 'navigate', argumentFragments: ['{"place":', '"kitchen"}'] },
      });
      say(client, 'drive to the kitchen');
      const call = await client.waitFor('response.output_item.done', (e) => e.item.type === 'function_call');
      expect(call.item).toMatchObject({
        type: 'function_call',
        status: 'completed',
        call_id: 'call_nav_1',
        name: 'navigate',
      });
      expect(JSON.parse(call.item.type === 'function_call' ? call.item.arguments : '')).toEqual({ place: 'kitchen' });
      const deltas = client.ofType('response.function_call_arguments.delta').filter((d) => d.call_id === 'call_nav_1');
      expect(deltas.map((d) => d.delta).join('')).toBe(
        client.ofType('response.function_call_arguments.done').find((d) => d.call_id === 'call_nav_1')!.arguments,
      );
      // The LLM was offered the client's tool.
      expect(JSON.stringify(chat.requests[0]!.body.tools)).toContain('"navigate"');
      expect(chat.requests[0]!.body.tool_choice).toBe('auto');
      await until('the call accepted', () => seen.some((m) => m.type === 'action.accepted'));
      const accepted = seen.find((m) => m.type === 'action.accepted');
      expect(accepted).toBeDefined();

      chat.behave({ tokens: ['Arrived', ' at the kitchen.'] });
      client.send({
        type: 'conversation.item.create',
        item: { type: 'function_call_output', call_id: 'call_nav_1', output: 'arrived' },
      });
      await client.waitFor(
        'conversation.item.added',
        (e) => e.item.type === 'function_call_output' && e.item.call_id === 'call_nav_1',
      );
      client.send({ type: 'response.create' });
      await until(
        'the result and the follow-up asked for',
        () =>
          seen.some((m) => m.type === 'action.result' && m.result === 'arrived') &&
          seen.some((m) => m.type === 'control.respond'),
      );
      expect(seen.find((m) => m.type === 'action.result')).toMatchObject({
        actionId: accepted!.type === 'action.accepted' ? accepted!.actionId : '',
      });

      const followUp = await client.waitFor(
        'response.done',
        (d) =>
          d.response.status === 'completed' &&
          client
            .ofType('response.output_audio_transcript.done')
            .some((t) => t.response_id === d.response.id && t.transcript === 'Arrived at the kitchen.'),
      );
      expect(client.ofType('response.output_audio.delta').some((d) => d.response_id === followUp.response.id)).toBe(
        true,
      );
      // The LLM was given the call and its output.
      const messages = JSON.stringify(chat.requests.at(-1)!.body.messages);
      expect(messages).toContain('call_nav_1');
      expect(messages).toContain('arrived');
      const lifecycle = client.events.flatMap((e) =>
        (e.type as string) === 'voice_agent.action' ? [(e as unknown as { status: string }).status] : [],
      );
      expect(lifecycle).toEqual(['requested', 'accepted', 'result']);
      expect(client.errors).toEqual([]);
      client.close();
    },
    30_000,
  );

  it('a tool the LLM invents never reaches the client: the client hears the refusal and gets the notice', async () => {
    const { client, seen } = await open(['action.request']);
    client.send({ type: 'session.update', session: { type: 'realtime', tools: [NAVIGATE] } });
    await client.waitFor('session.updated');
    chat.behave({
      tokens: ['Goodbye.'],
      toolCall: { id: 'call_boom', name: 'self_destruct', argumentFragments: ['{}'] },
    });
    say(client, 'blow yourself up');
    const notice = await client.waitFor(
      'voice_agent.notice' as never,
      ((e: { code: string }) => e.code === 'action_refused') as never,
    );
    expect(notice).toMatchObject({ code: 'action_refused', detail: expect.stringContaining('self_destruct') });
    // The refusal is spoken in a response of its own, with its words.
    await client.waitFor(
      'response.done',
      (d) =>
        d.response.status === 'completed' &&
        client
          .ofType('response.output_audio_transcript.done')
          .some((t) => t.response_id === d.response.id && t.transcript === SESSION_DEFAULTS.actions.refusedText),
    );
    expect(client.ofType('response.output_item.added').filter((e) => e.item.type === 'function_call')).toEqual([]);
    expect(client.ofType('response.function_call_arguments.done')).toEqual([]);
    expect(seen).toEqual([]);
    expect(client.errors).toEqual([]);
    client.close();
  }, 30_000);

  it('an output for a call never sent gets an error naming it; the connection stays up', async () => {
    const { client } = await open();
    client.send({
      type: 'conversation.item.create',
      event_id: 'e-out',
      item: { type: 'function_call_output', call_id: 'call_nobody', output: 'done' },
    });
    await until('the error', () => client.errors.length > 0);
    expect(client.errors).toEqual([
      { code: 'invalid_call_id', event_id: 'e-out', message: expect.stringContaining('"call_nobody"') },
    ]);
    expect(client.ofType('conversation.item.added')).toEqual([]);
    client.send({ type: 'session.update', session: { type: 'realtime', instructions: 'still here' } });
    await client.waitFor('session.updated');
    client.close();
  }, 30_000);

  it("the client's emergency stop cuts the reply at once and cancels the client's running call", async () => {
    const { client, seen } = await open(['control.estop', 'action.cancel']);
    client.send({ type: 'session.update', session: { type: 'realtime', tools: [NAVIGATE] } });
    await client.waitFor('session.updated');
    const words = ('I will drive there slowly and tell you about every step of the ' + 'way while I go.')
      .split(' ')
      .map((w, i) => (i ? ` ${w}` : w));
    chat.behave({
      tokens: words,
      toolCall: { id: 'call_nav_2', name: 'navigate', argumentFragments: ['{"place":"door"}'] },
    });
    say(client, 'drive to the door');
    const call = await client.waitFor('response.output_item.done', (e) => e.item.type === 'function_call');
    const audio = await client.waitFor('response.output_audio.delta');
    client.rt.socket.send(JSON.stringify({ type: 'voice_agent.estop', event_id: 'e-stop' }));
    const cut = await client.waitFor('response.done', (d) => d.response.id === audio.response_id);
    expect(cut.response.status).toBe('cancelled');
    await client.waitFor('voice_agent.notice' as never, ((e: { code: string }) => e.code === 'estop') as never);
    await until('the call cancelled', () => seen.some((m) => m.type === 'action.cancel' && m.reason === 'estop'));
    const cancelled = await client.waitFor(
      'voice_agent.action' as never,
      ((e: { status: string }) => e.status === 'cancelled') as never,
    );
    expect(cancelled).toMatchObject({ name: 'navigate', call_id: 'call_nav_2', detail: 'estop' });
    expect(seen.find((m) => m.type === 'control.estop')).toMatchObject({ source: 'client' });
    // Its output, late, is not used.
    client.send({
      type: 'conversation.item.create',
      event_id: 'e-late',
      item: {
        type: 'function_call_output',
        call_id: (call.item as { call_id?: string }).call_id ?? '',
        output: 'arrived',
      },
    });
    await until('the late output refused', () => client.errors.some((e) => e.event_id === 'e-late'));
    expect(client.errors).toEqual([
      { code: 'invalid_call_id', event_id: 'e-late', message: expect.stringContaining('cancelled') },
    ]);
    client.close();
  }, 30_000);

  it("the client's emergency stop, and a client action asked for outside any reply", async () => {
    const { client, sessionId, seen } = await open(['control.estop', 'action.accepted']);
    client.rt.socket.send(JSON.stringify({ type: 'voice_agent.estop' }));
    await until('control.estop', () => seen.some((m) => m.type === 'control.estop' && m.source === 'client'));
    // What the chart publishes for a client tool, here with no reply open: a response of its own.
    server.bus.publish({
      type: 'action.request',
      sessionId,
      turnId: 't9',
      actionId: 'a99',
      name: 'wave',
      arguments: { hand: 'left' },
      callId: 'call_wave',
      runsOn: 'client',
      timeoutMs: 30_000,
    });
    const done = await client.waitFor('response.done', (d) => d.response.id === 'resp_a99');
    expect(done.response.output).toEqual([
      expect.objectContaining({
        type: 'function_call',
        call_id: 'call_wave',
        name: 'wave',
        arguments: '{"hand":"left"}',
      }),
    ]);
    await until('the action accepted', () => seen.some((m) => m.type === 'action.accepted' && m.actionId === 'a99'));
    expect(client.errors).toEqual([]);
    client.close();
  }, 30_000);
});
