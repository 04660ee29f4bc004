/**
 * A fake STT engine the test steers: partials and finals come only when the test says so, for the
 * stream it names (default: the newest open one).
 */
import type { SttEngine, SttResult, SttStreamOptions } from '../types.js';

export interface ControlledSttStream {
  options: SttStreamOptions;
  audioBytes: number;
  finishing: boolean;
  settled: boolean;
  partial(text: string, confidence?: number): void;
  /** Delivers the final transcript, with a confidence (0..1) and the detected language when given. */
  final(text: string, confidence?: number, language?: string): void;
  fail(message: string): void;
}

export interface ControlledStt extends SttEngine {
  readonly streams: ControlledSttStream[];
  /** The newest stream not aborted and not settled. */
  open(): ControlledSttStream | undefined;
}

export function createControlledStt(name = 'controlled-stt'): ControlledStt {
  const streams: ControlledSttStream[] = [];
  return {
    name,
    streams,
    open: () => [...streams].reverse().find((s) => !s.settled && !s.options.signal.aborted),
    createStream(options) {
      let resolveFinal: ((result: SttResult) => void) | undefined;
      let rejectFinal: ((error: Error) => void) | undefined;
      let early: { result?: SttResult; error?: Error } | undefined;
      const finished = new Promise<SttResult>((resolve, reject) => {
        resolveFinal = resolve;
        rejectFinal = reject;
      });
      finished.catch(() => undefined);
      const stream: ControlledSttStream = {
        options,
        audioBytes: 0,
        finishing: false,
        settled: false,
        partial: (text, confidence) => options.onPartial(text, confidence),
        final: (text, confidence, language) => {
          stream.settled = true;
          const result: SttResult = {
            text,
            ...(confidence !== undefined ? { confidence } : {}),
            ...(language !== undefined ? { language } : {}),
          };
          if (stream.finishing) resolveFinal!(result);
          else early = { result };
        },
        fail: (message) => {
          stream.settled = true;
          if (stream.finishing) rejectFinal!(new Error(message));
          else early = { error: new Error(message) };
        },
      };
      streams.push(stream);
      return {
        push(audio) {
          stream.audioBytes += audio.byteLength;
        },
        finish() {
          stream.finishing = true;
          if (early?.error) rejectFinal!(early.error);
          else if (early) resolveFinal!(early.result ?? { text: '' });
          return finished;
        },
      };
    },
  };
}
