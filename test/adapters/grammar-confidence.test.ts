import { describe, expect, it } from 'vitest';
import { grammarConfidence, phoneAgreement } from '../../adapters/stt/grammar-confidence.js';

const phones = (s: string) => s.split(' ');

describe('grammar confidence', () => {
  it('phone agreement is 1 − edit distance over the longer sequence', () => {
    expect(phoneAgreement(phones('S T AA P'), phones('S T AA P'))).toBe(1);
    expect(phoneAgreement(phones('S T AA P'), phones('S T AO P'))).toBe(0.75);
    expect(phoneAgreement(phones('S T AA P'), [])).toBe(0);
    expect(phoneAgreement([], [])).toBe(1);
    // A short sentence for a long phrase leaves most of the heard phones unmatched.
    expect(phoneAgreement(phones('S T AA P'), phones('TH AE NG K Y UW V EH R IY M AH CH'))).toBeLessThan(0.2);
  });

  it('a matching sentence that scores near the phone loop is confident; a forced one is not', () => {
    const command = {
      sentencePhones: phones('T ER N L EH F T'),
      loopPhones: phones('T ER N L IH F T'),
      grammarScore: -2000,
      loopScore: -2300,
      frames: 100,
    };
    expect(grammarConfidence(command)).toBeGreaterThan(0.8);
    const forced = {
      sentencePhones: phones('G OW T UW DH AH D AO R'),
      loopPhones: phones('T EH L M IY AH JH OW K'),
      grammarScore: -5500,
      loopScore: -3000,
      frames: 110,
    };
    expect(grammarConfidence(forced)).toBe(0);
  });

  it('a sentence the phone loop heard poorly but that scores far above it is sure enough to act on', () => {
    // flite's "go to the kitchen", heard exactly: the loop's phones are far from the pronunciation, the
    // grammar path scores 8.4 per frame above the loop's. The robot's motions ask first below 0.4.
    const kitchen = {
      sentencePhones: phones('G OW T UW DH AH K IH CH AH N'),
      loopPhones: phones('D EH UH IH D K IH JH EH N'),
      grammarScore: -9162,
      loopScore: -10_000,
      frames: 100,
      coverage: 0.98,
    };
    expect(phoneAgreement(kitchen.sentencePhones, kitchen.loopPhones)).toBeLessThan(0.3);
    expect(grammarConfidence(kitchen)).toBeGreaterThanOrEqual(0.4);
    // The same phones scoring below the loop, as speech forced into the sentence does, are not.
    expect(grammarConfidence({ ...kitchen, grammarScore: -11_000 })).toBeLessThan(0.2);
  });

  it(
    'a final is scaled by how much of the speech its words cover: a sentence laid over a third of it keeps ' +
      'a third',
    () => {
      const command = {
        sentencePhones: phones('T ER N L EH F T'),
        loopPhones: phones('T ER N L IH F T'),
        grammarScore: -2000,
        loopScore: -2300,
        frames: 100,
      };
      const whole = grammarConfidence({ ...command, coverage: 1 });
      expect(grammarConfidence({ ...command, coverage: 1 / 3 })).toBeCloseTo(whole / 3, 2);
      // Partials are judged without it: the loop has not caught up with the words yet.
      expect(grammarConfidence(command)).toBe(whole);
    },
  );

  it('stays within 0..1', () => {
    expect(
      grammarConfidence({ sentencePhones: ['A'], loopPhones: ['A'], grammarScore: 0, loopScore: -100_000, frames: 10 }),
    ).toBe(1);
    expect(
      grammarConfidence({ sentencePhones: ['A'], loopPhones: ['B'], grammarScore: -100_000, loopScore: 0, frames: 10 }),
    ).toBe(0);
  });
});
