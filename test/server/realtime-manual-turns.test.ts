/**
 * Realtime sessions without server VAD (`turn_detection: null`): audio is only buffered until the client
 * commits it; an empty commit is an error; `clear` drops the buffer. With G.711 μ-law in and out, the
 * reply's audio deltas are 8 kHz μ-law (one byte per sample).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeG711 } from '../../adapters/audio/g711.js';
import { makeSpeechFrame } from '../../adapters/testing/index.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';
import { connectRawRealtime } from '../support/raw-realtime.js';

let server: VoiceAgentServer;
beforeAll(async () => {
  server = await serve({
    config: loadConfig({ overrides: { ...FAKE_ENGINES, server: { port: 0, drainTimeoutMs: 200 } } }),
    log: silentLogger,
  });
});
afterAll(() => server?.stop());

const connect = () => connectRawRealtime(server.http.url);

describe('Realtime manual turns, G.711', () => {
  it('buffers μ-law audio until commit, then transcribes and answers in μ-law', async () => {
    const c = await connect();
    c.send({
      type: 'session.update',
      session: {
        type: 'realtime',
        audio: {
          input: { format: { type: 'audio/pcmu' }, turn_detection: null },
          output: { format: { type: 'audio/pcmu' } },
        },
      },
    });
    await c.waitFor('session.updated');
    c.send({ type: 'input_audio_buffer.commit', event_id: 'empty' });
    await c.waitFor('error', (e) => (e.error as { code: string }).code === 'input_audio_buffer_commit_empty');

    // 600 ms of "speech" at 8 kHz, μ-law: nothing happens until the commit.
    const speech = encodeG711(
      'pcmu',
      Buffer.concat(Array.from({ length: 30 }, (_, i) => makeSpeechFrame(8_000, 20, i))),
    );
    c.send({ type: 'input_audio_buffer.append', audio: Buffer.from(speech).toString('base64') });
    c.send({ type: 'input_audio_buffer.clear' });
    await c.waitFor('input_audio_buffer.cleared');
    c.send({ type: 'input_audio_buffer.append', audio: Buffer.from(speech).toString('base64') });
    await new Promise((r) => setTimeout(r, 300));
    expect(
      c.events.some((e) => e.type === 'input_audio_buffer.committed' || e.type === 'input_audio_buffer.speech_started'),
    ).toBe(false);
    c.send({ type: 'input_audio_buffer.commit' });
    const committed = await c.waitFor('input_audio_buffer.committed');
    const transcript = await c.waitFor('conversation.item.input_audio_transcription.completed');
    expect(transcript).toMatchObject({ item_id: committed.item_id, transcript: 'hello robot' });
    const done = await c.waitFor('response.done');
    expect((done.response as { status: string }).status).toBe('completed');
    const deltas = c.events
      .filter((e) => e.type === 'response.output_audio.delta')
      .map((e) => Buffer.from(e.delta as string, 'base64'));
    // Whole 20 ms frames of 8 kHz μ-law (160 bytes each; a burst of frames goes out as one delta), and
    // more than the first burst: the reply plays on in real time.
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.every((d) => d.byteLength > 0 && d.byteLength % 160 === 0)).toBe(true);
    expect(deltas.reduce((n, d) => n + d.byteLength, 0)).toBeGreaterThan(10 * 160);
    // Manual mode: no VAD events, and the one utterance is the committed buffer (not the cleared one).
    expect(c.events.filter((e) => e.type === 'input_audio_buffer.speech_started')).toEqual([]);
    expect(c.events.filter((e) => e.type === 'input_audio_buffer.committed')).toHaveLength(1);
    c.ws.close();
  });
});
