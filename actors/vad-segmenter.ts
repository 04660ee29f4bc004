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
  return new Segmenter({ ...DEFAULT_VAD_SEGMENTER_OPTIONS, ...options });
}

const NONE: SegmenterEvent[] = [];

/**
 * The segmenter's state: ring buffers (this runs for every input frame of every session, so no shifting or
 * re-counting).
 */
class Segmenter implements VadSegmenter {
  hold = false;
  private readonly frameMs: number;
  private readonly windowFrames: number;
  private readonly needVoiced: number;
  private readonly hangoverFrames: number;
  private readonly pauseFrames: number;
  private readonly pauseLevel: number;
  /** The last `windowFrames` decisions, and how many of them are voiced. */
  private readonly recent: boolean[];
  private recentAt = 0;
  private recentFilled = 0;
  private voicedInWindow = 0;
  /** The last frames before a start: the prefix padding and the detection window. */
  private readonly history: Array<Uint8Array | undefined>;
  private historyAt = 0;
  private historyFilled = 0;
  private isSpeaking = false;
  private silentRun = 0;
  /** Frames in a row that are unvoiced or below `pauseLevelDbfs`: what pauses count. */
  private quietRun = 0;
  private paused = false;
  private voicedFrames = 0;
  private framesSinceStart = 0;

  constructor(o: VadSegmenterOptions) {
    this.frameMs = o.frameMs;
    this.windowFrames = Math.max(1, Math.round(o.startWindowMs / o.frameMs));
    this.needVoiced = Math.max(1, Math.ceil(this.windowFrames * o.startRatio));
    this.hangoverFrames = Math.max(1, Math.round(o.hangoverMs / o.frameMs));
    this.pauseFrames = Math.max(1, Math.round(o.pauseMs / o.frameMs));
    this.pauseLevel = 10 ** (o.pauseLevelDbfs / 20);
    const paddingFrames = Math.max(0, Math.round(o.prefixPaddingMs / o.frameMs));
    this.recent = new Array<boolean>(this.windowFrames).fill(false);
    this.history = new Array<Uint8Array | undefined>(paddingFrames + this.windowFrames).fill(undefined);
  }

  get speaking(): boolean {
    return this.isSpeaking;
  }

  get silenceMs(): number {
    return this.isSpeaking ? this.quietRun * this.frameMs : 0;
  }

  reset(): void {
    this.clearWindow();
    this.isSpeaking = false;
    this.silentRun = 0;
    this.quietRun = 0;
    this.paused = false;
    this.voicedFrames = 0;
    this.framesSinceStart = 0;
  }

  push(frame: Uint8Array, voiced: boolean): SegmenterEvent[] {
    return this.isSpeaking ? this.pushSpeaking(frame, voiced) : this.pushWaiting(frame, voiced);
  }

  private clearWindow(): void {
    this.recent.fill(false);
    this.recentAt = this.recentFilled = this.voicedInWindow = 0;
    this.history.fill(undefined);
    this.historyAt = this.historyFilled = 0;
  }

  /** Before speech: the window decides a start, which brings the frames before it along. */
  private pushWaiting(frame: Uint8Array, voiced: boolean): SegmenterEvent[] {
    const { windowFrames, history } = this;
    if (this.recentFilled === windowFrames && this.recent[this.recentAt]) this.voicedInWindow--;
    this.recent[this.recentAt] = voiced;
    if (voiced) this.voicedInWindow++;
    this.recentAt = (this.recentAt + 1) % windowFrames;
    this.recentFilled = Math.min(windowFrames, this.recentFilled + 1);
    history[this.historyAt] = frame;
    this.historyAt = (this.historyAt + 1) % history.length;
    this.historyFilled = Math.min(history.length, this.historyFilled + 1);
    if (this.voicedInWindow < this.needVoiced) return NONE;
    this.isSpeaking = true;
    this.silentRun = 0;
    this.quietRun = 0;
    this.paused = false;
    const out: SegmenterEvent[] = [{ kind: 'start' }];
    for (let i = this.historyFilled; i > 0; i--) {
      out.push({ kind: 'audio', audio: history[(this.historyAt - i + history.length) % history.length]! });
    }
    // The detection window counts as speech; the extra padding before it does not.
    const windowSpeech = Math.min(this.historyFilled, windowFrames);
    this.framesSinceStart = windowSpeech;
    this.voicedFrames = windowSpeech;
    this.clearWindow();
    return out;
  }

  /** During speech: every frame is the utterance's; quiet runs announce pauses, a hangover of silence ends it. */
  private pushSpeaking(frame: Uint8Array, voiced: boolean): SegmenterEvent[] {
    this.framesSinceStart++;
    this.silentRun = voiced ? 0 : this.silentRun + 1;
    const quiet = !voiced || rmsLevel(frame) < this.pauseLevel;
    this.quietRun = quiet ? this.quietRun + 1 : 0;
    if (voiced) this.voicedFrames = this.framesSinceStart;
    const out: SegmenterEvent[] = [{ kind: 'audio', audio: frame }];
    if (!quiet && this.paused) {
      this.paused = false;
      out.push({ kind: 'resume' });
    } else if (!this.paused && this.quietRun === this.pauseFrames && this.silentRun < this.hangoverFrames) {
      this.paused = true;
      out.push({ kind: 'pause', silentMs: this.quietRun * this.frameMs });
    }
    if (this.silentRun >= this.hangoverFrames && !this.hold) {
      const silenceMs = this.quietRun * this.frameMs;
      this.isSpeaking = false;
      this.silentRun = 0;
      this.quietRun = 0;
      this.paused = false;
      out.push({ kind: 'end', speechMs: this.voicedFrames * this.frameMs, silenceMs });
    }
    return out;
  }
}
