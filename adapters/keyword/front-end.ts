/**
 * openWakeWord's front end: 16 kHz audio → mel spectrogram (32 bands, a frame every 10 ms) → Google's
 * speech embedding (96 values, one every 80 ms over the last 76 mel frames). Every keyword head reads
 * the same embeddings, so a session runs the front end once however many phrases it listens for.
 *
 * The arithmetic is openWakeWord's (`openwakeword/utils.py`, `AudioFeatures`): samples in 16-bit scale,
 * the mel model's output mapped by `x / 10 + 2`, a new embedding for each 1,280 samples from the mel
 * frames of those samples and the 480 before them. {@link clipEmbeddings} computes a whole clip with
 * batched embedding calls and gives what a {@link FeatureStream} gives when fed the same clip in any pieces.
 *
 * @example
 * ```ts
 * const frontEnd = await loadFrontEnd(frontEndPaths());
 * const stream = createFeatureStream(frontEnd);
 * for (const frame of frames) for (const embedding of await stream.push(frame)) heads.score(embedding);
 * ```
 */
import { openOnnxModel, runOnce, type OnnxSession } from './onnx-runtime.js';

export const SAMPLE_RATE_HZ = 16_000;
/** Samples per embedding: 80 ms. */
export const HOP_SAMPLES = 1280;
export const HOP_MS = 80;
export const EMBEDDING_SIZE = 96;
const MEL_BANDS = 32;
const MEL_FRAMES_PER_HOP = 8;
const MEL_WINDOW_FRAMES = 76;
/** The samples before a hop that its first mel frames reach back to. */
const MEL_CONTEXT_SAMPLES = 480;

export interface FrontEndPaths {
  melspectrogram: string;
  embedding: string;
}

/** The two models, loaded once per process and shared by every stream. */
export interface FrontEnd {
  readonly melspectrogram: OnnxSession;
  readonly embedding: OnnxSession;
  /** Calls are serialized: one ONNX session runs one call at a time. */
  readonly queue: { tail: Promise<unknown> };
}

/** Loads the two models; `fix` names the command that fetches them (in errors). */
export async function loadFrontEnd(paths: FrontEndPaths, fix = 'voice-agent models keyword'): Promise<FrontEnd> {
  const [melspectrogram, embedding] = await Promise.all([
    openOnnxModel(paths.melspectrogram, { fix }),
    openOnnxModel(paths.embedding, { fix }),
  ]);
  return { melspectrogram, embedding, queue: { tail: Promise.resolve() } };
}

/** Runs `work` after every call queued before it on this front end. */
function serialized<T>(frontEnd: FrontEnd, work: () => Promise<T>): Promise<T> {
  const result = frontEnd.queue.tail.then(work, work);
  frontEnd.queue.tail = result.catch(() => undefined);
  return result;
}

/** Mel frames (rows of 32) of `samples` (16-bit scale), openWakeWord's transform applied. */
async function melFrames(frontEnd: FrontEnd, samples: Float32Array): Promise<Float32Array> {
  return mapMel(await runOnce(frontEnd.melspectrogram, [1, samples.length], samples));
}

/** openWakeWord's map of the mel model's output onto the scale the embedding model was trained on. */
function mapMel(out: Float32Array): Float32Array {
  return out.map((value) => value / 10 + 2);
}

/** One embedding per window of 76 mel frames (`windows` × 76 × 32 values). */
async function embed(frontEnd: FrontEnd, windows: Float32Array, count: number): Promise<Float32Array[]> {
  const out = await runOnce(frontEnd.embedding, [count, MEL_WINDOW_FRAMES, MEL_BANDS, 1], windows);
  return Array.from({ length: count }, (_, i) => out.slice(i * EMBEDDING_SIZE, (i + 1) * EMBEDDING_SIZE));
}

/** The mel history a stream starts with: openWakeWord's (every value 1). */
function initialMel(): Float32Array {
  return new Float32Array(MEL_WINDOW_FRAMES * MEL_BANDS).fill(1);
}

/** One continuous stream of audio: push 16-bit samples in any pieces, get the embeddings they complete. */
export interface FeatureStream {
  push(samples: Int16Array | Float32Array): Promise<Float32Array[]>;
  /** Samples pushed so far (the stream's clock, at 16 kHz). */
  readonly samplesPushed: number;
}

interface StreamState {
  /** The last 480 samples of the previous hop, then the hop being filled. */
  readonly audio: Float32Array;
  filled: number;
  /** The last 76 mel frames. */
  mel: Float32Array;
  pushed: number;
}

/** A {@link FeatureStream} on `frontEnd`. */
export function createFeatureStream(frontEnd: FrontEnd): FeatureStream {
  const state: StreamState = {
    audio: new Float32Array(MEL_CONTEXT_SAMPLES + HOP_SAMPLES),
    filled: 0,
    mel: initialMel(),
    pushed: 0,
  };
  const hop = async (): Promise<Float32Array> => {
    const frames = await melFrames(frontEnd, state.audio);
    const mel = new Float32Array(state.mel.length);
    mel.set(state.mel.subarray(MEL_FRAMES_PER_HOP * MEL_BANDS));
    mel.set(frames.subarray(0, MEL_FRAMES_PER_HOP * MEL_BANDS), (MEL_WINDOW_FRAMES - MEL_FRAMES_PER_HOP) * MEL_BANDS);
    state.mel = mel;
    state.audio.copyWithin(0, HOP_SAMPLES);
    state.filled = 0;
    return (await embed(frontEnd, mel, 1))[0]!;
  };
  return {
    get samplesPushed() {
      return state.pushed;
    },
    push(samples) {
      return serialized(frontEnd, async () => {
        const embeddings: Float32Array[] = [];
        for (let read = 0; read < samples.length;) {
          const take = Math.min(HOP_SAMPLES - state.filled, samples.length - read);
          for (let i = 0; i < take; i++) state.audio[MEL_CONTEXT_SAMPLES + state.filled + i] = samples[read + i]!;
          state.filled += take;
          read += take;
          if (state.filled === HOP_SAMPLES) embeddings.push(await hop());
        }
        state.pushed += samples.length;
        return embeddings;
      });
    },
  };
}

/**
 * The embeddings of a whole clip (one per full 80 ms of it), in two batched calls: what a fresh
 * {@link FeatureStream} returns for the same samples. How training embeds thousands of clips.
 */
export async function clipEmbeddings(frontEnd: FrontEnd, samples: Int16Array | Float32Array): Promise<Float32Array[]> {
  const hops = Math.floor(samples.length / HOP_SAMPLES);
  if (hops === 0) return [];
  const chunk = MEL_CONTEXT_SAMPLES + HOP_SAMPLES;
  return serialized(frontEnd, async () => {
    // One call per hop over its own 1,760 samples, as a stream makes them: the mel model floors its
    // logarithm 80 dB under the loudest value of its whole input, so a longer or batched input differs.
    const frames = new Float32Array(hops * MEL_FRAMES_PER_HOP * MEL_BANDS);
    const audio = new Float32Array(chunk);
    for (let h = 0; h < hops; h++) {
      for (let i = 0; i < chunk; i++) {
        const at = h * HOP_SAMPLES + i - MEL_CONTEXT_SAMPLES;
        audio[i] = at >= 0 ? samples[at]! : 0;
      }
      frames.set(
        (await melFrames(frontEnd, audio)).subarray(0, MEL_FRAMES_PER_HOP * MEL_BANDS),
        h * MEL_FRAMES_PER_HOP * MEL_BANDS,
      );
    }
    const lead = MEL_WINDOW_FRAMES - MEL_FRAMES_PER_HOP;
    const all = new Float32Array((lead + hops * MEL_FRAMES_PER_HOP) * MEL_BANDS).fill(1);
    all.set(frames.subarray(0, hops * MEL_FRAMES_PER_HOP * MEL_BANDS), lead * MEL_BANDS);
    const windowValues = MEL_WINDOW_FRAMES * MEL_BANDS;
    const embeddings: Float32Array[] = [];
    // Why batches of 64: one call per clip would hold a minute's windows (23 MB) at once.
    for (let first = 0; first < hops; first += 64) {
      const count = Math.min(64, hops - first);
      const windows = new Float32Array(count * windowValues);
      for (let w = 0; w < count; w++) {
        const start = (first + w) * MEL_FRAMES_PER_HOP * MEL_BANDS;
        windows.set(all.subarray(start, start + windowValues), w * windowValues);
      }
      embeddings.push(...(await embed(frontEnd, windows, count)));
    }
    return embeddings;
  });
}
