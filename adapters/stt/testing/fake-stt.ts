/**
 * Fake streaming STT for tests and benchmarks: "recognizes" a scripted transcript at a rate set by
 * how much audio has been pushed, so partials and finals line up with the audio the VAD let through.
 */
import { sleep, type Clock } from '../../clock.js';
import { pcmDurationMs } from '../../audio/pcm.js';
import { abortError } from '../../testing/clocked-stream.js';
import type { SttEngine, SttResult, SttStream, SttStreamOptions } from '../types.js';

export interface FakeSttOptions {
  clock: Clock;
  /**
   * Transcript per utterance (stream), by 0-based index; a missing entry is '' (like noise). A result
   * object also gives the final a confidence and a language.
   */
  transcripts: Array<string | SttResult> | ((utteranceIndex: number) => string | SttResult);
  /** Audio needed per recognized word before it shows up in a partial. */
  msPerWord?: number;
  /** Delay between `finish()` and the final transcript. */
  finalDelayMs?: number;
  name?: string;
}

export interface FakeSttStats {
  /** Streams created, i.e. utterances; the next stream gets this number as its index. */
  streams: number;
  /** Finals delivered. */
  finals: number;
  /** Streams aborted before their final was delivered. */
  aborted: number;
}

export interface FakeStt extends SttEngine {
  readonly stats: Readonly<FakeSttStats>;
}

/** Words as a recognizer would grow them: whitespace-separated, but each CJK character on its own. */
const WORD =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[^\s\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+/gu;

/**
 * Each `createStream` is one utterance. Partials are delivered synchronously from `push`, with the
 * transcript's first N words where N = floor(pushed audio ms / msPerWord), only when N grows.
 * `finish()` resolves with the whole transcript `finalDelayMs` later on the clock. After the signal
 * aborts, pushes are ignored, no partial is sent, and `finish()` rejects at once with the abort reason.
 *
 * @example
 * ```ts
 * const stt = createFakeStt({ clock, transcripts: ['what is the weather'] });
 * const stream = stt.createStream({ sampleRateHz: 16000, onPartial: console.log, signal });
 * stream.push(makeSpeechFrame(16000, 500)); // logs "what is" (500 ms / 250 ms per word)
 * const final = stream.finish();
 * await clock.advance(30);                  // final resolves: "what is the weather"
 * ```
 */
export function createFakeStt(options: FakeSttOptions): FakeStt {
  const {
    clock,
    transcripts,
    // Why 250 ms: streaming recognizers revise their interim result every ~200-300 ms of audio, so one
    // new word per 250 ms gives a realistic partial cadence (and ~240 wpm never lags real speech).
    msPerWord = 250,
    // Why 30 ms: a streaming engine has decoded nearly everything by end of speech; finalizing is
    // tens of ms, not a full recognition pass.
    finalDelayMs = 30,
    name = 'fake-stt',
  } = options;
  const stats: FakeSttStats = { streams: 0, finals: 0, aborted: 0 };

  function createStream({ sampleRateHz, onPartial, signal }: SttStreamOptions): SttStream {
    const index = stats.streams++;
    const entry = (typeof transcripts === 'function' ? transcripts(index) : transcripts[index]) ?? '';
    const result: SttResult = typeof entry === 'string' ? { text: entry } : entry;
    const transcript = result.text;
    const wordEnds = [...transcript.matchAll(WORD)].map((m) => m.index + m[0].length);
    let bytes = 0;
    let shownWords = 0;
    let settled = false;
    let final: Promise<SttResult> | undefined;

    const onAbort = () => {
      if (!settled) stats.aborted++;
      settled = true;
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });

    return {
      push(audio) {
        if (settled || final) return;
        bytes += audio.byteLength;
        const words = Math.min(wordEnds.length, Math.floor(pcmDurationMs(bytes, sampleRateHz) / msPerWord));
        if (words <= shownWords) return;
        shownWords = words;
        onPartial(transcript.slice(0, wordEnds[words - 1]).trim());
      },
      finish() {
        final ??= signal.aborted
          ? Promise.reject(abortError(signal))
          : sleep(clock, finalDelayMs, signal).then(
              () => {
                settled = true;
                signal.removeEventListener('abort', onAbort);
                stats.finals++;
                return { ...result, text: transcript.trim() };
              },
              () => Promise.reject(abortError(signal)),
            );
        return final;
      },
    };
  }

  return { name, stats, createStream };
}
