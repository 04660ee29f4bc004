/**
 * How much speech a grammar decoder's hypothesis leaves out after its last word: the frames after that
 * word that the free phone loop, on the same audio, explains with phones rather than silence. A grammar
 * decoder forces every sound into one of its sentences, and it can do that by ending the sentence early
 * and calling the rest silence: "thank you very much" decoded as "stop" on "thank" and 0.6–1.0 s of
 * "silence" over "you very much". A stop phrase that was said is the last thing in its utterance, so the
 * emergency stop's gate (`actors/estop/stop-gate.ts`) refuses one with much speech after it.
 *
 * @example
 * ```ts
 * const ms = speechAfterWords(lib, grammarDecoder, phoneLoop); // 0 for "stop", ~900 for "thank you very much" → "stop"
 * ```
 */
import { FILLER } from './filler-words.js';

/**
 * The part of the pocketsphinx binding (`pocketsphinx.ts`) this reads: a hypothesis's word segments.
 * Declared here so the two files do not import each other.
 */
export interface SegmentReader {
  segIter: (ps: unknown, score: number[]) => unknown;
  segNext: (seg: unknown) => unknown;
  segWord: (seg: unknown) => string | null;
  segFrames: (seg: unknown, startFrame: number[], endFrame: number[]) => void;
}

/** pocketsphinx's frame step (`-frate` 100, the default). */
const FRAME_MS = 10;

interface Segment {
  word: string;
  /** Frames from the hypothesis's first frame (Debian's build numbers a decoder's frames on across utterances). */
  start: number;
  end: number;
}

function segments(lib: SegmentReader, ps: unknown): Segment[] {
  const found: Segment[] = [];
  // Iterated to its end: `ps_seg_next` frees the iterator when it returns null.
  for (let seg = lib.segIter(ps, [0]); seg; seg = lib.segNext(seg)) {
    const [start, end] = [[0], [0]];
    lib.segFrames(seg, start, end);
    found.push({ word: lib.segWord(seg) ?? '', start: start[0]!, end: end[0]! });
  }
  const origin = found[0]?.start ?? 0;
  return found.map((s) => ({ ...s, start: s.start - origin, end: s.end - origin }));
}

/** A hypothesis's segments that are words or phones, fillers and silence left out. */
const spoken = (found: Segment[]) => found.filter((s) => !FILLER.test(s.word));

/** Frames of `speech` after the last of `words`, in ms (0 when there is no word, or speech ends with it). */
function speechAfter(words: Segment[], speech: Segment[]): number {
  const lastWordEnd = words.at(-1)?.end;
  if (lastWordEnd === undefined) return 0;
  let frames = 0;
  for (const phone of speech) frames += Math.max(0, phone.end - Math.max(phone.start, lastWordEnd + 1) + 1);
  return frames * FRAME_MS;
}

/** Ms of phone-loop speech after the grammar hypothesis's last word (0 when it has no word, or speech ends with it). */
export function speechAfterWords(lib: SegmentReader, grammar: unknown, loop: unknown): number {
  return speechAfter(spoken(segments(lib, grammar)), spoken(segments(lib, loop)));
}

/** Frames (from the first) the segments cover. */
function coveredFrames(found: Segment[]): Set<number> {
  const frames = new Set<number>();
  for (const s of found) for (let f = s.start; f <= s.end; f++) frames.add(f);
  return frames;
}

/**
 * How well the grammar hypothesis's words and the phone loop's speech cover the same audio: frames in
 * both over frames in either (1: the words lie exactly over the speech). A grammar decoder forces what it
 * cannot explain into silence or into a word laid over silence: a read sentence ended early as "go to
 * the kitchen" with two seconds of speech after it, a lone "right" heard as "turn right" with "turn" over
 * the silence before it. Both lower it; a command that was said, spoken alone, keeps it near 1 (~0.9 for
 * "stop" alone; ~0.3 for a sentence decoded as "go to the kitchen"). Only the two decoders' own
 * segmentations are compared, so nothing here is fitted to a grammar or a voice. Frames are numbered from
 * each hypothesis's first frame, which is the utterance's first for both.
 */
function wordSpeechCoverage(wordFrames: Set<number>, speechFrames: Set<number>): number {
  let both = 0;
  for (const f of wordFrames) if (speechFrames.has(f)) both++;
  const either = wordFrames.size + speechFrames.size - both;
  return either === 0 ? 1 : both / either;
}

/**
 * A final's words against the phone loop's speech, each decoder's segments read once:
 * - `coverage` (0..1): {@link wordSpeechCoverage}, a factor of the final's confidence (grammar-confidence.ts);
 * - `speechAfterMs`: as {@link speechAfterWords};
 * - `lastWordSpeechShare` (0..1): how much of the last word lies over the loop's speech, absent when the
 *   hypothesis has no word. A grammar sentence must end, and a decoder that heard only its first words
 *   ("emergency" of "emergency stop") lays the rest over the silence that follows: that "stop" was 5 %
 *   speech, where the real "stop"s the emergency stop takes were 48–100 %.
 *
 * Finals only: on a partial the loop has not caught up with the last word yet.
 *
 * @example
 * ```ts
 * // For "emergency" decoded as "emergency stop":
 * // { coverage: 0.4, speechAfterMs: 0, lastWordSpeechShare: 0.05 }
 * finalWordsAgainstSpeech(lib, grammarDecoder, phoneLoop);
 * ```
 */
export function finalWordsAgainstSpeech(
  lib: SegmentReader,
  grammar: unknown,
  loop: unknown,
): { coverage: number; speechAfterMs: number; lastWordSpeechShare?: number } {
  const words = spoken(segments(lib, grammar));
  const speech = spoken(segments(lib, loop));
  const speechFrames = coveredFrames(speech);
  const found = {
    coverage: wordSpeechCoverage(coveredFrames(words), speechFrames),
    speechAfterMs: speechAfter(words, speech),
  };
  const last = words.at(-1);
  if (!last) return found;
  let under = 0;
  for (let f = last.start; f <= last.end; f++) if (speechFrames.has(f)) under++;
  return { ...found, lastWordSpeechShare: under / (last.end - last.start + 1) };
}
