import { describe, expect, it } from 'vitest';
import { createRecordingSink } from '../../../adapters/audio/recording-sink.js';
import { encodeWav, readWav, WavError } from '../../../adapters/audio/wav.js';
import { ManualClock } from '../../../adapters/testing/manual-clock.js';

describe('WAV', () => {
  it('round-trips 16-bit mono PCM', () => {
    const pcm = new Uint8Array([1, 0, 255, 127, 0, 128]);
    expect(readWav(encodeWav(pcm, 16_000))).toEqual({ pcm, sampleRateHz: 16_000 });
  });

  it('mixes stereo down to mono', () => {
    const stereo = encodeWav(new Uint8Array(new Int16Array([100, 300, -200, -400]).buffer), 8000);
    const view = new DataView(stereo.buffer);
    view.setUint16(22, 2, true);
    const { pcm } = readWav(stereo);
    expect(Array.from(new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2))).toEqual([200, -300]);
  });

  it('rejects what it cannot read with the fix in the message', () => {
    expect(() => readWav(new Uint8Array(20))).toThrow(WavError);
    const float = encodeWav(new Uint8Array(4), 16_000);
    new DataView(float.buffer).setUint16(20, 3, true);
    expect(() => readWav(float)).toThrow(/use 16-bit PCM/);
  });
});

describe('recording sink', () => {
  it('records what played, at the time it played, and drops what a clear cut off', async () => {
    const clock = new ManualClock();
    const sink = createRecordingSink(clock, 1000); // 1 kHz: 1 sample per ms, 2 bytes
    const frame = (v: number) => new Uint8Array(40).fill(v); // 20 ms
    sink.write(frame(1), { turnId: 't1', seq: 0 });
    sink.write(frame(2), { turnId: 't1', seq: 1 });
    sink.write(frame(3), { turnId: 't1', seq: 2 });
    expect(sink.bufferedMs()).toBe(60);
    await clock.advance(30);
    expect(sink.clear()).toBe(1);
    expect(sink.bufferedMs()).toBe(0);
    const out = sink.render(0, 40);
    // 20 ms of frame 1, 10 ms of frame 2 (cut at the clear), then silence.
    expect(Array.from(out.subarray(0, 40))).toEqual(Array(40).fill(1));
    expect(Array.from(out.subarray(40, 60))).toEqual(Array(20).fill(2));
    expect(Array.from(out.subarray(60))).toEqual(Array(20).fill(0));
  });
});
