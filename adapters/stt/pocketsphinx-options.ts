/**
 * The options of the pocketsphinx recognizer (`createPocketsphinxStt`), apart from its parts so each
 * part can read them without importing the engine that assembles them.
 *
 * @example
 * const options: PocketsphinxOptions = { grammarPath: 'examples/robot.gram', threads: 1 };
 */
import type { GrammarEvidence } from './grammar-confidence.js';

/** Diagnostics (benches): what each confidence was computed from, a partial's (`final` false) or the final's. */
export type EvidenceListener = (text: string, evidence: GrammarEvidence, confidence: number, final: boolean) => void;

export interface PocketsphinxOptions {
  /** Acoustic model directory (default: Debian's en-us model). */
  hmmPath?: string;
  dictPath?: string;
  /** A JSGF grammar file, or `grammar` with the grammar text. */
  grammarPath?: string;
  grammar?: string;
  /** Open-vocabulary language model when no grammar is given (default: Debian's en-us.lm.bin). */
  lmPath?: string;
  /**
   * With a grammar: also decode with a free phone loop and give each final a confidence (default true).
   * Without a grammar there is nothing to reject, and no confidence.
   */
  confidence?: boolean;
  /** Phone language model of the phone loop (default: Debian's en-us-phone.lm.bin). */
  phoneLmPath?: string;
  /**
   * With a grammar: an MLLR transform of the acoustic model (`-mllr`) for the grammar decoder, such as
   * `examples/en-us-grammar.mllr` (made by `bench/adapt-grammar-mllr.ts`; the app config's default,
   * `stt.mllrPath`). Absent: the model as Debian ships it. Why not the phone loop too: on the grammar
   * benchmark, adapting both accepted more phrases outside the grammar (14 against 11–12 of 352) for the
   * same commands recognized; the loop is the unbiased reference the confidence compares against.
   */
  mllrPath?: string;
  sampleRateHz?: number;
  /**
   * A microphone-like noise floor added under the audio before decoding, dBFS (default
   * `NOISE_FLOOR_DBFS`, -70; `null`: none). Why: digital zeros skew the front end (noise-floor.ts).
   */
  noiseFloorDbfs?: number | null;
  /** Library names, for unusual installs. */
  libraries?: { pocketsphinx: string; sphinxbase: string };
  /**
   * How much audio between partial hypotheses, ms (default `PARTIAL_EVERY_MS`); a stop phrase is spotted on them.
   */
  partialEveryMs?: number;
  /**
   * Decode on this many threads of their own (pocketsphinx-threads.ts), never on the event loop (default 0:
   * on the calling thread). A session's utterances then report their partials a message later.
   */
  threads?: number;
  /**
   * Diagnostics (benches): called with what each confidence was computed from, a partial's (`final` false)
   * or the final's. It runs where the decode does: given it, the engine decodes on the calling thread.
   */
  onEvidence?: EvidenceListener;
}
