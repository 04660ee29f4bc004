/**
 * `voice-agent serve` with no NATS, driven by the `openai` package's own Realtime client over TLS, on the
 * local stack (WebRTC VAD → pocketsphinx with the robot grammar → rules → flite): speech in (a recording
 * made with flite) → transcript and an audio reply out, the action it asks for run by the simulated robot
 * (its lifecycle as `voice_agent.action`, never a function call); a barge-in cancels the reply; a typed
 * turn; a truncate; and bad events get error events while the connection stays up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resampleAll } from '../../adapters/audio/resample.js';
import { createFliteTts } from '../../adapters/tts/flite.js';
import { loadConfig } from '../../runtime/config.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { silentLogger } from '../../runtime/logger.js';
import { connectRealtimeClient, type RealtimeTestClient } from '../support/realtime-client.js';
import { makeTestCertificate, type TestCertificate } from '../support/tls.js';

const API_KEY = 'test-key-0123456789abcdef';
let tls: TestCertificate;
let server: VoiceAgentServer;

/** flite says it at 16 kHz; the client sends 24 kHz pcm16, the Realtime default. */
async function recording(text: string, silenceAfterMs = 900): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of createFliteTts().synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  const speech = await resampleAll(new Uint8Array(Buffer.concat(parts)), 16_000, 24_000);
  const out = new Uint8Array(48 * 200 + speech.byteLength + 48 * silenceAfterMs);
  out.set(speech, 48 * 200);
  return out;
}

/** `voice_agent.action` events (this server's own: not in the `openai` package's types). */
type ActionEvent = { type: 'voice_agent.action'; action_id: string; name: string; status: string; detail: unknown };
const actionEvents = (client: RealtimeTestClient) =>
  client.events.filter((e) => (e.type as string) === 'voice_agent.action') as unknown as ActionEvent[];

const connect = () => connectRealtimeClient({ baseURL: `${server.http.url}/v1`, apiKey: API_KEY, ca: tls.ca });

beforeAll(async () => {
  tls = makeTestCertificate();
  const config = loadConfig({
    overrides: { server: { port: 0, apiKeys: [API_KEY], tls: { certPath: tls.certPath, keyPath: tls.keyPath } } },
  });
  server = await serve({ config, log: silentLogger });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('Realtime WebSocket with the openai client', () => {
  let client: RealtimeTestClient;
  afterAll(() => client?.close());

  it('hears a spoken command, transcribes it and answers with audio and its transcript', async () => {
    client = await connect();
    const created = await client.waitFor('session.created');
    expect(created.session).toMatchObject({ type: 'realtime' });
    client.send({
      type: 'session.update',
      session: {
        type: 'realtime',
        instructions: 'You are a robot.',
        audio: { input: { format: { type: 'audio/pcm', rate: 24000 } } },
      },
    });
    await client.waitFor('session.updated');

    await client.streamAudio(await recording('Turn left.'));
    await client.waitFor('input_audio_buffer.speech_started');
    const stopped = await client.waitFor('input_audio_buffer.speech_stopped');
    await client.waitFor('input_audio_buffer.committed', (e) => e.item_id === stopped.item_id);
    const transcript = await client.waitFor('conversation.item.input_audio_transcription.completed');
    expect(transcript.transcript).toBe('turn left');
    const done = await client.waitFor('response.done');
    expect(done.response.status).toBe('completed');
    const audio = client.ofType('response.output_audio.delta').filter((d) => d.response_id === done.response.id);
    const audioMs = audio.reduce((ms, d) => ms + Buffer.from(d.delta, 'base64').byteLength / 48, 0);
    expect(audioMs).toBeGreaterThan(300); // "Turning left." at 24 kHz
    const text = client
      .ofType('response.output_audio_transcript.delta')
      .filter((d) => d.response_id === done.response.id)
      .map((d) => d.delta)
      .join('');
    expect(text).toBe('Turning left.');
    // The rule asks for the declared `turn`: the simulated robot runs it, the client follows its lifecycle and
    // hears the result's template; a controller's action never reaches the client as a function call.
    await client.waitFor('response.output_audio_transcript.done', (e) => e.transcript === 'Turned left.');
    const steps = actionEvents(client).filter((e) => e.status !== 'feedback');
    expect(steps.map((e) => [e.name, e.status])).toEqual([
      ['turn', 'requested'],
      ['turn', 'accepted'],
      ['turn', 'result'],
    ]);
    expect(actionEvents(client)[0]!.detail).toMatchObject({ direction: 'left' });
    expect(client.ofType('response.output_item.added').filter((e) => e.item.type === 'function_call')).toEqual([]);
    expect(client.errors).toEqual([]);
    // The turn is in the latency histograms /metrics serves.
    const firstAudio = await server.metrics.speechEndToFirstAudio.get();
    expect(firstAudio.values.find((v) => v.metricName === 'va_speech_end_to_first_audio_ms_count')?.value).toBe(1);
  }, 30_000);

  it(
    'barge-in: speech during a reply cancels it (turn_detected), and a truncate keeps only what was ' + 'heard',
    async () => {
      const greeting = await recording('Hello robot.');
      await client.streamAudio(greeting);
      const created = await client.waitFor('response.created', (e) =>
        client.ofType('response.done').every((d) => d.response.id !== e.response.id),
      );
      await client.waitFor('response.output_audio.delta', (d) => d.response_id === created.response.id);
      // The user talks over "Hello! What can I do for you?".
      await client.streamAudio(await recording('Turn right.'));
      const cancelled = await client.waitFor('response.done', (d) => d.response.id === created.response.id);
      expect(cancelled.response.status).toBe('cancelled');
      expect(cancelled.response.status_details).toMatchObject({ reason: 'turn_detected' });
      const itemId = client.ofType('response.output_item.added').find((e) => e.response_id === created.response.id)!
        .item.id!;
      client.send({ type: 'conversation.item.truncate', item_id: itemId, content_index: 0, audio_end_ms: 0 });
      const truncated = await client.waitFor('conversation.item.truncated', (e) => e.item_id === itemId);
      expect(truncated.audio_end_ms).toBe(0);
      // The interruption itself is answered.
      const next = await client.waitFor(
        'response.done',
        (d) =>
          d.response.id !== created.response.id &&
          d.response.status === 'completed' &&
          client
            .ofType('response.output_audio_transcript.delta')
            .some((t) => t.response_id === d.response.id && t.delta.includes('right')),
      );
      expect(next.response.status).toBe('completed');
      const history = server.manager.list()[0]!.handle.history();
      // Truncated to 0 ms: the cancelled greeting left nothing in the history the LLM sees.
      expect(history.filter((h) => h.role === 'assistant').map((h) => h.text)).not.toContain(
        'Hello! What can I do for you?',
      );
    },
    30_000,
  );

  it('a typed turn: conversation.item.create + response.create', async () => {
    client.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go to the kitchen' }] },
    });
    await client.waitFor(
      'conversation.item.added',
      (e) => e.item.type === 'message' && e.item.role === 'user' && JSON.stringify(e.item.content).includes('kitchen'),
    );
    client.send({ type: 'response.create' });
    const done = await client.waitFor(
      'response.done',
      (d) =>
        d.response.output?.some((o) => o.type === 'message' && JSON.stringify(o.content).includes('kitchen')) ?? false,
    );
    expect(done.response.status).toBe('completed');
  }, 30_000);

  it('bad events get error events with the client event_id, and the connection stays up', async () => {
    const before = client.errors.length;
    client.rt.socket.send('not json');
    client.rt.socket.send(JSON.stringify({ type: 'no.such.event', event_id: 'e-unknown' }));
    client.rt.socket.send(JSON.stringify({ type: 'input_audio_buffer.append', event_id: 'e-audio', audio: '***' }));
    client.rt.socket.send(
      JSON.stringify({
        type: 'conversation.item.truncate',
        event_id: 'e-trunc',
        item_id: 'item_nope',
        content_index: 0,
        audio_end_ms: 5,
      }),
    );
    client.send({ type: 'response.cancel', event_id: 'e-cancel' });
    const deadline = Date.now() + 5000;
    while (client.errors.length < before + 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(client.errors.slice(before).map((e) => [e.code, e.event_id])).toEqual([
      ['invalid_json', null],
      ['unknown_event', 'e-unknown'],
      ['invalid_audio', 'e-audio'],
      ['item_truncate_invalid_item_id', 'e-trunc'],
      ['response_cancel_not_active', 'e-cancel'],
    ]);
    client.send({ type: 'session.update', session: { type: 'realtime', instructions: 'still here' } });
    await client.waitFor(
      'session.updated',
      (e) => 'instructions' in e.session && e.session.instructions === 'still here',
    );
  }, 30_000);
});
