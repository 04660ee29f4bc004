import { describe, expect, it } from 'vitest';
import { createPacedSink, makeTestTone, ManualClock } from '../../adapters/testing/index.js';

const RATE = 24000;
const frame = (ms = 20) => makeTestTone(RATE, ms);

function setup() {
  const clock = new ManualClock();
  const sink = createPacedSink({ clock, sampleRateHz: RATE });
  const write = (turnId: string, seq: number, ms = 20) => sink.write(frame(ms), { turnId, seq });
  return { clock, sink, write };
}

describe('paced sink', () => {
  it('starts empty', () => {
    const { sink } = setup();
    expect(sink).toMatchObject({ sampleRateHz: RATE, frameMs: 20 });
    expect(sink.bufferedMs()).toBe(0);
    expect(sink.playedMs()).toBe(0);
  });

  it('plays in real time from the first write', async () => {
    const { clock, sink, write } = setup();
    await clock.advance(100); // nothing playing yet: playback begins at the first write
    for (let seq = 0; seq < 5; seq++) write('t1', seq);
    expect(sink.bufferedMs()).toBe(100);
    await clock.advance(30);
    expect(sink.bufferedMs()).toBe(70);
    expect(sink.playedMs()).toBe(30);
    await clock.advance(500);
    expect(sink.bufferedMs()).toBe(0);
    expect(sink.playedMs()).toBe(100);
    expect(sink.frames.map((f) => [f.seq, f.writtenAtMs, f.playAtMs])).toEqual([
      [0, 100, 100],
      [1, 100, 120],
      [2, 100, 140],
      [3, 100, 160],
      [4, 100, 180],
    ]);
    expect(sink.underruns).toEqual([]);
  });

  it('paced writes keep the buffer level steady', async () => {
    const { clock, sink, write } = setup();
    write('t1', 0);
    write('t1', 1);
    for (let seq = 2; seq < 10; seq++) {
      await clock.advance(20);
      write('t1', seq);
      expect(sink.bufferedMs()).toBe(40);
    }
    expect(sink.playedMs()).toBe(160);
  });

  it('underrun: the device runs dry, waits, and resumes from the next write', async () => {
    const { clock, sink, write } = setup();
    write('t1', 0);
    write('t1', 1); // plays 0..40
    await clock.advance(100);
    expect(sink.bufferedMs()).toBe(0);
    expect(sink.playedMs()).toBe(40);
    write('t1', 2); // resumes at 100, not at 40
    expect(sink.bufferedMs()).toBe(20);
    await clock.advance(10);
    expect(sink.playedMs()).toBe(50);
    expect(sink.frames.at(-1)!.playAtMs).toBe(100);
    expect(sink.underruns).toEqual([{ atMs: 100, gapMs: 60, turnId: 't1' }]);
    // A new turn after silence is not an underrun.
    await clock.advance(100);
    write('t2', 0);
    expect(sink.underruns).toHaveLength(1);
  });

  it('clear drops unplayed frames, returns how many whole frames were dropped, and silences at once', async () => {
    const { clock, sink, write } = setup();
    for (let seq = 0; seq < 5; seq++) write('t1', seq); // 0..100
    await clock.advance(30); // frame 1 is half played
    expect(sink.clear()).toBe(3);
    expect(sink.bufferedMs()).toBe(0);
    expect(sink.playedMs()).toBe(30);
    expect(sink.clears).toEqual([{ atMs: 30, framesDropped: 3, droppedMs: 70 }]);
    expect(sink.frames.map((f) => f.dropped)).toEqual([false, false, true, true, true]);
    await clock.advance(100);
    expect(sink.playedMs()).toBe(30);
    // The next turn starts playing at its write time; the gap after a clear is not an underrun.
    write('t1', 5);
    expect(sink.frames.at(-1)!.playAtMs).toBe(130);
    expect(sink.underruns).toEqual([]);
    await clock.advance(20);
    expect(sink.playedMs()).toBe(50);
  });

  it('clear on a frame boundary drops every remaining frame; clear when idle drops none', async () => {
    const { clock, sink, write } = setup();
    for (let seq = 0; seq < 4; seq++) write('t1', seq);
    await clock.advance(40);
    expect(sink.clear()).toBe(2);
    expect(sink.clear()).toBe(0);
    expect(sink.clears.map((c) => c.droppedMs)).toEqual([40, 0]);
  });

  it('accounts for frames of any length by their byte size', async () => {
    const { clock, sink, write } = setup();
    write('t1', 0, 100);
    write('t1', 1, 5);
    expect(sink.bufferedMs()).toBe(105);
    await clock.advance(50);
    expect(sink.playedMs()).toBe(50);
  });
});
