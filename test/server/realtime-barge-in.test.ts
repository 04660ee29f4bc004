/**
 * Barge-in as Realtime clients expect it, on the fake engines with audio streamed at the pace it is recorded:
 * `input_audio_buffer.speech_started` over a reply is sent when the chart's interruption policy cuts the reply, right
 * before its `response.done`, and no audio delta of it follows; the cut reply's item, `conversation.item.done` and
 * `response.done` hold the words heard. Speech the chart lets the reply talk over is never told (the client goes on
 * playing what the chart goes on saying). A short interjection ("oh", ~300 ms of voice: past the onset,
 * `bargeIn.minVoiceMs`) that the policy takes for a barge-in and that carries no words resumes the reply: a new
 * response with the rest of it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/testing/index.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';
import { connectRawRealtime, type RawEvent } from '../support/raw-realtime.js';
import { conversationFromEvents, itemEventProblems, wordsOf } from '../support/realtime-conversation.js';
import { until } from '../support/until.js';

const RATE_HZ = 24_000;
let server: VoiceAgentServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(overrides: Record<string, unknown>) {
  server = await serve({
    config: loadConfig({ overrides: { ...FAKE_ENGINES, ...overrides, server: { port: 0, drainTimeoutMs: 200 } } }),
    log: silentLogger,
  });
  return connectRawRealtime(server.http.url);
}

/** Appends `ms` of speech or silence in 20 ms chunks at the pace it would be recorded. */
async function stream(c: Awaited<ReturnType<typeof connectRawRealtime>>, ms: number, speech: boolean): Promise<void> {
  const begun = Date.now();
  for (let i = 0; i < ms / 20; i++) {
    const frame = speech ? makeSpeechFrame(RATE_HZ, 20, i) : makeSilenceFrame(RATE_HZ, 20);
    c.send({ type: 'input_audio_buffer.append', audio: Buffer.from(frame).toString('base64') });
    await new Promise((r) => setTimeout(r, Math.max(0, begun + (i + 1) * 20 - Date.now())));
  }
}

const reply = FAKE_ENGINES.llm.fakeReply;
const indexOf = (events: RawEvent[], match: (e: RawEvent) => boolean) => events.findIndex(match);
const ask = (c: Awaited<ReturnType<typeof connectRawRealtime>>) => {
  c.send({
    type: 'conversation.item.create',
    item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'talk to me' }] },
  });
  c.send({ type: 'response.create' });
};

/** The cut reply as every event that describes it says it: all the same words heard, fewer than the reply's. */
function expectCutHoldsHeard(events: RawEvent[], responseId: string): string {
  const done = events.find((e) => e.type === 'response.done' && (e.response as { id: string }).id === responseId)!;
  expect(done.response).toMatchObject({ status: 'cancelled', status_details: { reason: 'turn_detected' } });
  const [item] = (done.response as { output: Array<{ id: string; content: Array<{ transcript: string }> }> }).output;
  const heard = item!.content[0]!.transcript;
  expect(reply.startsWith(heard)).toBe(true);
  expect(heard.length).toBeLessThan(reply.length);
  const itemDone = events.find(
    (e) => e.type === 'conversation.item.done' && (e.item as { id: string }).id === item!.id,
  )!;
  expect(wordsOf(itemDone.item as never)).toBe(heard);
  expect(
    events.find((e) => e.type === 'response.output_audio_transcript.done' && e.item_id === item!.id),
  ).toMatchObject({ transcript: heard });
  return heard;
}

describe('Realtime barge-in', () => {
  it(
    'speech_started comes with the cut, before the response ends; no audio of the reply after it; the ' +
      'reply holds what was heard',
    async () => {
      const c = await start({ stt: { engine: 'fake', fakeTranscripts: ['what time is it'] } });
      ask(c);
      await c.waitFor('response.output_audio.delta');
      await new Promise((r) => setTimeout(r, 400));
      await stream(c, 900, true);
      await stream(c, 800, false);
      await until('the answer to the barge-in', () => c.events.filter((e) => e.type === 'response.done').length === 2, {
        detail: () =>
          JSON.stringify(
            c.events
              .filter((e) => !e.type.includes('delta') && e.type !== 'voice_agent.turn.latency')
              .map((e) => [
                e.type,
                e.value ?? e.code ?? e.detail ?? (e.response as { status?: string })?.status ?? e.item_id,
              ])
              .slice(-40),
          ),
      });
      const cut = (c.events.find((e) => e.type === 'response.created')!.response as { id: string }).id;
      const started = indexOf(c.events, (e) => e.type === 'input_audio_buffer.speech_started');
      const cutDone = indexOf(c.events, (e) => e.type === 'response.done');
      expect(started).toBeGreaterThan(-1);
      expect(started).toBeLessThan(cutDone);
      expect(
        c.events.slice(started).filter((e) => e.type === 'response.output_audio.delta' && e.response_id === cut),
      ).toEqual([]);
      expectCutHoldsHeard(c.events, cut);
      expect(c.events.find((e) => e.type === 'conversation.item.input_audio_transcription.completed')).toMatchObject({
        transcript: 'what time is it',
      });
      expect(itemEventProblems(c.events)).toEqual([]);
      expect(conversationFromEvents(c.events).map((i) => i.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      expect(c.events.filter((e) => e.type === 'error')).toEqual([]);
      c.ws.close();
    },
    30_000,
  );

  it(
    'speech the policy lets the reply talk over is never told: no speech_started, no item, the reply ' + 'completes',
    async () => {
      const c = await start({
        session: { bargeIn: { minSpeechMs: 1500 } },
        stt: { engine: 'fake', fakeTranscripts: ['mm hm'] },
      });
      ask(c);
      await c.waitFor('response.output_audio.delta');
      await stream(c, 180, true);
      await stream(c, 800, false);
      const done = await c.waitFor('response.done');
      expect(done.response).toMatchObject({ status: 'completed' });
      await new Promise((r) => setTimeout(r, 300));
      const told = c.events.filter(
        (e) => e.type.startsWith('input_audio_buffer.') || e.type.startsWith('conversation.item.input_audio'),
      );
      expect(told).toEqual([]);
      expect(conversationFromEvents(c.events).map((i) => [i.role, wordsOf(i)])).toEqual([
        ['user', 'talk to me'],
        ['assistant', reply],
      ]);
      c.ws.close();
    },
    30_000,
  );

  it(
    'a short interjection ("oh") that cut the reply and carries no words: the rest of the reply comes ' +
      'as a new response',
    async () => {
      const c = await start({ stt: { engine: 'fake', fakeTranscripts: [] } });
      ask(c);
      await c.waitFor('response.output_audio.delta');
      await new Promise((r) => setTimeout(r, 300));
      await stream(c, 300, true);
      await stream(c, 1000, false);
      await until('the resumed reply', () => c.events.filter((e) => e.type === 'response.done').length === 2, {
        detail: () =>
          JSON.stringify(
            c.events
              .filter((e) => !e.type.includes('delta') && e.type !== 'voice_agent.turn.latency')
              .map((e) => [
                e.type,
                e.value ?? e.code ?? e.detail ?? (e.response as { status?: string })?.status ?? e.item_id,
              ])
              .slice(-40),
          ),
      });
      const [cut, resumed] = c.events
        .filter((e) => e.type === 'response.done')
        .map((e) => e.response as { id: string; status: string; output: unknown[] });
      const started = indexOf(c.events, (e) => e.type === 'input_audio_buffer.speech_started');
      expect(started).toBeLessThan(c.events.indexOf(c.events.find((e) => e.type === 'response.done')!));
      expect(
        c.events.slice(started).filter((e) => e.type === 'response.output_audio.delta' && e.response_id === cut!.id),
      ).toEqual([]);
      const heard = expectCutHoldsHeard(c.events, cut!.id);
      expect(resumed).toMatchObject({ status: 'completed' });
      const rest = wordsOf((resumed!.output as never[])[0]!);
      // The rest starts at the first part not heard in full: heard and rest together cover the reply.
      expect(reply.endsWith(rest)).toBe(true);
      expect(`${heard} ${rest}`.length).toBeGreaterThanOrEqual(reply.length);
      expect(itemEventProblems(c.events)).toEqual([]);
      expect(c.events.filter((e) => e.type === 'error')).toEqual([]);
      c.ws.close();
    },
    30_000,
  );
});
