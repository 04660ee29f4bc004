// @ts-check
/**
 * The microphone's AudioWorklet: collects the input (mixed down to mono) into 20 ms chunks at the
 * AudioContext's rate and posts each to the page, which resamples it to 24 kHz and sends it.
 * Posted: `Float32Array` (transferred).
 */

/**
 * Why 20 ms: the frame size of the server's VAD and of the Realtime clients' appends; a chunk every 20 ms keeps the
 * added delay that small.
 */
const CHUNK_MS = 20;

class MicrophoneCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.chunkSamples = Math.round((sampleRate * CHUNK_MS) / 1000);
    this.chunk = new Float32Array(this.chunkSamples);
    this.filled = 0;
  }

  /** @param {Float32Array[][]} inputs */
  process(inputs) {
    const channels = inputs[0] ?? [];
    const first = channels[0];
    if (!first) return true;
    for (let i = 0; i < first.length; i++) {
      let sum = 0;
      for (const channel of channels) sum += /** @type {number} */ (channel[i]);
      this.chunk[this.filled++] = sum / channels.length;
      if (this.filled === this.chunkSamples) {
        this.port.postMessage(this.chunk, [this.chunk.buffer]);
        // The transfer detached the old array (its length is now 0): a fresh one for the next chunk.
        this.chunk = new Float32Array(this.chunkSamples);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('voice-agent-microphone', MicrophoneCapture);
