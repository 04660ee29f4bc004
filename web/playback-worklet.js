// @ts-check
/**
 * The speaker's AudioWorklet: a ring buffer of samples at the AudioContext's rate, filled with the
 * reply's frames and played out at once (no pre-buffer: the server already sends ~200 ms ahead).
 * It tells the page which frame it is playing, so the mouth moves with the audio actually heard,
 * and it empties at once on a flush (barge-in), answering how much of the frame playing was played.
 *
 * Received: `{type: 'push', id, samples: Float32Array}` | `{type: 'flush'}`.
 * Posted: `{type: 'started', id}` (a frame's first sample is being output) | `{type: 'drained'}` (nothing
 * left to play) | `{type: 'flushed', id, playedSamples, framesFlushed}` (`id` of the last frame started,
 * or null) | `{type: 'overflow', id}` (a frame did not fit and was dropped).
 */

/** Why 10 s: the server keeps at most ~200 ms ahead of playback; 10 s absorbs any burst after a stalled network. */
const CAPACITY_SECONDS = 10;

class PlaybackRing extends AudioWorkletProcessor {
  constructor() {
    super();
    this.ring = new Float32Array(Math.round(sampleRate * CAPACITY_SECONDS));
    /** Absolute sample counts written and played (the ring index is the count modulo capacity). */
    this.written = 0;
    this.read = 0;
    /** @type {Array<{id: number, start: number, end: number, started: boolean}>} frames not yet played to their end */
    this.frames = [];
    this.playing = false;
    this.port.onmessage = (event) => this.receive(event.data);
  }

  /** @param {{type: 'push', id: number, samples: Float32Array} | {type: 'flush'}} message */
  receive(message) {
    if (message.type === 'flush') return this.flush();
    const { id, samples } = message;
    if (this.written + samples.length - this.read > this.ring.length)
      return this.port.postMessage({ type: 'overflow', id });
    for (let i = 0; i < samples.length; i++)
      this.ring[(this.written + i) % this.ring.length] = /** @type {number} */ (samples[i]);
    this.frames.push({ id, start: this.written, end: this.written + samples.length, started: false });
    this.written += samples.length;
  }

  flush() {
    const started = this.frames.filter((f) => f.started);
    const last = started[started.length - 1];
    this.port.postMessage({
      type: 'flushed',
      id: last ? last.id : null,
      playedSamples: last ? Math.min(this.read, last.end) - last.start : 0,
      framesFlushed: this.frames.length - started.length,
    });
    this.read = this.written;
    this.frames = [];
    this.playing = false;
  }

  /**
   * @param {Float32Array[][]} _inputs
   * @param {Float32Array[][]} outputs
   */
  process(_inputs, outputs) {
    const out = outputs[0]?.[0];
    if (!out) return true;
    const available = Math.min(out.length, this.written - this.read);
    for (let i = 0; i < available; i++) out[i] = /** @type {number} */ (this.ring[(this.read + i) % this.ring.length]);
    out.fill(0, available);
    const blockEnd = this.read + available;
    for (const frame of this.frames) {
      if (frame.start >= blockEnd) break;
      if (!frame.started) {
        frame.started = true;
        this.port.postMessage({ type: 'started', id: frame.id });
      }
    }
    this.read = blockEnd;
    // Played to the end; the last one stays, so a flush can still say where it stopped.
    while (this.frames.length > 1 && /** @type {{end: number}} */ (this.frames[0]).end <= this.read)
      this.frames.shift();
    if (available > 0) this.playing = true;
    else if (this.playing) {
      this.playing = false;
      this.port.postMessage({ type: 'drained' });
    }
    return true;
  }
}

registerProcessor('voice-agent-playback', PlaybackRing);
