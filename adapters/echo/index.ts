/**
 * The echo path: what keeps the agent from hearing its own voice on a device without a hardware echo
 * canceller. One entry point for the rest of the code; the stages' tuning is in `tuning.ts`, and how the
 * path works and what it measures is in docs/echo.md.
 *
 * - {@link tapEchoReference}: records what the speaker will play (the reference) from the session's sink.
 * - {@link createEchoStage}: the built-in stage (delay estimation, speexdsp's filter, the suppressor and
 *   its guards); {@link createWebRtcEchoStage}: WebRTC's audio processing behind the same interface.
 * - {@link loadEchoCancelModule}: the sound server's own `module-echo-cancel`, for `voice-agent live`.
 * - {@link EchoBlockKeep}: what the built-in stage keeps of each block for a listener beside the VAD (the
 *   emergency stop's searches), handed on with the audio of the same call.
 *
 * @example
 * ```ts
 * import { createEchoStage, tapEchoReference } from '../echo/index.js';
 * const { sink, reference } = await tapEchoReference(device, { clock, sampleRateHz: 16000 });
 * const stage = createEchoStage({ sampleRateHz: 16000, tailMs: 500, reference });
 * ```
 */
export { tapEchoReference, type EchoReference, type EchoReferenceOptions, type EchoReferenceTap } from './reference.js';
export {
  createEchoStage,
  type EchoReports,
  type EchoStage,
  type EchoStageOptions,
  type EchoStageOutput,
} from './stage.js';
export { createWebRtcEchoStage, type WebRtcEchoStageOptions } from './webrtc-stage.js';
export { EchoCancellerError, loadSpeexDsp, type EchoCanceller, type EchoParts } from './canceller.js';
export { loadWebRtcApm, type WebRtcEchoCanceller, type WebRtcEchoMetrics } from './webrtc-apm.js';
export type { HeldUserSpan } from './release.js';
export type { BlockSpan } from './block-spans.js';
export { createCaptureClock, type CaptureClock, type CaptureClockOptions } from './capture-clock.js';
export { loadEchoCancelModule, type EchoCancelModule, type EchoCancelModuleOptions } from './sound-server-module.js';
export { createEchoSuppressor, type EchoSuppressor, type EchoSuppressorOptions } from './suppressor.js';
export type { EchoBlockKeep, EchoBlockKeepFactory, KeptBlocks } from './block-keep.js';
export { ECHO_TUNING, MAX_DELAY_MS, type Tuned } from './tuning.js';
