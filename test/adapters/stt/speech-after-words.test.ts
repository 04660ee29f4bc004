/**
 * A grammar hypothesis's words against the phone loop's speech (adapters/stt/speech-after-words.ts), on
 * word segments given as pocketsphinx hands them (frames numbered on across utterances).
 */
import { describe, expect, it } from 'vitest';
import { lastWordSpeechShare, speechAfterWords, type SegmentReader } from '../../../adapters/stt/speech-after-words.js';

type Segment = readonly [word: string, start: number, end: number];

/** A reader over fixed segments per decoder: what `ps_seg_iter` and friends would give. */
function reader(decoders: Map<unknown, readonly Segment[]>): SegmentReader {
  return {
    segIter: (ps) => ({ segments: decoders.get(ps)!, at: 0 }),
    segNext: (seg) => {
      const s = seg as { segments: readonly Segment[]; at: number };
      return s.at + 1 < s.segments.length ? { segments: s.segments, at: s.at + 1 } : null;
    },
    segWord: (seg) => {
      const s = seg as { segments: readonly Segment[]; at: number };
      return s.segments[s.at]?.[0] ?? null;
    },
    segFrames: (seg, start, end) => {
      const s = seg as { segments: readonly Segment[]; at: number };
      start[0] = s.segments[s.at]![1];
      end[0] = s.segments[s.at]![2];
    },
  };
}

describe('words against speech', () => {
  const grammar = {};
  const loop = {};

  it("a last word said lies over speech; one laid over the silence after the phrase's first word does not", () => {
    // "emergency" (frames 1000–1049), then silence, decoded as "emergency stop" with "stop" over 1050–1099.
    const lib = reader(
      new Map<unknown, readonly Segment[]>([
        [
          grammar,
          [
            ['<sil>', 1000, 1009],
            ['emergency', 1010, 1049],
            ['stop', 1050, 1099],
          ],
        ],
        [
          loop,
          [
            ['SIL', 500, 509],
            ['EH', 510, 520],
            ['M', 521, 530],
            ['ER', 531, 540],
            ['JH', 541, 547],
            ['IY', 548, 552],
            ['SIL', 553, 599],
          ],
        ],
      ]),
    );
    // The loop's speech ends at frame 52 (from its first), the "stop" spans 50–99: 3 frames in 50.
    expect(lastWordSpeechShare(lib, grammar, loop)).toBeCloseTo(3 / 50, 5);
    expect(speechAfterWords(lib, grammar, loop)).toBe(0);

    const said = reader(
      new Map<unknown, readonly Segment[]>([
        [
          grammar,
          [
            ['<sil>', 0, 19],
            ['stop', 20, 59],
            ['<sil>', 60, 79],
          ],
        ],
        [
          loop,
          [
            ['SIL', 0, 19],
            ['S', 20, 29],
            ['T', 30, 34],
            ['AA', 35, 50],
            ['SIL', 51, 79],
          ],
        ],
      ]),
    );
    // A "stop" whose closure and release the loop calls silence: 31 of its 40 frames are speech.
    expect(lastWordSpeechShare(said, grammar, loop)).toBeCloseTo(31 / 40, 5);
  });

  it('has no share for a hypothesis without words', () => {
    const lib = reader(
      new Map<unknown, readonly Segment[]>([
        [grammar, [['<sil>', 0, 50]]],
        [loop, [['SIL', 0, 50]]],
      ]),
    );
    expect(lastWordSpeechShare(lib, grammar, loop)).toBeUndefined();
  });
});
