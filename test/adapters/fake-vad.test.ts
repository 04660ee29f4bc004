import { describe, expect, it } from 'vitest';
import { createFakeVad, makeSilenceFrame, makeSpeechFrame, makeTestTone } from '../../adapters/testing/index.js';
import { pcmBytesFor, rmsLevel } from '../../adapters/audio/pcm.js';

describe('fake VAD', () => {
  it('has the documented defaults', () => {
    const vad = createFakeVad();
    expect(vad).toMatchObject({ name: 'fake-vad', sampleRateHz: 16000, frameMs: 20 });
  });

  it('classifies speech frames as speech and silence or quiet noise as not', () => {
    const vad = createFakeVad();
    for (let seed = 0; seed < 5; seed++) expect(vad.isSpeech(makeSpeechFrame(16000, 20, seed))).toBe(true);
    expect(vad.isSpeech(makeSilenceFrame(16000, 20))).toBe(false);
    const hum = makeTestTone(16000, 20, { amplitude: 0.01 });
    expect(rmsLevel(hum)).toBeLessThan(0.02);
    expect(vad.isSpeech(hum)).toBe(false);
  });

  it('respects a custom threshold', () => {
    const frame = makeTestTone(16000, 20, { amplitude: 0.1 }); // RMS ≈ 0.07
    expect(createFakeVad({ threshold: 0.05 }).isSpeech(frame)).toBe(true);
    expect(createFakeVad({ threshold: 0.1 }).isSpeech(frame)).toBe(false);
  });

  it('makes frames of the right size, deterministically', () => {
    expect(makeSpeechFrame(16000, 20).byteLength).toBe(pcmBytesFor(20, 16000));
    expect(makeSilenceFrame(48000, 10).byteLength).toBe(960);
    expect(makeSpeechFrame(16000, 20, 7)).toEqual(makeSpeechFrame(16000, 20, 7));
    expect(makeSpeechFrame(16000, 20, 1)).not.toEqual(makeSpeechFrame(16000, 20, 2));
  });
});
