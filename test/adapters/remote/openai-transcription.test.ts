import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAiTranscriptionStt, TranscriptionServiceError } from '../../../adapters/stt/openai-transcription.js';
import { startAudioApiFixture, type AudioFixture } from '../../support/audio-api-fixture.js';

let fixture: AudioFixture;
beforeAll(async () => {
  fixture = await startAudioApiFixture({ transcript: 'turn left' });
});
afterAll(() => fixture.close());

const stream = (
  stt: ReturnType<typeof createOpenAiTranscriptionStt>,
  signal = new AbortController().signal,
  sampleRateHz = 16_000,
) => stt.createStream({ sampleRateHz, onPartial: () => undefined, signal });

/**
 * Requests of a session are at least a turn apart; one macrotask is enough for the HTTP client to put
 * the finished connection back in its pool (back-to-back requests in the same tick open a second one).
 */
const nextTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('OpenAI-compatible transcription STT', () => {
  it('uploads the utterance as a WAV at its rate with model and language, and returns the trimmed text', async () => {
    const stt = createOpenAiTranscriptionStt({ baseUrl: fixture.baseUrl, model: 'whisper-test', language: 'en' });
    const s = stream(stt, undefined, 8000);
    const a = Uint8Array.from({ length: 640 }, (_, i) => i % 200);
    const b = Uint8Array.from({ length: 320 }, (_, i) => 255 - (i % 100));
    s.push(a);
    s.push(b);
    // verbose_json: the server's detected language ("english") comes back as a tag.
    expect(await s.finish()).toEqual({ text: 'turn left', language: 'en' });
    const record = fixture.requests.at(-1)!;
    expect(record.path).toBe('/v1/audio/transcriptions');
    expect(record.fields).toMatchObject({ model: 'whisper-test', language: 'en', response_format: 'verbose_json' });
    expect(record.wav?.sampleRateHz).toBe(8000);
    expect(Buffer.from(record.wav!.pcm).equals(Buffer.concat([a, b]))).toBe(true);
  });

  it('keeps one connection alive across utterances', async () => {
    const local = await startAudioApiFixture({ transcript: 'stop' });
    const stt = createOpenAiTranscriptionStt({ baseUrl: local.baseUrl, model: 'whisper-test' });
    for (let i = 0; i < 3; i++) {
      const s = stream(stt);
      s.push(new Uint8Array(3200));
      expect((await s.finish()).text).toBe('stop');
      await nextTurn();
    }
    expect(local.requests).toHaveLength(3);
    expect(local.connections).toBe(1);
    await local.close();
  });

  it('an aborted utterance resolves empty without a request', async () => {
    const before = fixture.requests.length;
    const controller = new AbortController();
    const s = stream(
      createOpenAiTranscriptionStt({ baseUrl: fixture.baseUrl, model: 'whisper-test' }),
      controller.signal,
    );
    s.push(new Uint8Array(3200));
    controller.abort();
    expect(await s.finish()).toEqual({ text: '' });
    expect(fixture.requests).toHaveLength(before);
  });

  it('asks gpt-4o transcription models for plain json, which has no language', async () => {
    const s = stream(createOpenAiTranscriptionStt({ baseUrl: fixture.baseUrl, model: 'gpt-4o-mini-transcribe' }));
    s.push(new Uint8Array(3200));
    expect(await s.finish()).toEqual({ text: 'turn left' });
    expect(fixture.requests.at(-1)!.fields).toMatchObject({ response_format: 'json' });
  });

  it('an error status is a typed error naming the model', async () => {
    const local = await startAudioApiFixture({ status: 404 });
    const s = stream(createOpenAiTranscriptionStt({ baseUrl: local.baseUrl, model: 'no-such-whisper' }));
    s.push(new Uint8Array(320));
    const failure = s.finish();
    await expect(failure).rejects.toThrow(TranscriptionServiceError);
    await expect(failure).rejects.toThrow(/answered 404 .*check the model "no-such-whisper"/);
    await local.close();
  });

  it('warm-up accepts a server without /models but reports an unreachable one', async () => {
    const local = await startAudioApiFixture({ modelsStatus: 404 });
    await expect(
      createOpenAiTranscriptionStt({ baseUrl: local.baseUrl, model: 'w' }).warmUp!(),
    ).resolves.toBeUndefined();
    await local.close();
    await expect(
      createOpenAiTranscriptionStt({ baseUrl: 'http://127.0.0.1:1/v1', model: 'w' }).warmUp!(),
    ).rejects.toThrow(/is unreachable .*check stt\.baseUrl/);
  });
});
