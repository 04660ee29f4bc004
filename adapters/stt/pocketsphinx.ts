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
import type { PocketsphinxOptions } from './pocketsphinx-options.js';
import { pocketsphinxSetup } from './pocketsphinx-setup.js';
import { createPocketsphinxThreads } from './pocketsphinx-threads.js';
import type { SttEngine } from './types.js';

export { bind, INSTALL_HINT, POCKETSPHINX_MODEL_DIR, PocketsphinxError, type Binding } from './pocketsphinx-binding.js';
export { GRAMMAR_FRONT_END, GRAMMAR_TUNING, PARTIAL_EVERY_MS } from './pocketsphinx-setup.js';
export type { PocketsphinxOptions } from './pocketsphinx-options.js';

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
