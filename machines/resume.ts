/**
 * False-interruption resume, the pure part: a barge-in whose speech turns out to carry no words (a cough,
 * a door, a configured backchannel like "mm-hm") resumes the cancelled reply from the first part the user
 * did not hear in full. The chart keeps the cancelled reply as an {@link InterruptedReply}; its playback
 * report says what was heard; {@link resumePoint} says what to say again.
 */
import type { HeardSegment, TurnId } from '../bus/messages.js';

export interface InterruptedReply {
  /** The cancelled reply's turn id: its playback report fills `heard`. */
  turnId: TurnId;
  /**
   * The reply's text as it was to be spoken, in order: its TTS segments, from the TTS actor's
   * `tts.stopped` report (null until it arrives).
   */
  texts: string[] | null;
  /** What the user had already heard before this reply (a resumed reply carries its predecessor's part). */
  prefix: string;
  /** The playback report of the cancelled reply, once it arrived. */
  heard: HeardSegment[] | null;
}

export interface ResumePoint {
  /** What the user heard in full, the prefix included: the start of the resumed reply's history entry. */
  heardPrefix: string;
  /** The text to speak again: from the first segment not heard to its end, to the end of the reply. */
  remaining: string;
}

/** Joins two parts of one reply's text with a space, either may be empty. */
export const joinText = (a: string, b: string): string => [a, b].filter((t) => t.length > 0).join(' ');

/**
 * Where a resumed reply starts: after the leading segments played to their end (a segment cut mid-way is
 * said again from its beginning, so no word is lost or doubled), up to the end of the reply's text.
 * Null while the playback or the TTS report is unknown, or when nothing is left to say.
 *
 * @example
 * ```ts
 * resumePoint({ turnId: 'u1', texts: ['Sure,', 'the weather is fine.'], prefix: '', heard: [
 *   { segmentIndex: 0, kind: 'reply', text: 'Sure,', playedMs: 300, durationMs: 300, complete: true },
 *   { segmentIndex: 1, kind: 'reply', text: 'the weather is fine.', playedMs: 250, durationMs: 900, complete: true },
 * ] });
 * // { heardPrefix: 'Sure,', remaining: 'the weather is fine.' }
 * ```
 */
export function resumePoint(reply: InterruptedReply): ResumePoint | null {
  if (reply.heard === null || reply.texts === null) return null;
  const full = reply.texts.join(' ');
  const heard: string[] = [];
  let cursor = 0;
  for (const s of [...reply.heard].sort((a, b) => a.segmentIndex - b.segmentIndex)) {
    if (s.kind === 'filler') continue;
    if (!s.complete || s.playedMs < s.durationMs) break;
    // Segments are the reply's own clauses in order; one that is not the next part of the text (a
    // chunker that rewrote it) ends the match, so the resume starts early rather than skip words.
    const at = full.indexOf(s.text, cursor);
    if (at < 0 || full.slice(cursor, at).trim() !== '') break;
    heard.push(s.text);
    cursor = at + s.text.length;
  }
  const remaining = full.slice(cursor).trim();
  return remaining ? { heardPrefix: joinText(reply.prefix, heard.join(' ')), remaining } : null;
}

/** Letters and digits only, lower case: "Mm-hm." and "mm hm" are the same backchannel. */
const normalize = (text: string) => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/**
 * True for a transcript that is one of the configured backchannels (`bargeIn.ignorableWords`), matched
 * whole, ignoring case, spaces and punctuation.
 *
 * @example
 * ```ts
 * isIgnorable('Mm-hm.', ['mm hm', 'uh-huh']); // true
 * isIgnorable('mm hm stop', ['mm hm']);       // false
 * ```
 */
export function isIgnorable(text: string, ignorable: readonly string[]): boolean {
  const said = normalize(text);
  return said.length > 0 && ignorable.some((word) => normalize(word) === said);
}
