/**
 * pocketsphinx (Debian `libpocketsphinx3` + `pocketsphinx-en-us`, BSD-style license), in-process through
 * koffi. With a JSGF grammar (a robot's command set) it is fast and accurate; without one it falls back
 * to the bundled open-vocabulary language model, which is weak. Decoders are pooled: creating one takes
 * ~150 ms, decoding a command takes a few ms per second of audio; with `threads` both happen on threads
 * of their own (pocketsphinx-threads.ts), never on the event loop every session shares.
 *
 * A grammar decoder says every sound is one of its sentences ("tell me a joke" becomes "go to the
 * door"). So with a grammar, the same audio also goes through a free phone loop (any phone after any
 * phone), and the final carries a confidence: how well the grammar's sentence explains the audio
 * compared with the best phone sequence (`grammar-confidence.ts`). An ordinary phrase fits the phone
 * loop far better than any command; a command fits both about as well. The loop costs about 3.2× the
 * grammar decoder's CPU (together ≈ 4.4 % of one core while someone speaks, here); `confidence: false`
 * turns it off. Measured in docs/out-of-grammar.md.
 *
 * The parts: the command lines (pocketsphinx-setup.ts), the decoder sets and each channel's means
 * (pocketsphinx-decoders.ts), an utterance's decode (pocketsphinx-stream.ts).
 *
 * @example
 * ```ts
 * const stt = createPocketsphinxStt({ grammarPath: 'examples/robot-commands.jsgf' });
 * const { text, confidence } = await stream.finish(); // 'go to the door', 0.05 for "tell me a joke"
 * ```
 */
import { bind } from './pocketsphinx-binding.js';
import { createLocalPocketsphinx } from './pocketsphinx-local.js';
import { pocketsphinxSetup } from './pocketsphinx-setup.js';
import type { EvidenceListener } from './pocketsphinx-stream.js';
import { createPocketsphinxThreads } from './pocketsphinx-threads.js';
import type { SttEngine } from './types.js';

export { bind, INSTALL_HINT, POCKETSPHINX_MODEL_DIR, PocketsphinxError, type Binding } from './pocketsphinx-binding.js';
export { GRAMMAR_FRONT_END, GRAMMAR_TUNING, PARTIAL_EVERY_MS } from './pocketsphinx-setup.js';

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
   * How much audio between partial hypotheses, ms (default {@link PARTIAL_EVERY_MS}); a stop phrase is spotted on them.
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

export function createPocketsphinxStt(options: PocketsphinxOptions = {}): SttEngine {
  // The library and the files first, here: a missing one is an error at start, whichever thread decodes.
  const lib = bind(options.libraries);
  const setup = pocketsphinxSetup(options);
  if (options.threads && !options.onEvidence) {
    return createPocketsphinxThreads(setup, {
      threads: options.threads,
      ...(options.libraries ? { libraries: options.libraries } : {}),
    });
  }
  return createLocalPocketsphinx(lib, setup, options.onEvidence);
}
