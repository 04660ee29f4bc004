/**
 * What a keyword stream reports and how it is driven: the types `spotter.ts` (which opens streams)
 * and `stream.ts` (which runs one) share, in a file of their own so the two do not import
 * each other.
 */
import type { GrammarEvidence } from '../stt/grammar-confidence.js';

export interface Spotting {
  phrase: string;
  /**
   * How far the phrase's path beat the free phone loop, as a power of ten (−12.5: the phrase was 10^−12.5
   * as likely as the best phone sequence): it passed its threshold, and would pass any threshold up to
   * 10^log10Margin.
   */
  log10Margin: number;
  /** How long the phrase took, as the search aligned it (ms). */
  durationMs: number;
  /**
   * How much louder the phrase was than the 300 ms before it (dB): a phrase said after a pause (as one
   * addresses a robot) stands well above what preceded it; one found inside running speech does not. For
   * a verified phrase, measured where the second stage aligned its first word (the search's alignment
   * often leaves "hey" out, and "hey" then fills the 300 ms).
   */
  leadDb: number;
  /** Where in the stream's audio the phrase ended (ms). */
  endMs: number;
  /** The second stage's confidence (0..1), for phrases with `minConfidence`. */
  confidence?: number;
  /** What the confidence was computed from (diagnostics, benches). */
  evidence?: GrammarEvidence;
  /** Audio pushed into the stream, up to the frame that spotted the phrase (ms). */
  atAudioMs: number;
}

export interface KeywordStreamOptions {
  /**
   * Report each spotting once it has settled (default true). False: push reports nothing and
   * {@link KeywordStream.drain} returns every spotting since the last drain, with no lead or confidence
   * check (each verified phrase carries its confidence) — how the benchmark reads every threshold off
   * one pass.
   */
  report?: boolean;
  /** Whether the phrases' `relaxedThreshold`s apply now (absent: never). Asked at every look that shows a spotting. */
  relaxed?: () => boolean;
}

/** One continuous stream of audio (a session's microphone). */
export interface KeywordStream {
  /**
   * s16le mono audio at the spotter's rate, any length; the phrases spotted in it (most often none).
   * `levels`: the same audio before a denoiser, when one ran (about as long; absent: `audio`). The lead is
   * measured on it: a denoiser turns the room's noise before a phrase into near silence, so a word said
   * inside noise or running speech would stand tens of dB above "a pause" that was never there.
   */
  push(audio: Uint8Array, levels?: Uint8Array): Spotting[];
  /** The spottings not reported yet (with `report: false`, all of them), and a fresh search. */
  drain(): Spotting[];
  /** Back to the pool; the stream spots nothing more. */
  close(): void;
}
