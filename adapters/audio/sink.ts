/**
 * The audio output edge (speaker, WebSocket, RTP). The playback actor keeps at most `maxBufferAheadMs`
 * written ahead of what the device has played, and calls `clear()` on cancel so silence is immediate.
 */
export interface AudioSink {
  readonly sampleRateHz: number;
  /**
   * Hands one frame to the device. The frame is read-only: it may be a view of a TTS engine's chunk or
   * of a cached phrase that other sessions play too.
   */
  write(frame: Uint8Array, meta: FrameMeta): void;
  /** Drops everything buffered but not yet played; returns the number of frames dropped. */
  clear(): number;
  /** Audio written but not yet played, in ms. */
  bufferedMs(): number;
  /**
   * Where on the session clock a frame written now starts playing when nothing is queued before it;
   * default: now. A sink that hands its device audio ahead of time (sound-server-sink.ts) knows better,
   * and the echo reference places a reply's first frame there.
   */
  runStartMs?(): number;
  /**
   * How long after a frame has played (as `bufferedMs` counts) the session's own microphone may still
   * start hearing it as voice: the way to the speaker and back into the microphone, and the VAD's time
   * to decide. The playback actor reports a reply finished only then, so that its last syllable's echo
   * is judged as speech over the reply, not taken for a new turn. Default 0: a sink whose audio the
   * session does not hear (a WebSocket client cancels its own echo).
   */
  echoReturnMs?(): number;
}

/** What the playback actor knows of a frame it writes. */
export interface FrameMeta {
  turnId: string;
  seq: number;
  /** Lip sync: the mouth shape playing in this frame, when the TTS engine reported phonemes. */
  viseme?: string;
}
