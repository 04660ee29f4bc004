/**
 * A grammar hypothesis's words against the phone loop's speech (adapters/stt/speech-after-words.ts), on
 * word segments given as pocketsphinx hands them (frames numbered on across utterances).
 */
import { describe, expect, it } from 'vitest';
import {
  finalWordsAgainstSpeech,
  speechAfterWords,
  type SegmentReader,
} from '../../../adapters/stt/speech-after-words.js';

type Segment = readonly [word: string, start: number, end: number];
type Cursor = { segments: readonly Segment[]; at: number };

const grammar = {};
const loop = {};

/** Segments written as pocketsphinx would list them: `'<sil> 0-19, stop 20-59'` (word, first and last frame). */
const segs = (list: string): Segment[] =>
  list.split(', ').map((item) => {
    const [word, frames] = item.split(' ') as [string, string];
    const [start, end] = frames.split('-').map(Number) as [number, number];
    return [word, start, end];
  });

/**
 * A reader over fixed segments of the grammar decoder and the phone loop: what `ps_seg_iter` and friends would give.
 */
function reader(grammarSegments: readonly Segment[], loopSegments: readonly Segment[]): SegmentReader {
  const of = new Map<unknown, readonly Segment[]>([
    [grammar, grammarSegments],
    [loop, loopSegments],
  ]);
  const current = (seg: unknown) => (seg as Cursor).segments[(seg as Cursor).at];
  return {
    segIter: (ps): Cursor => ({ segments: of.get(ps)!, at: 0 }),
    segNext: (seg) => {
      const s = seg as Cursor;
      return s.at + 1 < s.segments.length ? { segments: s.segments, at: s.at + 1 } : null;
    },
    segWord: (seg) => current(seg)?.[0] ?? null,
    segFrames: (seg, start, end) => {
      start[0] = current(seg)![1];
      end[0] = current(seg)![2];
    },
  };
}

describe('words against speech', () => {
  it("a last word said lies over speech; one laid over the silence after the phrase's first word does not", () => {
    // "emergency" (frames 1000–1049), then silence, decoded as "emergency stop" with "stop" over 1050–1099.
    const forced = reader(
      segs('<sil> 1000-1009, emergency 1010-1049, stop 1050-1099'),
      segs('SIL 500-509, EH 510-520, M 521-530, ER 531-540, JH 541-547, IY 548-552, SIL 553-599'),
    );
    // The loop's speech ends at frame 52 (from its first), the "stop" spans 50–99: 3 frames in 50.
    expect(finalWordsAgainstSpeech(forced, grammar, loop).lastWordSpeechShare).toBeCloseTo(3 / 50, 5);
    expect(speechAfterWords(forced, grammar, loop)).toBe(0);

    const said = reader(
      segs('<sil> 0-19, stop 20-59, <sil> 60-79'),
      segs('SIL 0-19, S 20-29, T 30-34, AA 35-50, SIL 51-79'),
    );
    // A "stop" whose closure and release the loop calls silence: 31 of its 40 frames are speech.
    expect(finalWordsAgainstSpeech(said, grammar, loop).lastWordSpeechShare).toBeCloseTo(31 / 40, 5);
  });

  it('has no share for a hypothesis without words', () => {
    const silent = reader(segs('<sil> 0-50'), segs('SIL 0-50'));
    expect(finalWordsAgainstSpeech(silent, grammar, loop).lastWordSpeechShare).toBeUndefined();
  });
});
