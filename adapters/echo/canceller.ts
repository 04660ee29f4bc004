/**
 * Acoustic echo canceller: speexdsp's MDF adaptive filter (Debian `libspeexdsp1`, BSD-3-Clause) loaded
 * in-process through koffi, as pocketsphinx is. It learns the path from the speaker to the microphone
 * (delay, room, device) from the reference — the frames the session actually played, aligned on the
 * session clock by `reference.ts` — and subtracts the predicted echo from each microphone block.
 *
 * A tail longer than {@link HEAD_MS} is split in two filters in cascade: a head over the first 300 ms of
 * the path and a late filter over the rest (from 270 ms on: 30 ms of overlap), fed the reference that
 * much earlier (`lateReference`, `lateOffsetSamples`). MDF converges slower and less deep the longer its
 * filter — in the echo matrix's open loop, 18–20 dB after 20 s of replies with one 500 ms filter, 26–28
 * dB with a 300 ms one, which lets a loud speaker's long reverberation through — while the head learns
 * the direct sound and early reflections as fast as a short filter, and the late filter only the little
 * left after it: 26–29 dB after 20 s over the same 500 ms.
 *
 * Optionally speexdsp's preprocessor runs after it with the (head's) echo state attached: it estimates
 * the echo the linear filter left and attenuates it (residual echo suppression). Its denoiser and AGC
 * stay off: noise and level are the other steps of the input conditioner.
 *
 * Native state is allocated at creation and freed by `close()` (the session's end).
 *
 * @example
 * ```ts
 * const canceller = createEchoCanceller({ sampleRateHz: 16_000, blockSamples: 320, tailMs: 250 });
 * canceller.cancel(mic, reference, out); // three Int16Arrays of 320 samples
 * canceller.close();
 * ```
 */
import koffi from 'koffi';
import { ECHO_TUNING, valuesOf } from './tuning.js';

const LIBRARY = 'libspeexdsp.so.1';
const INSTALL_HINT = 'apt-get install -y libspeexdsp1';

const { HEAD_MS, LATE_OVERLAP_MS, NOISE_SUPPRESS_DB, ECHO_SUPPRESS_DB, ECHO_SUPPRESS_ACTIVE_DB } = valuesOf(
  ECHO_TUNING.canceller,
);

// speex_echo.h / speex_preprocess.h request codes.
const SPEEX_ECHO_SET_SAMPLING_RATE = 24;
const SPEEX_PREPROCESS_SET_DENOISE = 0;
const SPEEX_PREPROCESS_SET_NOISE_SUPPRESS = 18;
const SPEEX_PREPROCESS_SET_ECHO_SUPPRESS = 20;
const SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE = 22;
const SPEEX_PREPROCESS_SET_ECHO_STATE = 24;

/**
 * What the linear filter made of the same microphone samples: its output before any suppressor, and its echo estimate.
 */
export interface EchoParts {
  /** The microphone minus the estimate: the user, noise, and the echo the filter missed. */
  residual: Int16Array;
  /** The echo the filter predicted from what played. */
  estimate: Int16Array;
}

export interface EchoCancellerOptions {
  sampleRateHz: number;
  /** Samples per `cancel` call (speexdsp's frame; 10–20 ms of audio is what it is designed for). */
  blockSamples: number;
  /** Echo path the filter can model, in ms: device latencies + acoustic delay + the room's reverberation. */
  tailMs: number;
  /** Run speexdsp's residual echo suppressor after the linear filter. */
  residualSuppression?: boolean;
  /** Library name or path, for unusual installs. */
  library?: string;
  /**
   * Make the linear filter's echo estimate available (`cancel`'s `linear`): a DC notch per filter is followed for it.
   */
  echoEstimate?: boolean;
}

export interface EchoCanceller {
  readonly sampleRateHz: number;
  readonly blockSamples: number;
  /**
   * Writes `mic` minus the predicted echo of `reference` (what played during the same samples) to `out`;
   * a split filter also needs `lateReference`, read `lateOffsetSamples` earlier (silence if omitted).
   * `linear` (with `echoEstimate`): where to write the linear filter's output before the residual
   * suppressor scales it, and the echo it predicted (the emergency stop's own-voice check fits the one on the other).
   */
  cancel(mic: Int16Array, reference: Int16Array, out: Int16Array, lateReference?: Int16Array, linear?: EchoParts): void;
  /**
   * With a split filter (a tail over {@link HEAD_MS}): how many samples before `reference` the late
   * filter's reference is read — pass it to `cancel` as `lateReference`. `undefined`: one filter.
   */
  readonly lateOffsetSamples: number | undefined;
  /** Forgets the learned echo path (after the filter diverged): it learns again from the next block. */
  reset(): void;
  /** Frees the native state; further calls throw. */
  close(): void;
}

/** libspeexdsp is missing or unusable; the message names the package to install. */
export class EchoCancellerError extends Error {
  override name = 'EchoCancellerError';
}

interface SpeexDsp {
  echoInit: (frameSize: number, filterLength: number) => unknown;
  echoCtl: (state: unknown, request: number, value: Int32Array) => number;
  echoCancel: (state: unknown, rec: Int16Array, play: Int16Array, out: Int16Array) => void;
  echoDestroy: (state: unknown) => void;
  echoReset: (state: unknown) => void;
  preInit: (frameSize: number, rate: number) => unknown;
  preCtlInt: (state: unknown, request: number, value: Int32Array) => number;
  preCtlPtr: (state: unknown, request: number, value: unknown) => number;
  preRun: (state: unknown, samples: Int16Array) => number;
  preDestroy: (state: unknown) => void;
}

const loaded = new Map<string, SpeexDsp>();

/**
 * Loads libspeexdsp (once per process and name). Throws {@link EchoCancellerError} with the install
 * command when it is missing, so a server fails at start, not in a session.
 */
export function loadSpeexDsp(library = LIBRARY): void {
  speexDsp(library);
}

function speexDsp(library: string): SpeexDsp {
  const cached = loaded.get(library);
  if (cached) return cached;
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(library);
  } catch (cause) {
    throw new EchoCancellerError(
      `${library} not found (${(cause as Error).message}): ${INSTALL_HINT}, or set audio.echoCancel to ` + `"off"`,
      { cause },
    );
  }
  const api: SpeexDsp = {
    echoInit: lib.func('void *speex_echo_state_init(int frame_size, int filter_length)'),
    echoCtl: lib.func('int speex_echo_ctl(void *st, int request, _Inout_ int32_t *ptr)'),
    echoCancel: lib.func(
      'void speex_echo_cancellation(void *st, const int16_t *rec, const int16_t *play, _Out_ int16_t *out)',
    ),
    echoDestroy: lib.func('void speex_echo_state_destroy(void *st)'),
    echoReset: lib.func('void speex_echo_state_reset(void *st)'),
    preInit: lib.func('void *speex_preprocess_state_init(int frame_size, int sampling_rate)'),
    preCtlInt: lib.func('int speex_preprocess_ctl(void *st, int request, _Inout_ int32_t *ptr)'),
    preCtlPtr: lib.func('speex_preprocess_ctl', 'int', ['void *', 'int', 'void *']),
    preRun: lib.func('int speex_preprocess_run(void *st, _Inout_ int16_t *x)'),
    preDestroy: lib.func('void speex_preprocess_state_destroy(void *st)'),
  };
  loaded.set(library, api);
  return api;
}

export function createEchoCanceller(options: EchoCancellerOptions): EchoCanceller {
  const { sampleRateHz, blockSamples, tailMs } = options;
  if (!Number.isInteger(blockSamples) || blockSamples < 32 || blockSamples > 4096) {
    throw new EchoCancellerError(
      `echo canceller block must be 32-4096 samples (10-20 ms of audio), not ${blockSamples}`,
    );
  }
  if (!(tailMs >= 10 && tailMs <= 2000))
    throw new EchoCancellerError(`echo tail must be 10-2000 ms (audio.echoTailMs), not ${tailMs}`);
  const api = speexDsp(options.library ?? LIBRARY);
  const toSamples = (ms: number) => Math.round((ms * sampleRateHz) / 1000);
  const split = tailMs > HEAD_MS + LATE_OVERLAP_MS;
  const initFilter = (ms: number) => {
    const filterLength = toSamples(ms);
    const state = api.echoInit(blockSamples, filterLength);
    if (!state)
      throw new EchoCancellerError(
        `speex_echo_state_init(${blockSamples}, ${filterLength}) failed: check the block size and audio.echoTailMs`,
      );
    api.echoCtl(state, SPEEX_ECHO_SET_SAMPLING_RATE, Int32Array.of(sampleRateHz));
    return state;
  };
  const echo = initFilter(split ? HEAD_MS : tailMs);
  const late = split ? initFilter(tailMs - HEAD_MS + LATE_OVERLAP_MS) : undefined;
  const lateOffsetSamples = split ? toSamples(HEAD_MS - LATE_OVERLAP_MS) : undefined;
  const afterHead = new Int16Array(blockSamples);
  const lateSilence = new Int16Array(blockSamples);
  let preprocess: unknown = null;
  if (options.residualSuppression) {
    preprocess = api.preInit(blockSamples, sampleRateHz);
    if (!preprocess) {
      api.echoDestroy(echo);
      if (late) api.echoDestroy(late);
      throw new EchoCancellerError(
        `speex_preprocess_state_init(${blockSamples}, ${sampleRateHz}) failed: check the sample rate`,
      );
    }
    const set = (request: number, value: number) => api.preCtlInt(preprocess, request, Int32Array.of(value));
    set(SPEEX_PREPROCESS_SET_DENOISE, 1);
    set(SPEEX_PREPROCESS_SET_NOISE_SUPPRESS, NOISE_SUPPRESS_DB);
    // AGC, VAD and dereverberation are off by default in speexdsp and stay so (setting the VAD prints a warning).
    set(SPEEX_PREPROCESS_SET_ECHO_SUPPRESS, ECHO_SUPPRESS_DB);
    set(SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE, ECHO_SUPPRESS_ACTIVE_DB);
    api.preCtlPtr(preprocess, SPEEX_PREPROCESS_SET_ECHO_STATE, echo);
  }
  const notched = options.echoEstimate ? createNotches(sampleRateHz, blockSamples, late ? 2 : 1) : undefined;
  let closed = false;
  return {
    sampleRateHz,
    blockSamples,
    lateOffsetSamples,
    cancel(mic, reference, out, lateReference, linear) {
      if (closed) throw new EchoCancellerError('echo canceller used after close()');
      if (
        mic.length !== blockSamples ||
        reference.length !== blockSamples ||
        out.length !== blockSamples ||
        (lateReference && lateReference.length !== blockSamples) ||
        (linear && (linear.residual.length !== blockSamples || linear.estimate.length !== blockSamples))
      ) {
        const lengths = [mic, reference, out, lateReference, linear?.residual, linear?.estimate].map((a) => a?.length);
        throw new EchoCancellerError(
          `echo canceller takes blocks of ${blockSamples} samples (mic, reference, out, lateReference, linear ` +
            `parts), got ${lengths.map((n) => n ?? '-').join('/')}`,
        );
      }
      if (late) {
        api.echoCancel(echo, mic, reference, afterHead);
        api.echoCancel(late, afterHead, lateReference ?? lateSilence, out);
      } else api.echoCancel(echo, mic, reference, out);
      if (notched) {
        notched.filter(mic);
        if (linear) {
          linear.residual.set(out);
          // What the filter took out of its own input: the microphone after speexdsp's DC notch(es).
          // (An Int16Array would wrap a difference past its range, not clip it.)
          const notchedMic = notched.out;
          const estimate = linear.estimate;
          for (let i = 0; i < blockSamples; i++) {
            const x = Math.round(notchedMic[i]! - out[i]!);
            estimate[i] = x > 32767 ? 32767 : x < -32768 ? -32768 : x;
          }
        }
      } else if (linear)
        throw new EchoCancellerError(
          'echo canceller asked for its estimate without echoEstimate: create it with echoEstimate: true',
        );
      if (preprocess) api.preRun(preprocess, out);
    },
    reset() {
      if (closed) return;
      api.echoReset(echo);
      if (late) api.echoReset(late);
      notched?.reset();
    },
    close() {
      if (closed) return;
      closed = true;
      if (preprocess) api.preDestroy(preprocess);
      api.echoDestroy(echo);
      if (late) api.echoDestroy(late);
    },
  };
}

/**
 * speexdsp's DC notch (mdf.c `filter_dc_notch16`, its floating-point build), which each filter runs on its
 * input before it cancels: followed here on the microphone, once per filter in the cascade, so that input
 * less the filter's output is its echo estimate alone. Without it that difference also holds what the
 * notch took out of the microphone (its rumble, and the user's voice under ~100 Hz).
 */
function createNotches(sampleRateHz: number, blockSamples: number, count: number) {
  // The radius speexdsp sets for the rate (speex_echo_state_init and SPEEX_ECHO_SET_SAMPLING_RATE).
  const radius = sampleRateHz < 12_000 ? 0.9 : sampleRateHz < 24_000 ? 0.982 : 0.992;
  const den2 = radius * radius + 0.7 * (1 - radius) * (1 - radius);
  const memory = new Float64Array(2 * count);
  const out = new Float64Array(blockSamples);
  return {
    out,
    filter(mic: Int16Array) {
      for (let i = 0; i < blockSamples; i++) out[i] = mic[i]!;
      for (let k = 0; k < count; k++) {
        let m0 = memory[2 * k]!;
        let m1 = memory[2 * k + 1]!;
        for (let i = 0; i < blockSamples; i++) {
          const vin = out[i]!;
          const vout = m0 + vin;
          m0 = m1 + 2 * (-vin + radius * vout);
          m1 = vin - den2 * vout;
          const y = radius * vout;
          out[i] = y > 32767 ? 32767 : y < -32767 ? -32767 : y;
        }
        memory[2 * k] = m0;
        memory[2 * k + 1] = m1;
      }
    },
    reset: () => memory.fill(0),
  };
}
