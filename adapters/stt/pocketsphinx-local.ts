/**
 * A pocketsphinx engine that decodes on the thread it is called on: the event loop's (`stt.threads` 0, the
 * tests and benches) or a decode thread's (pocketsphinx-worker.ts). Both build it from the same
 * {@link PocketsphinxSetup}, so an utterance gets the same transcript on either.
 *
 * @example
 * ```ts
 * const stt = createLocalPocketsphinx(bind(), pocketsphinxSetup({ grammarPath }));
 * ```
 */
import type { Binding } from './pocketsphinx-binding.js';
import { createDecoderPool } from './pocketsphinx-decoders.js';
import type { PocketsphinxSetup } from './pocketsphinx-setup.js';
import { createScorer, openUtterance, type EvidenceListener } from './pocketsphinx-stream.js';
import type { SttEngine } from './types.js';

export function createLocalPocketsphinx(
  lib: Binding,
  setup: PocketsphinxSetup,
  onEvidence?: EvidenceListener,
): SttEngine {
  const pool = createDecoderPool(lib, setup);
  const context = { lib, setup, pool, scorer: createScorer(lib, onEvidence) };
  return {
    name: setup.name,
    async warmUp() {
      pool.warmUp();
    },
    prepare: (streams) => pool.prepare(streams),
    createStream: (options) => openUtterance(context, options),
  };
}
