/**
 * Push-to-talk over the Realtime WebSocket (`session.activation.mode: push`): with server VAD, speech is
 * no turn until the client opens the microphone (`voice_agent.input_audio.listen`), and closing it ends
 * the turn, which is answered; the standard manual turn (`turn_detection: null` + commit) needs no key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSilenceFrame, makeSpeechFrame } from '../../adapters/testing/index.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';
import { connectRawRealtime } from '../support/raw-realtime.js';

let server: VoiceAgentServer;
beforeAll(async () => {
  // One transcript per turn: the fake STT is shared by the server's sessions.
  const overrides = {
    ...FAKE_ENGINES,
    stt: { engine: 'fake', fakeTranscripts: ['hello robot', 'hello robot', 'hello robot'] },
    session: { activation: { mode: 'push' } },
    server: { port: 0, drainTimeoutMs: 200 },
  };
  server = await serve({ config: loadConfig({ overrides: overrides as never }), log: silentLogger });
});
afterAll(() => server?.stop());

const connect = () => connectRawRealtime(server.http.url);

const RATE = 24_000;
const audio = (kind: 'speech' | 'silence', frames: number) =>
  Buffer.concat(
    Array.from({ length: frames }, (_, i) =>
      kind === 'speech' ? makeSpeechFrame(RATE, 20, i) : makeSilenceFrame(RATE, 20),
    ),
  ).toString('base64');

describe('Realtime push-to-talk', () => {
  it('speech is a turn only while the microphone is open; closing it ends the turn', async () => {
    const c = await connect();
    await c.waitFor('session.created');
    c.send({ type: 'input_audio_buffer.append', audio: audio('speech', 30) });
    c.send({ type: 'input_audio_buffer.append', audio: audio('silence', 40) });
    await new Promise((r) => setTimeout(r, 400));
    expect(c.events.some((e) => e.type === 'input_audio_buffer.speech_started')).toBe(false);
    c.send({ type: 'voice_agent.input_audio.listen', open: true });
    c.send({ type: 'input_audio_buffer.append', audio: audio('speech', 30) });
    c.send({ type: 'input_audio_buffer.append', audio: audio('silence', 60) });
    await c.waitFor('input_audio_buffer.speech_started');
    await new Promise((r) => setTimeout(r, 300));
    // Held: 1.2 s of silence does not end the turn.
    expect(c.events.some((e) => e.type === 'input_audio_buffer.speech_stopped')).toBe(false);
    c.send({ type: 'voice_agent.input_audio.listen', open: false });
    await c.waitFor('input_audio_buffer.speech_stopped');
    expect(await c.waitFor('conversation.item.input_audio_transcription.completed')).toMatchObject({
      transcript: 'hello robot',
    });
    await c.waitFor('response.done');
    c.ws.close();
  });

  it('a manual turn (turn_detection null + commit) is answered without the key', async () => {
    const c = await connect();
    c.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
    await c.waitFor('session.updated');
    c.send({ type: 'input_audio_buffer.append', audio: audio('speech', 30) });
    // The key held a moment (the microphone's resampler loads on the first frame).
    await new Promise((r) => setTimeout(r, 300));
    c.send({ type: 'input_audio_buffer.commit' });
    await c.waitFor('input_audio_buffer.committed');
    await c.waitFor('response.done');
    c.ws.close();
  });
});
