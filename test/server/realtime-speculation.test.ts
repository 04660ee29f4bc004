/**
 * Speculative replies seen from a Realtime client: a guess made at a pause mid-sentence (and discarded when
 * the user goes on) never shows up — no response, no transcript delta, no audio — and the reply that is
 * given answers the whole sentence, in one response.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/testing/index.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';

type Event = { type: string; [k: string]: unknown };
const RATE_HZ = 24_000;
const SENTENCE = 'what is the weather in paris';
let server: VoiceAgentServer;
beforeAll(async () => {
  const overrides = {
    ...FAKE_ENGINES,
    stt: { engine: 'fake', fakeTranscripts: [SENTENCE] },
    session: { turn: { speculate: 'on' } },
    server: { port: 0, drainTimeoutMs: 200 },
  };
  server = await serve({ config: loadConfig({ overrides }), log: silentLogger });
});
afterAll(() => server?.stop());

const audio = (ms: number, speech: boolean) =>
  Buffer.concat(
    Array.from({ length: ms / 20 }, (_, i) =>
      speech ? makeSpeechFrame(RATE_HZ, 20, i) : makeSilenceFrame(RATE_HZ, 20),
    ),
  ).toString('base64');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Realtime and speculative replies', () => {
  it('a discarded guess is never shown; the reply answers the whole sentence', async () => {
    const ws = new WebSocket(`${server.http.url.replace(/^http/, 'ws')}/v1/realtime`);
    const events: Event[] = [];
    ws.on('message', (d) => events.push(JSON.parse(String(d)) as Event));
    await new Promise((r) => ws.once('open', r));
    const append = (ms: number, speech: boolean) =>
      ws.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: audio(ms, speech) }));
    const waitFor = async (type: string, match: (e: Event) => boolean = () => true) => {
      const deadline = Date.now() + 10_000;
      while (!events.some((e) => e.type === type && match(e))) {
        if (Date.now() > deadline) throw new Error(`no ${type}; saw ${events.map((e) => e.type).join(', ')}`);
        await sleep(10);
      }
    };
    // "what is the" … a pause long enough for a guess (200 ms) but not an end (600 ms) … "weather in paris":
    // the sentence goes on once the session says it is in the long pause, where it guesses.
    append(600, true);
    append(100, false);
    await waitFor('voice_agent.session.state', (e) => e.value === 'listening.hearing.paused.long');
    expect(events.some((e) => e.type === 'input_audio_buffer.speech_started')).toBe(true);
    append(800, true);
    append(800, false);
    await waitFor('response.done');
    const types = events.map((e) => e.type);
    // Nothing of a response before the user's turn was transcribed: the guesses were held (and discarded).
    const transcribed = types.indexOf('conversation.item.input_audio_transcription.completed');
    expect(transcribed).toBeGreaterThan(-1);
    expect(types.slice(0, transcribed).filter((t) => t.startsWith('response.'))).toEqual([]);
    expect(events.find((e) => e.type === 'conversation.item.input_audio_transcription.completed')).toMatchObject({
      transcript: SENTENCE,
    });
    expect(types.filter((t) => t === 'response.created')).toHaveLength(1);
    const transcript = events
      .filter((e) => e.type === 'response.output_audio_transcript.delta')
      .map((e) => e.delta)
      .join('');
    expect(transcript).toBe(FAKE_ENGINES.llm.fakeReply);
    expect(events.find((e) => e.type === 'response.done')).toMatchObject({ response: { status: 'completed' } });
    // A guess was made at the pause (the session got its config: speculation on) and discarded; the reply has an id of
    // its own.
    const states = events.filter((e) => e.type === 'voice_agent.session.state').map((e) => String(e.value));
    expect(states).toContain('listening.hearing.paused.long');
    expect(events.find((e) => e.type === 'response.created')).toMatchObject({
      response: { id: expect.stringMatching(/r\d/) },
    });
    ws.close();
  }, 20_000);
});
