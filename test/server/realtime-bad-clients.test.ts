/**
 * Clients that misbehave, beside one that does not, on one server (fake engines, 127.0.0.1, a free port):
 * - audio far faster than real time: the flooding client gets one `rate_limited` error, its connection
 *   stays up, and the other client's turn is answered;
 * - audio that stops in the middle of speech: the client gets `input_audio_stalled`, and its utterance is
 *   ended there (committed and answered), its recognizer not held open;
 * - sockets opened and dropped in a loop (before and after `session.created`): every session they began
 *   ends, the server stays up, and the other client's turn is answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/testing/index.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';
import { connectRawRealtime, type RawEvent } from '../support/raw-realtime.js';
import { until } from '../support/until.js';

const RATE_HZ = 24_000;
type Client = Awaited<ReturnType<typeof connectRawRealtime>>;
let server: VoiceAgentServer;
const open: Client[] = [];

beforeAll(async () => {
  server = await serve({
    config: loadConfig({
      overrides: {
        ...FAKE_ENGINES,
        server: { host: '127.0.0.1', port: 0, drainTimeoutMs: 200, maxAudioSecondsPerSecond: 2 },
      },
    }),
    log: silentLogger,
  });
});
afterAll(async () => {
  for (const c of open) c.ws.close();
  await server?.stop();
});

const connect = async () => {
  const c = await connectRawRealtime(server.http.url);
  open.push(c);
  await c.waitFor('session.created');
  return c;
};
const append = (c: Client, frame: Uint8Array) =>
  c.send({ type: 'input_audio_buffer.append', audio: Buffer.from(frame).toString('base64') });
const errorCodes = (c: Client) =>
  c.events.filter((e) => e.type === 'error').map((e) => (e.error as { code: string }).code);

/** A typed turn answered with audio: the well-behaved client's session works. */
async function answered(c: Client, text: string): Promise<void> {
  const before = c.events.length;
  c.send({
    type: 'conversation.item.create',
    item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] },
  });
  c.send({ type: 'response.create' });
  const later = (e: RawEvent) => c.events.indexOf(e) >= before;
  const done = await c.waitFor('response.done', later);
  const id = (done.response as { id: string; status: string }).id;
  expect((done.response as { status: string }).status).toBe('completed');
  expect(c.events.some((e) => later(e) && e.type === 'response.output_audio.delta' && e.response_id === id)).toBe(true);
}

describe('Realtime clients that misbehave', () => {
  it('a client appending audio far faster than real time gets rate_limited; the other is answered', async () => {
    const good = await connect();
    const flood = await connect();
    // 40 s of silence at once, in 1 s appends: past the 30 s burst the rest is dropped, with one error.
    const second = Buffer.alloc(RATE_HZ * 2).toString('base64');
    for (let i = 0; i < 40; i++) flood.send({ type: 'input_audio_buffer.append', audio: second });
    await until('the flood refused', () => errorCodes(flood).length > 0);
    await answered(good, 'hello');
    expect(errorCodes(flood)).toEqual(['rate_limited']);
    expect(flood.ws.readyState).toBe(WebSocket.OPEN);
    expect(errorCodes(good)).toEqual([]);
  });

  it(
    'a client whose audio stops mid-utterance gets input_audio_stalled; the utterance is ended and ' + 'answered',
    async () => {
      const good = await connect();
      const stalled = await connect();
      for (let i = 0; i < 10; i++) append(stalled, makeSilenceFrame(RATE_HZ, 20));
      // 600 ms of speech, then nothing more: the VAD never hears the end.
      for (let i = 0; i < 30; i++) append(stalled, makeSpeechFrame(RATE_HZ, 20, i));
      await stalled.waitFor('input_audio_buffer.speech_started');
      await until('the stall told', () => errorCodes(stalled).includes('input_audio_stalled'), { timeoutMs: 10_000 });
      const error = stalled.events.find((e) => e.type === 'error')!;
      expect(error.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'input_audio_stalled',
        param: null,
        event_id: null,
      });
      // Ended where the audio stopped: committed, transcribed and answered, in that order.
      const committed = await stalled.waitFor('input_audio_buffer.committed');
      await stalled.waitFor('response.done');
      const order = [
        'input_audio_buffer.speech_started',
        'error',
        'input_audio_buffer.committed',
        'response.created',
        'response.done',
      ].map((type) => stalled.events.findIndex((e) => e.type === type));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(committed.item_id).toBeDefined();
      expect(errorCodes(stalled)).toEqual(['input_audio_stalled']);
      await answered(good, 'hello');
      expect(errorCodes(good)).toEqual([]);
    },
  );

  it('sockets opened and dropped in a loop leave no session behind; the other client is answered', async () => {
    const good = await connect();
    const before = server.manager.size;
    const url = `${server.http.url.replace(/^http/, 'ws')}/v1/realtime`;
    for (let i = 0; i < 20; i++) {
      // Dropped at once (the session may still be being made), then after session.created.
      const quick = new WebSocket(url);
      await new Promise<void>((resolve) => quick.once('open', () => resolve()));
      quick.terminate();
      const later = new WebSocket(url);
      await new Promise<void>((resolve) =>
        later.on('message', (d) => String(d).includes('"session.created"') && resolve()),
      );
      later.close();
    }
    await until('the dropped sessions ended', () => server.manager.size === before, { timeoutMs: 5000 });
    expect(server.manager.size).toBe(before);
    await answered(good, 'still there?');
    expect(errorCodes(good)).toEqual([]);
    const health = (await (await fetch(`${server.http.url}/healthz`)).json()) as { status: string };
    expect(health.status).toBe('ok');
  });
});
