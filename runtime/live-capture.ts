/**
 * The live microphone's side of `voice-agent live`: chunks cut into the pipeline's frames, each stamped
 * with when its last sample was heard on a capture clock that counts samples, and the input conditioner
 * given those stamps, so the echo canceller lines the microphone up with what the speaker played.
 *
 * @example
 * ```ts
 * const stamps = createStamps();
 * const capture = captureInto(config, { clock, stamps, push: (frame) => session.pushAudio(frame, rate) });
 * microphone.on('data', capture.onData);
 * ```
 */
import type { AppConfig } from './config.js';
import type { Clock } from '../adapters/clock.js';
import { createCaptureClock } from '../adapters/echo/index.js';
import { createFramer } from '../adapters/audio/framer.js';
import type { InputConditioner } from '../adapters/audio/input-conditioner.js';
import { pcmBytesFor } from '../adapters/audio/pcm.js';

/** Why 10 ms: the reports jitter by ±3 ms around a steady value; a real change (a new device) is larger. */
const SHIFT_STEP_MS = 10;
/** Why 2 s: a capture client never pauses, so a late chunk is the event loop's stall, not a gap in the samples. */
const CAPTURE_RESYNC_MS = 2000;

/** Microphone frames waiting for the VAD actor, each with the session-clock time its last sample was heard. */
export interface Stamps {
  push(atMs: number): void;
  shift(): number | undefined;
}

export function createStamps(): Stamps {
  const queue: number[] = [];
  return {
    push(atMs) {
      // Why 500: 10 s of frames; more means frames are not reaching the conditioner, so stamps would misalign.
      if (queue.length > 500) queue.length = 0;
      queue.push(atMs);
    },
    shift: () => queue.shift(),
  };
}

/**
 * The conditioner, given each frame's capture stamp instead of the time the VAD actor saw it, and told
 * when the speaker ran dry (`glitches` counts underruns and the sink's stalls): the device re-buffers,
 * so its echo no longer comes where the reference and the shift put it until the reports catch up.
 */
export function stampedConditioner(inner: InputConditioner, stamps: Stamps, glitches: () => number): InputConditioner {
  let seen = 0;
  return {
    // Read through: with `audio.noiseSuppression: "auto"` the steps change as the room does.
    get steps() {
      return inner.steps;
    },
    process: (audio, atMs) => {
      const now = glitches();
      if (now !== seen) inner.echoPathMoved?.();
      seen = now;
      return inner.process(audio, stamps.shift() ?? atMs);
    },
    close: () => inner.close(),
    ...(inner.echoDelay ? { echoDelay: () => inner.echoDelay!() } : {}),
    ...(inner.roomNoise ? { roomNoise: inner.roomNoise.bind(inner) } : {}),
  };
}

/**
 * The microphone's chunks cut into the pipeline's frames, each stamped on a capture clock that counts
 * samples (a chunk delivered late by a busy event loop does not move them) and shifted by the latency.
 */
export function captureInto(
  config: AppConfig,
  { clock, stamps, push }: { clock: Clock; stamps?: Stamps; push: (frame: Uint8Array) => void },
) {
  const rate = config.audio.inputRateHz;
  const frameBytes = pcmBytesFor(config.pipeline.frameMs, rate);
  const framer = createFramer(frameBytes);
  const captureClock = createCaptureClock({ sampleRateHz: rate, resyncMs: CAPTURE_RESYNC_MS });
  let reported: () => number = () => 0;
  let shiftMs: number | undefined;
  return {
    latency(source: () => number) {
      reported = source;
    },
    shiftMs: () => shiftMs ?? 0,
    onData(chunk: Uint8Array) {
      const now = clock.now();
      const latest = reported();
      if (shiftMs === undefined || Math.abs(latest - shiftMs) > SHIFT_STEP_MS) shiftMs = latest;
      const pending = framer.pendingBytes >> 1;
      // Timeline index of the chunk's first sample; the first frame out starts `pending` samples before it.
      const first = captureClock.place(chunk.byteLength >> 1, now);
      const frames = framer.push(chunk);
      frames.forEach((frame, i) => {
        const endSample = first - pending + ((i + 1) * frameBytes) / 2;
        stamps?.push((endSample * 1000) / rate - shiftMs!);
        push(frame);
      });
    },
  };
}
