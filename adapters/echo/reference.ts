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
import { ECHO_TUNING, valuesOf } from './tuning.js';

export interface EchoReferenceOptions {
  clock: Clock;
  /** Rate of the reference, the echo canceller's (the microphone's after the input edge). */
  sampleRateHz: number;
  /** How far back the reference is kept (default `ECHO_TUNING.reference.HISTORY_MS`, tuning.ts). */
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

const { HISTORY_MS } = valuesOf(ECHO_TUNING.reference);

/**
 * The resampler to the reference's rate: `ready` for the device's rate, `loading` one for a new rate (frames
 * meanwhile are not recorded; a rate the resampler rejects stays loading: the reference stays silent), or
 * `none` (closed).
 */
type ConverterPhase = { name: 'ready'; resampler: Resampler } | Loading | { name: 'none' };
interface Loading {
  name: 'loading';
  loading: Promise<void>;
}

/** The tap's state: the ring of what will play, the run of frames being placed, and the resampler. */
interface ReferenceState {
  readonly sampleRateHz: number;
  readonly historySamples: number;
  /** Allocated at the first frame: a session that never speaks costs nothing. */
  ring: Int16Array | undefined;
  /** One past the last sample recorded; samples at or after it read as silence. */
  filledEnd: number;
  /** Where the next frame of the current run goes. */
  writeIndex: number;
  /** When the last frame written ends playing (session clock, ms). */
  playEndMs: number;
  /** A frame was not recorded (resampler loading, recording off): the run is broken. */
  skipped: boolean;
  converter: ConverterPhase;
  closed: boolean;
}

const indexAt = (state: ReferenceState, ms: number) => Math.round((ms * state.sampleRateHz) / 1000);
/** How long a frame of 16-bit samples at `rateHz` plays, ms. */
const frameMs = (frame: Uint8Array, rateHz: number) => (frame.byteLength / 2 / rateHz) * 1000;

/** Writes `samples` at timeline index `at`; the samples between the last recorded one and `at` are silence. */
function put(state: ReferenceState, at: number, samples: Int16Array): void {
  const { historySamples } = state;
  const ring = (state.ring ??= new Int16Array(historySamples));
  // Samples between the last recorded one and this run are silence (the device ran dry).
  for (let i = Math.max(state.filledEnd, at - historySamples); i < at; i++) ring[i % historySamples] = 0;
  // A frame longer than the ring keeps only its end.
  const from = Math.max(0, samples.length - historySamples);
  for (let i = from; i < samples.length; i++) ring[(at + i) % historySamples] = samples[i]!;
  state.filledEnd = Math.max(state.filledEnd, at + samples.length);
}

/** The device's rate changed: a resampler for it is loaded; frames meanwhile are not recorded. */
function convertFrom(state: ReferenceState, rate: number): void {
  if (state.converter.name === 'ready') state.converter.resampler.close();
  const loading = createResampler({ fromHz: rate, toHz: state.sampleRateHz }).then(
    (resampler) => {
      const { converter } = state;
      if (state.closed || converter.name !== 'loading' || converter.loading !== loading) return resampler.close();
      state.converter = { name: 'ready', resampler };
    },
    // A rate the resampler rejects leaves the reference silent: the canceller then passes audio through.
    () => undefined,
  );
  state.converter = { name: 'loading', loading };
}

/** `runStartMs`: where the frame plays if it starts a run (asked before the device queued it). */
function record(state: ReferenceState, frame: Uint8Array, rate: number, runStartMs: number): void {
  const startMs = Math.max(state.playEndMs, runStartMs);
  const runContinues = startMs === state.playEndMs && !state.skipped;
  state.playEndMs = startMs + frameMs(frame, rate);
  const { converter } = state;
  if (converter.name !== 'ready' || converter.resampler.fromHz !== rate) {
    if (converter.name !== 'loading') convertFrom(state, rate);
    // Not recorded: the next frame recorded starts a new run at its own time.
    state.skipped = true;
    return;
  }
  state.skipped = false;
  const { resampler } = converter;
  if (!runContinues) {
    // The device ran dry: what is still inside the resampler ends the previous run.
    const tail = resampler.flush();
    if (tail.byteLength > 0) put(state, state.writeIndex, copyToSamples(tail));
    state.writeIndex = indexAt(state, startMs);
  }
  const samples = copyToSamples(resampler.process(frame));
  put(state, state.writeIndex, samples);
  state.writeIndex += samples.length;
}

/** A frame not recorded (recording is off): it still plays, and the next frame recorded starts a new run. */
function skip(state: ReferenceState, frame: Uint8Array, rate: number, runStartMs: number): void {
  state.skipped = true;
  state.playEndMs = Math.max(state.playEndMs, runStartMs) + frameMs(frame, rate);
}

/** The device dropped what it had not played by `nowMs`: it never will, so it must not be cancelled either. */
function clearUnplayed(state: ReferenceState, nowMs: number): void {
  const { ring, historySamples, filledEnd } = state;
  const cut = indexAt(state, nowMs);
  if (ring) for (let i = Math.max(cut, filledEnd - historySamples); i < filledEnd; i++) ring[i % historySamples] = 0;
  state.filledEnd = Math.min(filledEnd, Math.max(cut, 0));
  state.playEndMs = Math.min(state.playEndMs, nowMs);
  state.writeIndex = state.filledEnd;
  if (state.converter.name === 'ready') state.converter.resampler.flush();
}

/** Fills `out` with what played from sample `start` on; silence where nothing did, or it is no longer kept. */
function readPlayed(state: ReferenceState, start: number, out: Int16Array): void {
  const { ring, historySamples, filledEnd } = state;
  const oldest = filledEnd - historySamples;
  for (let i = 0; i < out.length; i++) {
    const index = start + i;
    out[i] = ring && index >= 0 && index >= oldest && index < filledEnd ? ring[index % historySamples]! : 0;
  }
}

export async function tapEchoReference(device: AudioSink, options: EchoReferenceOptions): Promise<EchoReferenceTap> {
  const { clock, sampleRateHz } = options;
  const resampler = await createResampler({ fromHz: device.sampleRateHz, toHz: sampleRateHz });
  const state: ReferenceState = {
    sampleRateHz,
    historySamples: Math.round(((options.historyMs ?? HISTORY_MS) * sampleRateHz) / 1000),
    ring: undefined,
    filledEnd: 0,
    writeIndex: 0,
    playEndMs: Number.NEGATIVE_INFINITY,
    skipped: false,
    converter: { name: 'ready', resampler },
    closed: false,
  };
  /** Where a frame written now plays if it starts a run: the device's word for it, or now. */
  const runStart = () => device.runStartMs?.() ?? clock.now();
  const echoReturnMs = () => (device.echoReturnMs?.() ?? 0) + (options.echoReturnMs?.() ?? 0);

  const sink: AudioSink = {
    get sampleRateHz() {
      return device.sampleRateHz;
    },
    write(frame, meta) {
      const runStartMs = runStart();
      device.write(frame, meta);
      if (options.active && !options.active()) skip(state, frame, device.sampleRateHz, runStartMs);
      else record(state, frame, device.sampleRateHz, runStartMs);
    },
    clear() {
      const dropped = device.clear();
      clearUnplayed(state, clock.now());
      return dropped;
    },
    bufferedMs: () => device.bufferedMs(),
    ...(device.runStartMs ? { runStartMs: () => device.runStartMs!() } : {}),
    ...(device.echoReturnMs || options.echoReturnMs ? { echoReturnMs } : {}),
  };

  const reference: EchoReference = {
    sampleRateHz,
    read: (start, out) => readPlayed(state, start, out),
    close() {
      state.closed = true;
      if (state.converter.name === 'ready') {
        state.converter.resampler.close();
        state.converter = { name: 'none' };
      }
    },
  };
  return { sink, reference };
}
