/**
 * The learned keyword engine: openWakeWord's front end (mel spectrogram → Google's speech embedding,
 * every 80 ms) on onnxruntime-node, read by small heads, one per phrase.
 *
 * - {@link loadKeywordEngine} (engine.ts): the front end and a head per phrase; a stream per microphone;
 *   {@link loadKeywordEngineOnThread} (engine-thread.ts): the same on a thread of its own.
 * - {@link loadFrontEnd}, {@link createFeatureStream}, {@link clipEmbeddings} (front-end.ts): the embedding.
 * - {@link loadHead} (head.ts): an openWakeWord model file, or one `voice-agent train-phrase` wrote.
 * - model-files.ts: where the files come from (the npm registry, checked by SHA-256) and where heads are found.
 * - {@link encodeHead} (onnx-writer.ts): a trained head as an ONNX file.
 * - train/: `voice-agent train-phrase`, from synthetic voices, rooms and real negatives.
 *
 * @example
 * ```ts
 * const engine = await loadKeywordEngine({ phrases: ['stop', 'hey robot'] });
 * const stream = engine.open();
 * const { spotted } = await stream.push(samples16k);
 * ```
 */
export {
  DEFAULT_THRESHOLD,
  headPathOf,
  loadKeywordEngine,
  sharedFrontEnd,
  type KeywordEngine,
  type KeywordEngineOptions,
} from './engine.js';
export type { KeywordScores, KeywordSpotting, KeywordStream } from './engine.js';
export { loadKeywordEngineOnThread, type ThreadedKeywordEngine } from './engine-thread.js';
export {
  clipEmbeddings,
  createFeatureStream,
  loadFrontEnd,
  type FeatureStream,
  type FrontEnd,
  type FrontEndPaths,
} from './front-end.js';
export { loadHead, trainCommand, type HeadSource, type KeywordHead } from './head.js';
export { headFileName } from './head-names.js';
export {
  fetchFrontEnd,
  fetchPretrainedHeads,
  findHead,
  FETCH_FRONT_END_COMMAND,
  frontEndPaths,
  PRETRAINED_HEADS,
  PRETRAINED_LICENCE,
  shippedHeadsDir,
  userHeadsDir,
} from './model-files.js';
export { KeywordModelError } from './onnx-runtime.js';
export { encodeHead, type DenseLayer, type HeadGraph } from './onnx-writer.js';
