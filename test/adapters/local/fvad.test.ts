import { describe, expect, it } from 'vitest';
import { makeSilenceFrame, makeSpeechFrame } from '../../../adapters/testing/index.js';
import { createFvadVad } from '../../../adapters/vad/fvad.js';

describe('WebRTC VAD (fvad-wasm)', () => {
  it('never calls digital silence speech and detects a voiced signal', async () => {
    const vad = await createFvadVad({ sampleRateHz: 16_000, frameMs: 20, mode: 2 });
    expect(Array.from({ length: 20 }, () => vad.isSpeech(makeSilenceFrame(16_000, 20))).some(Boolean)).toBe(false);
    const voiced = Array.from({ length: 50 }, (_, i) => vad.isSpeech(makeSpeechFrame(16_000, 20, i))).filter(
      Boolean,
    ).length;
    expect(voiced).toBeGreaterThan(35);
    vad.close();
  });

  it('keeps separate state per engine and validates its settings', async () => {
    const a = await createFvadVad({ frameMs: 10 });
    expect(a.frameMs).toBe(10);
    expect(() => a.isSpeech(new Uint8Array(640))).toThrow(/needs 320-byte frames/);
    await expect(createFvadVad({ sampleRateHz: 22050 as never })).rejects.toThrow(/8000, 16000, 32000 or 48000 Hz/);
    await expect(createFvadVad({ frameMs: 25 as never })).rejects.toThrow(/10, 20 or 30 ms/);
    a.close();
  });
});
