/**
 * Turns per-frame speech decisions into utterances: a ring buffer of recent decisions starts speech when
 * `startRatio` of the last `startWindowMs` is voiced, a `hangoverMs` silence ends it, and `prefixPaddingMs`
 * of audio before the start is kept so the first syllable is not cut. Pure: frames in, events out.
 *
 * @example
 * ```ts
 * const seg = createVadSegmenter({ frameMs: 20 });
 * seg.push(frame, true); // [] until enough voiced frames, then [{ kind: 'start', ... }, { kind: 'audio', ... }]
 * ```
 */
import { rmsLevel } from '../adapters/audio/pcm.js';

export interface VadSegmenterOptions {
  frameMs: number;
  /** Speech starts when `startRatio` of the last `startWindowMs` is voiced. */
  startWindowMs: number;
  startRatio: number;
  /** Silence that ends the utterance (ms). */
  hangoverMs: number;
  /** Audio before the detected start that is kept, so the first syllable is not cut (ms). */
  prefixPaddingMs: number;
  /** Silence inside an utterance that is announced as a pause, where the chart's adaptive end of turn starts (ms). */
  pauseMs: number;
  /**
   * A frame this far below full scale (RMS) counts as silent for pauses even while the VAD still says
   * speech: VADs smooth their decision (WebRTC's holds "speech" up to ~100 ms after the voice stops),
   * and that lag would come on top of every short pause. Only pauses use it; the hangover follows the VAD.
   */
  pauseLevelDbfs: number;
}

export const DEFAULT_VAD_SEGMENTER_OPTIONS: Omit<VadSegmenterOptions, 'frameMs'> = {
  /** Why 60 ms: three 20 ms frames reject clicks yet keep onset detection fast for barge-in. */
  startWindowMs: 60,
  /** Why 0.8: WebRTC's ring-buffer rule, most of the window must be voiced. */
  startRatio: 0.8,
  /** Why 600 ms: the low end of the usual 600–800 ms; shorter pauses inside a phrase do not end the turn. */
  hangoverMs: 600,
  /** Why 200 ms: covers the window that detected the start plus a soft onset. */
  prefixPaddingMs: 200,
  /** Why 60 ms: shorter unvoiced runs are stops inside words; three 20 ms frames are a real gap. */
  pauseMs: 60,
  /** Why −50 dBFS: a quiet room's floor is −60 or lower and the softest speech sits above −45. */
  pauseLevelDbfs: -50,
};

export type SegmenterEvent =
  | { kind: 'start' }
  | { kind: 'audio'; audio: Uint8Array }
  /** The user went quiet `silentMs` ago (`pauseMs` of silence inside the utterance). */
  | { kind: 'pause'; silentMs: number }
  /** Voice again after a pause: the utterance goes on. */
  | { kind: 'resume' }
  /** `silenceMs`: the quiet (unvoiced or below `pauseLevelDbfs`) since the last voiced frame. */
  | { kind: 'end'; speechMs: number; silenceMs: number };

export interface VadSegmenter {
  push(frame: Uint8Array, voiced: boolean): SegmenterEvent[];
  readonly speaking: boolean;
  /** While speaking: how long the user has been quiet (0 while voiced). */
  readonly silenceMs: number;
  /**
   * While true, silence does not end the utterance (pauses are still announced): push-to-talk, where
   * releasing the key ends it. Settable at any time.
   */
  hold: boolean;
  reset(): void;
}

export function createVadSegmenter(options: Partial<VadSegmenterOptions> & { frameMs: number }): VadSegmenter {
  const o = { ...DEFAULT_VAD_SEGMENTER_OPTIONS, ...options };
  const windowFrames = Math.max(1, Math.round(o.startWindowMs / o.frameMs));
  const needVoiced = Math.max(1, Math.ceil(windowFrames * o.startRatio));
  const hangoverFrames = Math.max(1, Math.round(o.hangoverMs / o.frameMs));
  const pauseFrames = Math.max(1, Math.round(o.pauseMs / o.frameMs));
  const paddingFrames = Math.max(0, Math.round(o.prefixPaddingMs / o.frameMs));
  const pauseLevel = 10 ** (o.pauseLevelDbfs / 20);
  const isQuiet = (frame: Uint8Array) => rmsLevel(frame) < pauseLevel;

  // Ring buffers: this runs for every input frame of every session, so no shifting or re-counting.
  const recent = new Array<boolean>(windowFrames).fill(false);
  let recentAt = 0;
  let recentFilled = 0;
  let voicedInWindow = 0;
  const historySize = paddingFrames + windowFrames;
  const history = new Array<Uint8Array | undefined>(historySize).fill(undefined);
  let historyAt = 0;
  let historyFilled = 0;
  let speaking = false;
  let silentRun = 0;
  /** Frames in a row that are unvoiced or below `pauseLevelDbfs`: what pauses count. */
  let quietRun = 0;
  let paused = false;
  let voicedFrames = 0;
  let framesSinceStart = 0;
  let hold = false;
  const NONE: SegmenterEvent[] = [];

  const clearWindow = () => {
    recent.fill(false);
    recentAt = recentFilled = voicedInWindow = 0;
    history.fill(undefined);
    historyAt = historyFilled = 0;
  };

  return {
    get speaking() {
      return speaking;
    },
    get silenceMs() {
      return speaking ? quietRun * o.frameMs : 0;
    },
    get hold() {
      return hold;
    },
    set hold(value: boolean) {
      hold = value;
    },
    reset() {
      clearWindow();
      speaking = false;
      silentRun = 0;
      quietRun = 0;
      paused = false;
      voicedFrames = 0;
      framesSinceStart = 0;
    },
    push(frame, voiced) {
      if (!speaking) {
        if (recentFilled === windowFrames && recent[recentAt]) voicedInWindow--;
        recent[recentAt] = voiced;
        if (voiced) voicedInWindow++;
        recentAt = (recentAt + 1) % windowFrames;
        recentFilled = Math.min(windowFrames, recentFilled + 1);
        history[historyAt] = frame;
        historyAt = (historyAt + 1) % historySize;
        historyFilled = Math.min(historySize, historyFilled + 1);
        if (voicedInWindow < needVoiced) return NONE;
        speaking = true;
        silentRun = 0;
        quietRun = 0;
        paused = false;
        const out: SegmenterEvent[] = [{ kind: 'start' }];
        for (let i = historyFilled; i > 0; i--) {
          out.push({ kind: 'audio', audio: history[(historyAt - i + historySize) % historySize]! });
        }
        // The detection window counts as speech; the extra padding before it does not.
        const windowSpeech = Math.min(historyFilled, windowFrames);
        framesSinceStart = windowSpeech;
        voicedFrames = windowSpeech;
        clearWindow();
        return out;
      }
      framesSinceStart++;
      silentRun = voiced ? 0 : silentRun + 1;
      const quiet = !voiced || isQuiet(frame);
      quietRun = quiet ? quietRun + 1 : 0;
      if (voiced) voicedFrames = framesSinceStart;
      const out: SegmenterEvent[] = [{ kind: 'audio', audio: frame }];
      if (!quiet && paused) {
        paused = false;
        out.push({ kind: 'resume' });
      } else if (!paused && quietRun === pauseFrames && silentRun < hangoverFrames) {
        paused = true;
        out.push({ kind: 'pause', silentMs: quietRun * o.frameMs });
      }
      if (silentRun >= hangoverFrames && !hold) {
        const silenceMs = quietRun * o.frameMs;
        speaking = false;
        silentRun = 0;
        quietRun = 0;
        paused = false;
        out.push({ kind: 'end', speechMs: voicedFrames * o.frameMs, silenceMs });
      }
      return out;
    },
  };
}
