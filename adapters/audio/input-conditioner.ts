/**
 * The microphone's conditioning chain, run at the input edge before the VAD (so the VAD and the
 * recognizer hear the same conditioned audio):
 *
 *   echo canceller → high-pass → RNNoise → AGC
 *
 * Echo cancellation comes first because it needs the microphone exactly as the room made it (its filter
 * models the path from the speaker, which every later, non-linear step would change); the high-pass
 * removes the rumble before RNNoise and the AGC look at levels; the AGC comes last so it measures the
 * speech that is left, not the noise that was removed. Each step is optional.
 *
 * The canceller works on blocks of `echo.blockMs` placed on the session clock by a capture clock (see
 * `capture-clock.ts`), against what the session's sink played during the same samples (see
 * `echo-reference.ts`). Its native state is allocated at the first microphone audio, so sessions that
 * never send any (text-only clients) cost nothing, and freed by `close()`.
 *
 * @example
 * ```ts
 * const { sink, reference } = await tapEchoReference(deviceSink, { clock, sampleRateHz: 16_000 });
 * const conditioner = await createInputConditioner({
 *   sampleRateHz: 16_000,
 *   echo: { reference, tailMs: 250 },
 *   highPassHz: 100,
 *   agc: true,
 * });
 * const { audio, filtered } = conditioner.process(micFrame, clock.now()); // s16le in, s16le out (what is ready)
 * conditioner.close();
 * ```
 */
import { allocBytes } from '../../bus/byte-copy.js';
import { createAgc, type Agc, type AgcOptions } from './agc.js';
import {
  createEchoStage,
  type EchoStage,
  type EchoStageOptions,
  type KeptBlocks,
  createWebRtcEchoStage,
} from '../echo/index.js';
import type { ConditionedBlock } from './conditioned-block.js';
import { createHighPassFilter, type HighPassFilter } from './high-pass.js';
import { createSampleJoiner } from './pcm.js';
import { createRnnoiseDenoiser, type RnnoiseDenoiser } from './rnnoise.js';
import { createRoomNoiseGauge, type RoomNoiseGauge } from './room-noise.js';

/**
 * Which echo step runs: the built-in stack (`echo-stage.ts`, speexdsp) or WebRTC's audio processing
 * (`webrtc-echo-stage.ts`).
 */
export type EchoCancellerKind = 'builtin' | 'webrtc';

/**
 * The echo step's settings (see `echo-stage.ts`): the reference, the filter's tail, the suppressors, delay
 * estimation, and which canceller (default `builtin`; `webrtc` uses the reference, delay estimation and
 * `maxDelayMs`, and finds the tail itself).
 */
export type EchoCancelOptions = Omit<EchoStageOptions, 'sampleRateHz'> & { canceller?: EchoCancellerKind };

/**
 * Steps a session can switch on and off while it runs (read at every `process` call): a Realtime client's
 * `noise_reduction` (see server/realtime/noise-reduction.ts). A step switched on must be configured
 * (`echo` given; RNNoise loads on first use). Absent: every configured step runs.
 */
export interface InputSwitches {
  echo: boolean;
  noiseSuppression: boolean;
}

export interface InputConditionerOptions {
  /** Rate of the audio given to `process` (the VAD's). */
  sampleRateHz: number;
  echo?: EchoCancelOptions;
  /** High-pass cutoff in Hz; 0 or absent: off. */
  highPassHz?: number;
  /**
   * RNNoise before the VAD: always, never, or `auto`, while the room's noise floor is loud
   * (`room-noise.ts`; with switches, the switch decides and `auto` is off).
   */
  noiseSuppression?: boolean | 'auto';
  /** Automatic gain control: `true` for the defaults, or its settings. */
  agc?: boolean | Omit<AgcOptions, 'sampleRateHz'>;
  /** Per-session switches for the echo step and RNNoise (see {@link InputSwitches}). */
  switches?: InputSwitches;
  /** Hand on RNNoise's input with each block (`ConditionedBlock.levels`, the stop spotter's lead); absent: not kept. */
  keepLevels?: boolean;
  /** With `noiseSuppression: "auto"`: told each time the room switches RNNoise on or off, with its floor (dBFS). */
  onNoiseSuppression?: (room: { on: boolean; floorDbfs: number }) => void;
}

export interface InputConditioner {
  /** The steps that run, in order (`echo`, `high-pass`, `rnnoise`, `agc`); with switches or `auto`, the ones on now. */
  readonly steps: readonly string[];
  /** With `noiseSuppression: "auto"`: the room's noise floor now (dBFS) and whether RNNoise runs for it. */
  roomNoise?(): { floorDbfs: number; denoising: boolean };
  /** The echo step's alignment: the delay the reference is read at (ms), the estimate, and how often it moved. */
  echoDelay?(): { alignedMs: number; estimatedMs: number | undefined; moves: number } | undefined;
  /**
   * Conditions microphone audio (s16le at `sampleRateHz`, any length) that arrived at `atMs` on the
   * session clock; returns the conditioned audio that is ready (in order; lengths may differ per call),
   * with what the steps kept of the same samples for the stop spotter (see {@link ConditionedBlock}).
   */
  process(audio: Uint8Array, atMs: number): ConditionedBlock;
  /**
   * The echo path moved where the conditioner cannot see it (the speaker ran dry): the echo step relearns it (see
   * `EchoStage.relearn`).
   */
  echoPathMoved?(): void;
  /** Frees native and WASM state; afterwards `process` passes audio through unchanged. */
  close(): void;
}

/**
 * Float samples back to s16le, rounded and clipped, in slab memory (see bus/byte-copy.ts): one frame per
 * 20 ms per microphone, and an ArrayBuffer each takes ~0.75 µs to make (measured here), half the high-pass,
 * before the collector's share.
 */
function toBytes(samples: Float32Array): Uint8Array {
  const outBytes = allocBytes(samples.length * 2);
  const out = new Int16Array(outBytes.buffer, outBytes.byteOffset, samples.length);
  for (let i = 0; i < samples.length; i++) {
    const x = Math.round(samples[i]!);
    out[i] = x > 32767 ? 32767 : x < -32768 ? -32768 : x;
  }
  return outBytes;
}

export async function createInputConditioner(options: InputConditionerOptions): Promise<InputConditioner> {
  const { sampleRateHz, echo, switches } = options;
  const highPass: HighPassFilter | undefined = options.highPassHz
    ? createHighPassFilter({ sampleRateHz, cutoffHz: options.highPassHz })
    : undefined;
  const toFloat = createFloatWork();
  const keptForStops = createKeptForStops(options, toFloat);
  // `auto` judges the room after the echo step and the high-pass (switches decide for themselves).
  const gauge: RoomNoiseGauge | undefined =
    options.noiseSuppression === 'auto' && !switches ? createRoomNoiseGauge({ sampleRateHz }) : undefined;
  // With switches, RNNoise loads when first switched on (a WASM instance per session is not free); with
  // `auto` it is made now, so that the room's verdict switches it within the frame that gave it.
  const denoiser = createDenoiseStep(
    sampleRateHz,
    gauge || (options.noiseSuppression === true && !switches)
      ? await createRnnoiseDenoiser({ sampleRateHz })
      : undefined,
    gauge,
    options.onNoiseSuppression,
  );
  // Where RNNoise can switch (auto, a client's switch), every frame's levels are kept, denoised or not:
  // a stop spotter given levels once reads its lead from them alone from then on.
  const levelsEveryFrame = gauge !== undefined || switches !== undefined;
  const agc: Agc | undefined = options.agc
    ? createAgc({ sampleRateHz, ...(options.agc === true ? {} : options.agc) })
    : undefined;
  const echoOn = () => echo !== undefined && (switches ? switches.echo : true);
  const denoiseOn = () =>
    switches ? switches.noiseSuppression : gauge ? gauge.loud : options.noiseSuppression === true;
  const stepsNow = () => [
    ...(echoOn() ? ['echo'] : []),
    ...(highPass ? ['high-pass'] : []),
    ...(denoiseOn() ? ['rnnoise'] : []),
    ...(agc ? ['agc'] : []),
  ];
  const fixedSteps = switches || gauge ? undefined : stepsNow();
  const echoStep = createEchoStep(echo, sampleRateHz, echoOn);
  const joiner = createSampleJoiner();
  let closed = false;

  return {
    get steps() {
      return fixedSteps ?? stepsNow();
    },
    ...(gauge ? { roomNoise: () => ({ floorDbfs: gauge.floorDbfs(), denoising: gauge.loud }) } : {}),
    echoDelay: () => echoStep.delay(),
    echoPathMoved: () => echoStep.relearn(),
    process(audio, atMs) {
      if (closed || !(highPass || agc || gauge || echoOn() || denoiseOn() || echoStep.running)) return { audio };
      const input = samplesOf(joiner.push(audio));
      const { audio: cancelled, kept } = echoStep.cancel(input, atMs);
      if (!highPass && !gauge && !denoiseOn() && !agc) {
        return {
          audio: new Uint8Array(cancelled.buffer, cancelled.byteOffset, cancelled.byteLength),
          ...keptForStops(kept),
        };
      }
      let samples = toFloat(cancelled);
      highPass?.process(samples);
      gauge?.push(samples);
      const denoising = denoiseOn();
      const levels =
        options.keepLevels && (levelsEveryFrame || (denoiser.loaded && denoising)) ? toBytes(samples) : undefined;
      samples = denoiser.process(samples, denoising);
      agc?.process(samples);
      const conditioned = toBytes(samples);
      return { audio: conditioned, ...keptForStops(kept), ...(levels ? { levels } : {}) };
    },
    close() {
      if (closed) return;
      closed = true;
      echoStep.close();
      denoiser.close();
      echo?.reference.close();
    },
  };
}

/** The bytes as samples: read in place when aligned (the usual case), else copied to an aligned buffer. */
function samplesOf(bytes: Uint8Array): Int16Array {
  // Only the steps after this write, and into their own buffers.
  const samplesIn = bytes.byteLength >> 1;
  if ((bytes.byteOffset & 1) === 0) return new Int16Array(bytes.buffer, bytes.byteOffset, samplesIn);
  const input = new Int16Array(samplesIn);
  new Uint8Array(input.buffer).set(bytes.subarray(0, samplesIn * 2));
  return input;
}

/**
 * Samples as floats for the float steps, in one working buffer (grown when a longer chunk comes): what it
 * returns holds until the next call.
 */
function createFloatWork(): (samples: Int16Array) => Float32Array {
  let work = new Float32Array(320);
  return (samples) => {
    if (work.length < samples.length) work = new Float32Array(samples.length);
    const out = work.subarray(0, samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = samples[i]!;
    return out;
  };
}

/**
 * What the echo step kept of one call's blocks, as the stop spotter hears them (high-passed as `process`'s
 * audio is).
 */
function createKeptForStops(
  { sampleRateHz, echo, highPassHz }: InputConditionerOptions,
  toFloat: (samples: Int16Array) => Float32Array,
): (kept: KeptBlocks | undefined) => Omit<ConditionedBlock, 'audio'> {
  const keptHighPass = () =>
    highPassHz && echo?.keep ? createHighPassFilter({ sampleRateHz, cutoffHz: highPassHz }) : undefined;
  /** One per signal kept for the stop spotter: a filter's state follows one signal. */
  const filters = { heard: keptHighPass(), linear: keptHighPass(), levels: keptHighPass() };
  /** One signal the echo step kept for the stop spotter, high-passed as `process`'s audio is. */
  const highPassed = (kept: Int16Array, filter: HighPassFilter | undefined): Uint8Array => {
    if (!filter || kept.length === 0) return new Uint8Array(kept.buffer, kept.byteOffset, kept.byteLength);
    // The float steps' working buffer: `process` has already copied out what it held (this runs after).
    const samples = toFloat(kept);
    filter.process(samples);
    return toBytes(samples);
  };
  return (kept) => {
    if (!kept) return {};
    const filtered = highPassed(kept.heard, filters.heard);
    const linear = highPassed(kept.linear, filters.linear);
    const levels = highPassed(kept.levels, filters.levels);
    return { filtered, filteredLinear: { audio: linear, levels }, echoParts: kept.parts };
  };
}

/** The echo step as the conditioner runs it: made when switched on, closed when switched off. */
interface EchoStep {
  /** Echo-cancelled audio for whole blocks, and what the step kept of them; a partial block waits for the next call. */
  cancel(samples: Int16Array, atMs: number): { audio: Int16Array; kept?: KeptBlocks };
  /** Whether a canceller runs now (switched off, it still hands on the block it left half full). */
  readonly running: boolean;
  delay(): ReturnType<EchoStage['delay']> | undefined;
  relearn(): void;
  close(): void;
}

function createEchoStep(echo: EchoCancelOptions | undefined, sampleRateHz: number, on: () => boolean): EchoStep {
  let stage: EchoStage | undefined;
  return {
    get running() {
      return stage !== undefined;
    },
    delay: () => stage?.delay(),
    relearn: () => stage?.relearn(),
    close: () => stage?.close(),
    cancel(samples, atMs) {
      if (!echo) return { audio: samples };
      if (!on()) {
        // Switched off: a block left half full passes as it is, then the audio passes unchanged; a
        // later switch on starts learning the room again.
        if (!stage) return { audio: samples };
        const pending = stage.flush();
        stage.close();
        stage = undefined;
        if (pending.length === 0) return { audio: samples };
        const joined = new Int16Array(pending.length + samples.length);
        joined.set(pending);
        joined.set(samples, pending.length);
        return { audio: joined };
      }
      stage ??=
        echo.canceller === 'webrtc'
          ? createWebRtcEchoStage({ sampleRateHz, ...echo })
          : createEchoStage({ sampleRateHz, ...echo });
      return stage.process(samples, atMs);
    },
  };
}

/** RNNoise as the conditioner runs it, switched on and off per frame. */
interface DenoiseStep {
  /** Whether RNNoise is loaded (switched on once, or made up front). */
  readonly loaded: boolean;
  /** RNNoise when switched on; loading (asynchronously) the first time, audio passes meanwhile. */
  process(samples: Float32Array, on: boolean): Float32Array;
  close(): void;
}

/**
 * With the room's gauge, each switch is told (with the floor that made it) and RNNoise switched back on
 * starts afresh.
 */
function createDenoiseStep(
  sampleRateHz: number,
  made: RnnoiseDenoiser | undefined,
  gauge: RoomNoiseGauge | undefined,
  onNoiseSuppression: InputConditionerOptions['onNoiseSuppression'],
): DenoiseStep {
  let denoiser = made;
  let loading: Promise<void> | undefined;
  /** Whether RNNoise ran on the last frame (`auto` restarts it when the room turns loud again). */
  let denoisedLast = false;
  let closed = false;
  return {
    get loaded() {
      return denoiser !== undefined;
    },
    process(samples, on) {
      const starting = on && !denoisedLast;
      if (gauge && on !== denoisedLast) onNoiseSuppression?.({ on, floorDbfs: gauge.floorDbfs() });
      denoisedLast = on;
      if (!on) return samples;
      if (denoiser) {
        // Switched back on: what it held from the last loud stretch is not this audio.
        if (starting && gauge) denoiser.reset();
        return denoiser.process(samples);
      }
      loading ??= createRnnoiseDenoiser({ sampleRateHz }).then((d) => {
        if (closed) d.close();
        else denoiser = d;
      });
      return samples;
    },
    close() {
      closed = true;
      denoiser?.close();
    },
  };
}
