/**
 * The keyword spotter's second stage where a command may follow the wake phrase at once: at a low margin
 * the search's end of the phrase falls inside "robot" or inside the command's first word, so the stretch is
 * verified ending at the search's end and 100 ms after, and the more confident verdict is kept, whichever
 * it is, with the lead measured where that verdict placed the phrase.
 */
import { describe, expect, it } from 'vitest';
import { streamHistory } from '../../../adapters/spotter/history.js';
import { verifiedSpotting } from '../../../adapters/spotter/stream.js';
import type { Spotting } from '../../../adapters/spotter/spotter.js';
import type { PhraseVerifier, Verdict } from '../../../adapters/spotter/phrase-verifier.js';

const RATE = 16_000;
const PER_FRAME = RATE / 100;

/** 2 s of quiet, then 800 ms of a loud tone standing for the phrase, then 500 ms of quiet. */
function heardStream() {
  const history = streamHistory(RATE, true);
  const quiet = (frames: number) => new Int16Array(frames * PER_FRAME).map((_, i) => (i % 7) - 3);
  const loud = (frames: number) => new Int16Array(frames * PER_FRAME).map((_, i) => Math.round(8000 * Math.sin(i / 5)));
  for (const part of [quiet(200), loud(80), quiet(50)]) history.push(part);
  return history;
}

/** A verifier that answers each check with the next of `answers`, and notes each stretch's frames. */
function verifierBy(answers: readonly number[]): { verifier: PhraseVerifier; asked: number[] } {
  const asked: number[] = [];
  const verifier: PhraseVerifier = {
    warmUp() {},
    reset() {},
    verify(_phrase, samples): Verdict {
      const frames = samples.length / PER_FRAME;
      asked.push(frames);
      return {
        confidence: answers[(asked.length - 1) % answers.length]!,
        evidence: { sentencePhones: [], loopPhones: [], grammarScore: 0, loopScore: 0, frames },
        words: { sf: 10, ef: frames - 5, framesPerPhone: 10, worstRatio: 0 },
      };
    },
  };
  return { verifier, asked };
}

// The search placed the phrase's end 60 ms before the tone's (frame 280): inside the phrase.
const spotting: Spotting = {
  phrase: 'hey robot',
  log10Margin: -60,
  durationMs: 500,
  leadDb: 3,
  endMs: 2740,
  atAudioMs: 3300,
};

describe('keyword spotter: the verified stretch ends at the search end and 100 ms after', () => {
  it('keeps the more confident of the two verdicts, whichever end it came from', () => {
    for (const answers of [
      [0.3, 0.8],
      [0.8, 0.3],
    ]) {
      const { verifier, asked } = verifierBy(answers);
      const shared = { verifier: () => verifier, minConfidence: new Map([['hey robot', 0.6]]) };
      const kept = verifiedSpotting(shared, heardStream(), spotting);
      // Two stretches from the same start: at the search's end, then 100 ms after.
      expect(asked).toHaveLength(2);
      expect(asked[1]! - asked[0]!).toBe(10);
      expect(kept.confidence).toBe(0.8);
      // The lead is measured where the verdict placed the phrase (after the quiet), not where the search did.
      expect(kept.leadDb).toBeGreaterThan(20);
    }
  });

  it('leaves a phrase without a minimum confidence alone', () => {
    const { verifier, asked } = verifierBy([1]);
    const kept = verifiedSpotting({ verifier: () => verifier, minConfidence: new Map() }, heardStream(), spotting);
    expect(asked).toEqual([]);
    expect(kept).toEqual(spotting);
  });
});

describe('keyword spotter: a longer wake phrase ending with the spotted one', () => {
  // The search proposed "computer" inside the tone (frames 244–274); "hey" is the tone's first 400 ms.
  const computer: Spotting = {
    phrase: 'computer',
    log10Margin: -50,
    durationMs: 300,
    leadDb: 0,
    endMs: 2740,
    atAudioMs: 3300,
  };
  /** "computer" verifies more confidently, aligned where the search put it; "hey computer" from the tone's start. */
  const verifier = (asked: string[]): PhraseVerifier => ({
    warmUp() {},
    reset() {},
    verify(phrase, samples): Verdict {
      asked.push(phrase);
      const frames = samples.length / PER_FRAME;
      // The stretch ends at the search's end (frame 274) or 10 frames after; its first frame, from that.
      const from = 274 + (asked.filter((p) => p === phrase).length === 2 ? 10 : 0) - frames + 1;
      const sf = (phrase === 'computer' ? 244 : 200) - from;
      return {
        confidence: phrase === 'computer' ? 0.95 : 0.8,
        evidence: { sentencePhones: [], loopPhones: [], grammarScore: 0, loopScore: 0, frames },
        words: { sf, ef: sf + 30, framesPerPhone: 10, worstRatio: 0 },
      };
    },
  });

  it('is verified on the same stretch, and kept when it passes the lead the shorter one fails', () => {
    const asked: string[] = [];
    const minConfidence = new Map([
      ['computer', 0.68],
      ['hey computer', 0.68],
      ['jarvis', 0.68],
    ]);
    const minLead = new Map([...minConfidence.keys()].map((p) => [p, 9]));
    const kept = verifiedSpotting({ verifier: () => verifier(asked), minConfidence, minLead }, heardStream(), computer);
    // "jarvis" does not end with "computer": not asked.
    expect(asked).toEqual(['computer', 'computer', 'hey computer', 'hey computer']);
    expect(kept.phrase).toBe('hey computer');
    expect(kept.confidence).toBe(0.8);
    expect(kept.leadDb).toBeGreaterThanOrEqual(9);
  });

  it('keeps the more confident verdict when both fail their checks or both pass', () => {
    const asked: string[] = [];
    const minConfidence = new Map([
      ['computer', 0.68],
      ['hey computer', 0.68],
    ]);
    const kept = verifiedSpotting({ verifier: () => verifier(asked), minConfidence }, heardStream(), computer);
    expect(kept.phrase).toBe('computer');
    expect(kept.confidence).toBe(0.95);
  });
});
