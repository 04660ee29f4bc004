/**
 * The echo canceller's reference: a tap on a session's {@link AudioSink} that keeps the frames the
 * playback actor actually wrote, placed at the time the device plays them on the session clock, and
 * drops what `clear()` discards (a barge-in or STOP: the device never plays it, so it never echoes).
 *
 * Play times follow the sink model every sink here uses (bus, WebSocket, recording): a frame starts when
 * the previous one ends, or now if the device ran dry (or where the sink's `runStartMs()` says, for a
 * sink that feeds its device ahead of time). Within a run of frames the reference is placed
 * sample by sample, so it stays sample-accurate however the clock jitters; a new run starts at the
 * sample of its clock time. Audio is kept at the canceller's rate (resampled with the Speex resampler if
 * the sink runs at another), in a ring of `historyMs`; anything older or never played reads as silence.
 *
 * Sample `i` of the reference timeline is played at `i × 1000 / sampleRateHz` ms on the session clock.
 *
 * @example
 * ```ts
 * const { sink, reference } = await tapEchoReference(deviceSink, { clock, sampleRateHz: 16_000 });
 * // the playback actor writes to `sink`; the canceller reads what played during a microphone block:
 * reference.read(firstSample, block);
 * ```
 */
import type { Clock } from '../clock.js';
import { copyToSamples } from '../audio/pcm.js';
import { createResampler, type Resampler } from '../audio/resample.js';
import type { AudioSink } from '../audio/sink.js';

export interface EchoReferenceOptions {
  clock: Clock;
  /** Rate of the reference, the echo canceller's (the microphone's after the input edge). */
  sampleRateHz: number;
  /**
   * How far back the reference is kept. Why 2.5 s: the canceller reads the block that ended at the last
   * microphone frame's arrival (≤ ~100 ms ago) less the echo delay it aligned on (up to 1.6 s, see
   * `delay.ts`), while the playback actor writes up to 200 ms ahead.
   */
  historyMs?: number;
  /**
   * Whether to record at all (read per frame; default: always). A session whose echo cancellation is
   * switched off (a Realtime client without `noise_reduction: far_field`) then costs no resampling.
   */
  active?: () => boolean;
  /**
   * How much later than the device's own {@link AudioSink.echoReturnMs} a frame's echo may still be heard
   * as voice: the echo delay the canceller found beyond it, and the VAD's time to decide. The tap's sink
   * reports the sum (absent when neither is given).
   */
  echoReturnMs?: () => number;
}

export interface EchoReference {
  readonly sampleRateHz: number;
  /** Fills `out` with the audio played from sample `start` of the timeline on; silence where nothing played. */
  read(start: number, out: Int16Array): void;
  /** Frees the resampler, if any. */
  close(): void;
}

export interface EchoReferenceTap {
  /** The sink the session writes to: forwards everything to the device and records what will play. */
  sink: AudioSink;
  reference: EchoReference;
}

/** Why 2500 ms: see {@link EchoReferenceOptions.historyMs}. */
const DEFAULT_HISTORY_MS = 2500;

export async function tapEchoReference(device: AudioSink, options: EchoReferenceOptions): Promise<EchoReferenceTap> {
  const { clock, sampleRateHz } = options;
  const historySamples = Math.round(((options.historyMs ?? DEFAULT_HISTORY_MS) * sampleRateHz) / 1000);
  const indexAt = (ms: number) => Math.round((ms * sampleRateHz) / 1000);
  /** Allocated at the first frame: a session that never speaks costs nothing. */
  let ring: Int16Array | undefined;
  /** One past the last sample recorded; samples at or after it read as silence. */
  let filledEnd = 0;
  /** Where the next frame of the current run goes. */
  let writeIndex = 0;
  let playEndMs = Number.NEGATIVE_INFINITY;
  let converter: Resampler | undefined = await createResampler({ fromHz: device.sampleRateHz, toHz: sampleRateHz });
  /** A converter for a new device rate is loading; frames meanwhile are not recorded. */
  let converting: Promise<void> | undefined;
  let closed = false;
  /** A frame was not recorded (resampler loading): the run is broken. */
  let skipped = false;

  const put = (at: number, samples: Int16Array) => {
    ring ??= new Int16Array(historySamples);
    // Samples between the last recorded one and this run are silence (the device ran dry).
    for (let i = Math.max(filledEnd, at - historySamples); i < at; i++) ring[i % historySamples] = 0;
    for (let i = Math.max(0, samples.length - historySamples); i < samples.length; i++) ring[(at + i) % historySamples] = samples[i]!;
    filledEnd = Math.max(filledEnd, at + samples.length);
  };

  const convertFrom = (rate: number) => {
    converter?.close();
    converter = undefined;
    const loading = createResampler({ fromHz: rate, toHz: sampleRateHz }).then(
      (resampler) => {
        if (closed || converting !== loading) return resampler.close();
        converter = resampler;
        converting = undefined;
      },
      // A rate the resampler rejects leaves the reference silent: the canceller then passes audio through.
      () => undefined,
    );
    converting = loading;
  };

  /** Where a frame written now plays if it starts a run: the device's word for it, or now. */
  const runStart = () => device.runStartMs?.() ?? clock.now();

  /** `runStartMs`: where the frame plays if it starts a run (asked before the device queued it). */
  const record = (frame: Uint8Array, runStartMs: number) => {
    const rate = device.sampleRateHz;
    const startMs = Math.max(playEndMs, runStartMs);
    const runContinues = startMs === playEndMs && !skipped;
    playEndMs = startMs + (frame.byteLength / 2 / rate) * 1000;
    if (converter?.fromHz !== rate) {
      if (!converting) convertFrom(rate);
      // Not recorded: the next frame recorded starts a new run at its own time.
      skipped = true;
      return;
    }
    skipped = false;
    if (!runContinues) {
      // The device ran dry: what is still inside the resampler ends the previous run.
      const tail = converter.flush();
      if (tail.byteLength > 0) put(writeIndex, copyToSamples(tail));
      writeIndex = indexAt(startMs);
    }
    const samples = copyToSamples(converter.process(frame));
    put(writeIndex, samples);
    writeIndex += samples.length;
  };

  const sink: AudioSink = {
    get sampleRateHz() {
      return device.sampleRateHz;
    },
    write(frame, meta) {
      const runStartMs = runStart();
      device.write(frame, meta);
      if (options.active && !options.active()) {
        // Not recorded: the next frame recorded starts a new run at its own time.
        skipped = true;
        playEndMs = Math.max(playEndMs, runStartMs) + (frame.byteLength / 2 / device.sampleRateHz) * 1000;
        return;
      }
      record(frame, runStartMs);
    },
    clear() {
      const dropped = device.clear();
      const now = clock.now();
      const cut = indexAt(now);
      // What was not played yet never will be: it must not be cancelled from the microphone either.
      if (ring) for (let i = Math.max(cut, filledEnd - historySamples); i < filledEnd; i++) ring[i % historySamples] = 0;
      filledEnd = Math.min(filledEnd, Math.max(cut, 0));
      playEndMs = Math.min(playEndMs, now);
      writeIndex = filledEnd;
      converter?.flush();
      return dropped;
    },
    bufferedMs: () => device.bufferedMs(),
    ...(device.runStartMs ? { runStartMs: () => device.runStartMs!() } : {}),
    ...(device.echoReturnMs || options.echoReturnMs ? { echoReturnMs: () => (device.echoReturnMs?.() ?? 0) + (options.echoReturnMs?.() ?? 0) } : {}),
  };

  const reference: EchoReference = {
    sampleRateHz,
    read(start, out) {
      const oldest = filledEnd - historySamples;
      for (let i = 0; i < out.length; i++) {
        const index = start + i;
        out[i] = ring && index >= 0 && index >= oldest && index < filledEnd ? ring[index % historySamples]! : 0;
      }
    },
    close() {
      closed = true;
      converter?.close();
      converter = undefined;
    },
  };
  return { sink, reference };
}
