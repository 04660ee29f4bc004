import { describe, expect, it } from 'vitest';
import { mouthLevel, visemeOf } from '../../../adapters/audio/mouth.js';
import { makeSilenceFrame, makeSpeechFrame } from '../../../adapters/testing/index.js';

describe('lip-sync data', () => {
  it('the mouth level follows the frame energy: closed for silence, open for speech', () => {
    expect(mouthLevel(makeSilenceFrame(16_000, 20))).toBe(0);
    const speech = mouthLevel(makeSpeechFrame(16_000, 20));
    expect(speech).toBeGreaterThan(0.5);
    expect(speech).toBeLessThanOrEqual(1);
    expect(mouthLevel(new Uint8Array(0))).toBe(0);
  });

  it("maps eSpeak's IPA phonemes to visemes, ignoring stress and length marks", () => {
    expect(
      ['h', 'ə', 'l', 'ˈoʊ', 'ɹ', 'b', 'ɑː', 't', 'ʃ', 'f', 'θ', 'k', 's', 'iː', 'uː', '_', ''].map(visemeOf),
    ).toEqual(['sil', 'E', 'nn', 'O', 'RR', 'PP', 'aa', 'DD', 'CH', 'FF', 'TH', 'kk', 'SS', 'I', 'U', 'sil', 'sil']);
  });
});
