// @ts-check
/**
 * The microphone: getUserMedia with echo cancellation and noise suppression (so the agent does not hear
 * itself), captured by an AudioWorklet at the AudioContext's rate in 20 ms chunks, resampled to 24 kHz
 * and handed over as base64 pcm16 — one `input_audio_buffer.append` each. It also reports each chunk's
 * level (the meter) and when the input goes from quiet to loud (to time a barge-in from the user's
 * first sound). It remembers when each chunk was captured, so a position in the audio sent (the server's
 * `audio_end_ms`: where the user's voice ended) can be turned into a time on the page's clock.
 *
 * @example
 * const mic = await Microphone.open(context, { onChunk: (base64) => send(base64), onLevel: (rms) => meter(rms),
 * onOnset: (atMs) => {} }); mic.close();
 */
import { floatToPcm16Base64, PROTOCOL_RATE_HZ, rms } from './pcm.js';
import { Resampler } from './resampler.js';

/** A microphone that cannot be used, with the page's message code. */
export class MicrophoneError extends Error {
  /**
   * @param {'microphone_denied' | 'microphone_unavailable'} code
   * @param {string} message
   * @param {unknown} [cause]
   */
  constructor(code, message, cause) {
    super(message, { cause });
    this.name = 'MicrophoneError';
    this.code = code;
  }
}

/**
 * @typedef {object} MicrophoneHandlers
 * @property {(base64: string) => void} onChunk 24 kHz pcm16, ~20 ms
 * @property {(rms: number) => void} onLevel
 * @property {(atMs: number) => void} onOnset
 */

/**
 * Why 0.0005 (about -66 dBFS): the first sound at all after a quiet stretch — the breath before a word
 * that a VAD already hears. It is a measuring aid (barge-in timed from the user's first sound, on test
 * recordings whose pauses are digital silence); in a room whose noise floor stays above it no onset is
 * reported, and the server's VAD alone decides what is speech.
 */
const ONSET_THRESHOLD = 0.0005;
/** Why 250 ms: a pause between words is shorter; a new utterance (or a barge-in) follows a longer quiet. */
const ONSET_QUIET_MS = 250;
/** Why 1,500 chunks (30 s): the server names a position at most a hangover (≤ 10 s) back. */
const MAX_POSITIONS = 1500;
/**
 * Why 1 ms a second: how fast the capture clock's origin may move later, following the audio clock's drift
 * against the page's (tens of ppm) while a chunk delivered late by a busy page (tens of ms) cannot move it.
 */
const DRIFT_MS_PER_MS = 0.001;

export class Microphone {
  /**
   * @param {AudioContext} context
   * @param {MicrophoneHandlers} handlers
   */
  static async open(context, handlers) {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new MicrophoneError(
        'microphone_unavailable',
        'This page cannot use a microphone here: browsers allow it only on https:// or http://localhost pages.',
      );
    }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
      });
    } catch (error) {
      throw microphoneError(error);
    }
    await context.audioWorklet.addModule(new URL('./microphone-worklet.js', import.meta.url));
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, 'voice-agent-microphone', { numberOfInputs: 1, numberOfOutputs: 0 });
    source.connect(node);
    return new Microphone(context, stream, source, node, handlers);
  }

  /**
   * @param {AudioContext} context
   * @param {MediaStream} stream
   * @param {MediaStreamAudioSourceNode} source
   * @param {AudioWorkletNode} node
   * @param {MicrophoneHandlers} handlers
   */
  constructor(context, stream, source, node, handlers) {
    this.stream = stream;
    this.source = source;
    this.node = node;
    this.handlers = handlers;
    this.sampleRateHz = context.sampleRate;
    this.resampler = new Resampler(context.sampleRate, PROTOCOL_RATE_HZ);
    this.quietMs = ONSET_QUIET_MS;
    /** Audio sent so far, ms at 24 kHz, and where each recent chunk ended: its position and when it was captured. */
    this.sentMs = 0;
    /**
     * The capture clock: samples received so far, and the page time sample 0 was captured. A chunk's own
     * arrival is late by whatever kept the page busy; the earliest arrival, less the audio before it, is not.
     */
    this.samples = 0;
    this.originAtMs = Infinity;
    /** @type {Array<{endMs: number, atMs: number}>} */
    this.positions = [];
    node.port.onmessage = (event) => this.receive(/** @type {Float32Array} */ (event.data), performance.now());
  }

  close() {
    this.node.port.onmessage = null;
    this.source.disconnect();
    for (const track of this.stream.getTracks()) track.stop();
  }

  /**
   * @param {Float32Array} chunk at the AudioContext's rate
   * @param {number} receivedAtMs when the page got it: its capture time, plus whatever kept the page busy
   */
  receive(chunk, receivedAtMs) {
    const chunkMs = (chunk.length / this.sampleRateHz) * 1000;
    const startMs = (this.samples / this.sampleRateHz) * 1000;
    this.samples += chunk.length;
    this.originAtMs = Math.min(this.originAtMs + chunkMs * DRIFT_MS_PER_MS, receivedAtMs - startMs - chunkMs);
    const capturedAtMs = this.originAtMs + startMs + chunkMs;
    const loudAt = chunk.findIndex((s) => Math.abs(s) > ONSET_THRESHOLD);
    if (loudAt < 0) this.quietMs += chunkMs;
    else {
      if (this.quietMs >= ONSET_QUIET_MS)
        this.handlers.onOnset(this.originAtMs + startMs + (loudAt / this.sampleRateHz) * 1000);
      this.quietMs = 0;
    }
    this.handlers.onLevel(rms(chunk));
    const pcm = this.resampler.process(chunk);
    if (pcm.length === 0) return;
    this.sentMs += (pcm.length / PROTOCOL_RATE_HZ) * 1000;
    this.positions.push({ endMs: this.sentMs, atMs: capturedAtMs });
    if (this.positions.length > MAX_POSITIONS) this.positions.splice(0, this.positions.length - MAX_POSITIONS);
    this.handlers.onChunk(floatToPcm16Base64(pcm));
  }

  /**
   * When the audio at `audioMs` (ms into what was sent) was captured, on the page's clock; null when it is
   * older than the chunks remembered or not sent yet.
   * @param {number} audioMs
   * @returns {number | null}
   */
  capturedAt(audioMs) {
    const at = this.positions.find((p) => p.endMs >= audioMs);
    const first = this.positions[0];
    if (!at || !first || audioMs < first.endMs - 20) return null;
    return at.atMs - (at.endMs - audioMs);
  }
}

/** @param {unknown} error a getUserMedia rejection */
function microphoneError(error) {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return new MicrophoneError(
      'microphone_denied',
      'Microphone access was denied: allow the microphone for this site (the icon in the address bar) and ' +
        'connect again. You can still type.',
      error,
    );
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return new MicrophoneError(
      'microphone_unavailable',
      'No microphone was found: plug one in (or enable it in the system settings) and connect again. You can ' +
        'still type.',
      error,
    );
  }
  if (name === 'NotReadableError') {
    return new MicrophoneError(
      'microphone_unavailable',
      'The microphone is in use or blocked by the system: close other apps using it and connect again. You can ' +
        'still type.',
      error,
    );
  }
  return new MicrophoneError(
    'microphone_unavailable',
    `The microphone could not be opened (${name || String(error)}): check the browser's site settings and ` +
      `connect again. You can still type.`,
    error,
  );
}
