/**
 * Audio decoded afresh a slice at a time (actors/sliced-decode.ts): every chunk reaches the stream in
 * order, the event loop runs between slices, and an abort stops it between two.
 */
import { describe, expect, it } from 'vitest';
import { decodeInSlices, DECODE_SLICE_MS, SlicedDecodeAborted } from '../../actors/estop/index.js';
import type { SttStream } from '../../adapters/stt/types.js';

const RATE = 16_000;
/** 20 ms chunks, each filled with its index. */
const chunks = (n: number) => Array.from({ length: n }, (_, i) => new Uint8Array((RATE / 50) * 2).fill(i));

/** A stream that records what it was given, and what else ran, in order. */
function recordingStream(log: string[]): SttStream {
  return {
    push: (audio) => void log.push(`push ${audio[0]}`),
    finish: async () => {
      log.push('finish');
      return { text: 'stop', confidence: 0.5 };
    },
  };
}

describe('decodeInSlices', () => {
  it('pushes every chunk in order, a slice per macrotask, then finishes', async () => {
    const log: string[] = [];
    const perSlice = DECODE_SLICE_MS / 20;
    // Other work already queued runs after the first slice, not after the whole decode.
    setImmediate(() => log.push('other work'));
    const decoding = decodeInSlices(recordingStream(log), chunks(2 * perSlice + 1), RATE, new AbortController().signal);
    expect(await decoding).toEqual({ text: 'stop', confidence: 0.5 });
    const pushes = Array.from({ length: 2 * perSlice + 1 }, (_, i) => `push ${i}`);
    expect(log).toEqual([...pushes.slice(0, perSlice), 'other work', ...pushes.slice(perSlice), 'finish']);
  });

  it('stops between slices when aborted, without finishing', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    const decoding = decodeInSlices(recordingStream(log), chunks(3 * (DECODE_SLICE_MS / 20)), RATE, controller.signal);
    controller.abort();
    await expect(decoding).rejects.toBeInstanceOf(SlicedDecodeAborted);
    expect(log).toEqual(Array.from({ length: DECODE_SLICE_MS / 20 }, (_, i) => `push ${i}`));
  });
});
