/** One import for tests and benchmarks: the manual clock and every fake adapter. */
export { ManualClock, settle } from './manual-clock.js';
export { startClockedStream, abortError, type ClockedStreamHooks } from './clocked-stream.js';
export { makeTestTone, sharedTestTone, type TestToneOptions } from '../audio/testing/test-signal.js';
export {
  createPacedSink,
  type PacedSink,
  type PacedSinkOptions,
  type PacedSinkFrame,
  type PacedSinkClear,
  type PacedSinkUnderrun,
} from '../audio/testing/paced-sink.js';
export { createFakeVad, makeSpeechFrame, makeSilenceFrame, type FakeVadOptions } from '../vad/testing/fake-vad.js';
export { createFakeStt, type FakeStt, type FakeSttOptions, type FakeSttStats } from '../stt/testing/fake-stt.js';
export {
  createFakeLlm,
  tokenizeReply,
  type FakeLlm,
  type FakeLlmOptions,
  type FakeLlmStats,
} from '../llm/testing/fake-llm.js';
export {
  createFakeTts,
  countSpeechWords,
  type FakeTts,
  type FakeTtsOptions,
  type FakeTtsStats,
} from '../tts/testing/fake-tts.js';
// Step-by-step fakes written alongside these (the test drives every token); `export *` so their
// exact names stay owned by their module.
export * from '../channel.js';
export * from '../llm/testing/controlled-llm.js';
export * from '../stt/testing/controlled-stt.js';
export * from '../tts/testing/controlled-tts.js';
