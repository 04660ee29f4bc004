// @ts-check
/**
 * Playback of the agent's audio: each `response.output_audio.delta` (24 kHz pcm16) is resampled to the
 * AudioContext's rate and queued as one frame in the playback worklet's ring buffer. The worklet says
 * when each frame starts playing (`onFrameStarted`, with the frame's mouth data, for lip sync) and
 * when it runs dry; `flush()` silences it at once and answers how much of the item was played.
 *
 * @example
 * const speaker = await Speaker.open(context, { onFrameStarted: (frame) => mouth.show(frame.mouth), onDrained: () =>
 * mouth.close() }); speaker.enqueue(event.delta, { responseId: event.response_id, itemId: event.item_id, mouth: null
 * }); const { playedMs } = await speaker.flush(); // barge-in: silent now
 */
import { pcm16Base64ToFloat, PROTOCOL_RATE_HZ } from './pcm.js';
import { Resampler } from './resampler.js';

/** @typedef {{level: number, viseme: string | null}} Mouth */
/**
 * @typedef {object} FrameMeta
 * @property {number} id
 * @property {string} responseId
 * @property {string} itemId
 * @property {number} itemStartMs where in the item's audio the frame starts
 * @property {number} durationMs
 * @property {number} samples at the AudioContext's rate
 * @property {Mouth | null} mouth
 */
/**
 * @typedef {object} SpeakerHandlers
 * @property {(frame: FrameMeta) => void} onFrameStarted
 * @property {() => void} onDrained
 * @property {(frame: FrameMeta) => void} [onOverflow]
 */
/** @typedef {{responseId: string, itemId: string, playedMs: number, framesFlushed: number} | null} FlushResult */

export class Speaker {
  /**
   * @param {AudioContext} context
   * @param {SpeakerHandlers} handlers
   */
  static async open(context, handlers) {
    await context.audioWorklet.addModule(new URL('./playback-worklet.js', import.meta.url));
    const node = new AudioWorkletNode(context, 'voice-agent-playback', {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [1],
    });
    node.connect(context.destination);
    return new Speaker(context, node, handlers);
  }

  /**
   * @param {AudioContext} context
   * @param {AudioWorkletNode} node
   * @param {SpeakerHandlers} handlers
   */
  constructor(context, node, handlers) {
    this.context = context;
    this.node = node;
    this.handlers = handlers;
    this.nextId = 1;
    /** @type {Map<number, FrameMeta>} frames queued, by id */
    this.frames = new Map();
    /** The item being resampled, its resampler and how much of its audio has been queued. */
    this.item = { id: '', responseId: '', queuedMs: 0, resampler: new Resampler(PROTOCOL_RATE_HZ, context.sampleRate) };
    /** Frames queued and not yet started, and whether the worklet is outputting audio. */
    this.waiting = 0;
    this.playing = false;
    /** @type {Array<(result: FlushResult) => void>} */
    this.flushWaiters = [];
    node.port.onmessage = (event) => this.receive(event.data);
  }

  /** Audio is queued or playing: a barge-in has something to silence. */
  get active() {
    return this.playing || this.waiting > 0;
  }

  /** The item whose audio is queued or playing. */
  get currentItem() {
    return this.active ? { responseId: this.item.responseId, itemId: this.item.id } : null;
  }

  /**
   * @param {string} base64 24 kHz pcm16
   * @param {{responseId: string, itemId: string, mouth: Mouth | null}} meta
   * @returns {FrameMeta | null}
   */
  enqueue(base64, meta) {
    const pcm = pcm16Base64ToFloat(base64);
    if (pcm.length === 0) return null;
    if (meta.itemId !== this.item.id) this.startItem(meta.itemId, meta.responseId);
    const durationMs = (pcm.length / PROTOCOL_RATE_HZ) * 1000;
    const itemStartMs = this.item.queuedMs;
    this.item.queuedMs += durationMs;
    return this.post(this.item.resampler.process(pcm), itemStartMs, durationMs, meta.mouth);
  }

  /** The item's audio is complete: plays the resampler's last samples. */
  endItem(/** @type {string} */ itemId) {
    if (itemId !== this.item.id) return;
    this.post(this.item.resampler.flush(), this.item.queuedMs, 0, null);
  }

  /**
   * Silences the speaker now (the worklet drops everything from its next render quantum).
   * @returns {Promise<FlushResult>} what was played of the item that was playing
   */
  flush() {
    const item = this.currentItem;
    return new Promise((resolve) => {
      this.flushWaiters.push((result) =>
        resolve(
          item && result && result.itemId === item.itemId
            ? result
            : item
              ? { ...item, playedMs: 0, framesFlushed: result?.framesFlushed ?? 0 }
              : null,
        ),
      );
      this.node.port.postMessage({ type: 'flush' });
    });
  }

  close() {
    this.node.port.onmessage = null;
    this.node.disconnect();
  }

  /**
   * @param {string} itemId
   * @param {string} responseId
   */
  startItem(itemId, responseId) {
    this.item.resampler.reset();
    this.item = { ...this.item, id: itemId, responseId, queuedMs: 0 };
  }

  /**
   * @param {Float32Array} samples
   * @param {number} itemStartMs
   * @param {number} durationMs
   * @param {Mouth | null} mouth
   */
  post(samples, itemStartMs, durationMs, mouth) {
    if (samples.length === 0) return null;
    /** @type {FrameMeta} */
    const frame = {
      id: this.nextId++,
      responseId: this.item.responseId,
      itemId: this.item.id,
      itemStartMs,
      durationMs,
      samples: samples.length,
      mouth,
    };
    this.frames.set(frame.id, frame);
    this.waiting++;
    this.node.port.postMessage({ type: 'push', id: frame.id, samples }, [samples.buffer]);
    return frame;
  }

  /** @param {{type: string, id?: number | null, playedSamples?: number, framesFlushed?: number}} message */
  receive(message) {
    const frame = message.id == null ? undefined : this.frames.get(message.id);
    if (message.type === 'started') {
      this.waiting = Math.max(0, this.waiting - 1);
      this.playing = true;
      this.forgetBefore(message.id ?? 0);
      if (frame) this.handlers.onFrameStarted(frame);
    } else if (message.type === 'drained') {
      this.playing = false;
      if (this.waiting === 0) this.handlers.onDrained();
    } else if (message.type === 'overflow') {
      this.waiting = Math.max(0, this.waiting - 1);
      if (frame) this.handlers.onOverflow?.(frame);
    } else if (message.type === 'flushed') {
      this.playing = false;
      this.waiting = 0;
      this.item.resampler.reset();
      const played = frame
        ? frame.itemStartMs + frame.durationMs * Math.min(1, (message.playedSamples ?? 0) / frame.samples)
        : 0;
      const result = frame
        ? {
            responseId: frame.responseId,
            itemId: frame.itemId,
            playedMs: Math.round(played),
            framesFlushed: message.framesFlushed ?? 0,
          }
        : null;
      this.frames.clear();
      for (const resolve of this.flushWaiters.splice(0)) resolve(result);
    }
  }

  /** Frames before the one playing are done: only the one playing matters to a flush. */
  forgetBefore(/** @type {number} */ id) {
    for (const key of this.frames.keys()) {
      if (key >= id) break;
      this.frames.delete(key);
    }
  }
}
