/**
 * The emergency stop: everything that decides whether what the microphone heard stops the robot, and its
 * defaults. One entry point for the rest of the code; how the stop works and what it measures is in
 * docs/actions.md ("The emergency stop").
 *
 * - {@link createEstopActor} (estop-actor.ts): the session's watcher of transcripts; publishes `control.estop`.
 * - {@link createStopGate} (stop-gate.ts): when a transcript ending with a stop phrase is a stop.
 * - {@link listenForStops} (stop-transcripts.ts): a local grammar recognizer beside the session's, its
 *   transcripts through a gate of their own; {@link decodeInSlices} (sliced-decode.ts) decodes its pauses.
 * - {@link watchOverReply} (over-reply.ts): which utterances began over the robot's own reply.
 * - {@link createStopSpotter} (stop-spotter.ts): stop phrases spotted on the microphone itself, one stop per
 *   utterance, the robot's own voice ({@link createOwnVoiceRecord}, own-voice.ts) not acted on.
 * - {@link PhraseSpotter} (phrase-spotter.ts): what the stop spotter listens with, block by block;
 *   {@link keyphraseSpotter} (keyphrase-spotter.ts) is the pocketsphinx keyphrase search's.
 * - {@link createLearnedListener} (learned-spotter.ts): the learned keyword heads on the same blocks: the
 *   stop phrases for the stop spotter, the wake phrases and the confirmation's yes and no for the chart.
 * - {@link createFilteredKeep} (filtered-keep.ts): what the built-in echo stage keeps of each block for it.
 * - {@link ESTOP_TUNING} (tuning.ts): every default above, why it has that value and what it was chosen on.
 *
 * @example
 * ```ts
 * import { createStopSpotter, keyphraseSpotter } from './estop/index.js';
 * const stops = createStopSpotter({
 *   bus,
 *   sessionId,
 *   sampleRateHz: 16_000,
 *   spotters: [keyphraseSpotter(spotter)],
 *   utterance,
 * });
 * stops.hear({ ...conditioner.process(mic, clock.now()), frames });
 * ```
 */
export { createEstopActor, type EstopActorInput } from './estop-actor.js';
export { createStopGate, endsWithStopPhrase, type HeardTranscript, type StopGateOptions } from './stop-gate.js';
export { listenForStops, type ListenForStopsOptions, type LocalTranscript } from './stop-transcripts.js';
export { decodeInSlices, DECODE_SLICE_MS, SlicedDecodeAborted } from './sliced-decode.js';
export { watchOverReply, type OverReplyWatch } from './over-reply.js';
export { createStopSpotter, type OwnVoiceStop, type StopSpotter, type StopSpotterOptions } from './stop-spotter.js';
export { createOwnVoiceRecord, type OwnVoiceRecord, type OwnVoiceRecordOptions } from './own-voice.js';
export {
  heardSamplesOf,
  type HeardBlock,
  type PhraseSpotter,
  type PhraseSpotterFactory,
  type PhraseSpotterListener,
  type SpottedStop,
} from './phrase-spotter.js';
export { keyphraseSpotter } from './keyphrase-spotter.js';
export {
  createLearnedListener,
  type LearnedListener,
  type LearnedListenerOptions,
  type LearnedPhrases,
} from './learned-spotter.js';
export { createFilteredKeep } from './filtered-keep.js';
export { ESTOP_TUNING, type Tuned } from './tuning.js';
