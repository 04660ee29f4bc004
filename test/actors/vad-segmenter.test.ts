import { describe, expect, it } from 'vitest';
import { createVadSegmenter, type SegmenterEvent } from '../../actors/vad-segmenter.js';

/** A 20 ms frame at 16 kHz tagged with `tag` so the test can tell which frame came out. */
const frame = (tag: number) => new Uint8Array(640).fill(tag);
const kinds = (events: SegmenterEvent[]) => events.map((e) => e.kind);
const audioTags = (events: SegmenterEvent[]) => events.flatMap((e) => (e.kind === 'audio' ? [e.audio[0]] : []));

describe('vad segmenter', () => {
  it('starts only once startRatio of the start window is voiced (defaults: 3 of 3 frames)', () => {
    const seg = createVadSegmenter({ frameMs: 20 });
    const pattern = [true, true, false, true, true, true];
    const out = pattern.map((voiced, i) => seg.push(frame(i), voiced));
    // 2 of the last 3 frames is below 0.8 of the window: nothing until the window is all voiced.
    expect(out.slice(0, 5)).toEqual([[], [], [], [], []]);
    expect(seg.speaking).toBe(true);
    expect(kinds(out[5]!)).toEqual(['start', 'audio', 'audio', 'audio', 'audio', 'audio', 'audio']);
  });

  it('a custom ratio: 3 of a 5-frame window (startRatio 0.6)', () => {
    const seg = createVadSegmenter({ frameMs: 20, startWindowMs: 100, startRatio: 0.6, prefixPaddingMs: 0 });
    const pattern = [true, false, true, false, false, true, false, true, true];
    const out = pattern.map((voiced, i) => seg.push(frame(i), voiced));
    // Every window before the 9th frame holds at most 2 voiced frames.
    expect(out.slice(0, 8).every((events) => events.length === 0)).toBe(true);
    expect(out[8]![0]).toEqual({ kind: 'start' });
    // No padding: exactly the detection window (frames 4..8) follows the start.
    expect(audioTags(out[8]!)).toEqual([4, 5, 6, 7, 8]);
  });

  it('emits the prefix padding frames first, oldest first, right after the start', () => {
    const seg = createVadSegmenter({ frameMs: 20 }); // 200 ms padding = 10 frames, 60 ms window = 3 frames
    for (let i = 0; i < 20; i++) expect(seg.push(frame(i), false)).toEqual([]);
    expect(seg.push(frame(20), true)).toEqual([]);
    expect(seg.push(frame(21), true)).toEqual([]);
    const frames = [frame(22)];
    const out = seg.push(frames[0]!, true);
    expect(out[0]).toEqual({ kind: 'start' });
    expect(audioTags(out)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22]);
    // The frames are handed on as they came in, not copied.
    expect((out.at(-1) as { audio: Uint8Array }).audio).toBe(frames[0]);
    // After the start every frame is passed through on its own.
    expect(audioTags(seg.push(frame(23), true))).toEqual([23]);
  });

  it(
    'a pause shorter than hangoverMs does not end the utterance: it is announced, and so is the voice after ' + 'it',
    () => {
      const seg = createVadSegmenter({ frameMs: 20 }); // hangover 600 ms = 30 frames, pause after 60 ms = 3 frames
      for (let i = 0; i < 3; i++) seg.push(frame(1), true);
      const silent = Array.from({ length: 29 }, () => seg.push(frame(0), false));
      expect(silent.map(kinds)).toEqual(
        Array.from({ length: 29 }, (_, i) => (i === 2 ? ['audio', 'pause'] : ['audio'])),
      );
      expect(silent[2]![1]).toEqual({ kind: 'pause', silentMs: 60 });
      expect(seg.speaking).toBe(true);
      expect(kinds(seg.push(frame(1), true))).toEqual(['audio', 'resume']);
      expect(seg.speaking).toBe(true);
      // A short unvoiced run (a plosive) is no pause.
      expect(kinds(seg.push(frame(0), false))).toEqual(['audio']);
      expect(kinds(seg.push(frame(0), false))).toEqual(['audio']);
      expect(kinds(seg.push(frame(1), true))).toEqual(['audio']);
    },
  );

  it('a pause of exactly hangoverMs ends it, with speechMs up to the last voiced frame', () => {
    const seg = createVadSegmenter({ frameMs: 20 });
    for (let i = 0; i < 3; i++) seg.push(frame(1), true); // 60 ms detection window
    for (let i = 0; i < 29; i++) seg.push(frame(0), false); // 580 ms pause, inside the utterance
    seg.push(frame(1), true); // voiced frame 33 → speech runs to 660 ms
    for (let i = 0; i < 29; i++)
      expect(kinds(seg.push(frame(0), false))).toEqual(i === 2 ? ['audio', 'pause'] : ['audio']);
    const last = seg.push(frame(0), false); // 30th silent frame = 600 ms
    expect(last).toEqual([
      { kind: 'audio', audio: frame(0) },
      { kind: 'end', speechMs: 660, silenceMs: 600 },
    ]);
    expect(seg.speaking).toBe(false);
    // Silence after the end produces nothing.
    expect(seg.push(frame(0), false)).toEqual([]);
  });

  it('speechMs of a plain utterance: 10 voiced frames = 200 ms', () => {
    const seg = createVadSegmenter({ frameMs: 20, hangoverMs: 100 });
    for (let i = 0; i < 10; i++) seg.push(frame(1), true);
    const out = [];
    for (let i = 0; i < 5; i++) out.push(seg.push(frame(0), false));
    expect(out.slice(0, 4).map(kinds)).toEqual([['audio'], ['audio'], ['audio', 'pause'], ['audio']]);
    expect(out[4]).toEqual([
      { kind: 'audio', audio: frame(0) },
      { kind: 'end', speechMs: 200, silenceMs: 100 },
    ]);
  });

  it('reset forgets the utterance, the start window and the padding history', () => {
    const seg = createVadSegmenter({ frameMs: 20 });
    for (let i = 0; i < 3; i++) seg.push(frame(1), true);
    expect(seg.speaking).toBe(true);
    seg.reset();
    expect(seg.speaking).toBe(false);
    // Not speaking any more: silence is not passed on and no end is reported.
    for (let i = 0; i < 40; i++) expect(seg.push(frame(0), false)).toEqual([]);

    // Voiced frames before a reset do not count toward the next start, and frames before it are no padding.
    for (let i = 0; i < 5; i++) seg.push(frame(50 + i), false);
    seg.push(frame(60), true);
    seg.push(frame(61), true);
    seg.reset();
    expect(seg.push(frame(70), true)).toEqual([]);
    expect(seg.push(frame(71), true)).toEqual([]);
    const out = seg.push(frame(72), true);
    expect(out[0]).toEqual({ kind: 'start' });
    expect(audioTags(out)).toEqual([70, 71, 72]);
  });

  it(
    'a frame far below speech level counts for a pause while the VAD still says speech (its own lag), not ' +
      'for the end',
    () => {
      const seg = createVadSegmenter({ frameMs: 20 });
      for (let i = 0; i < 3; i++) seg.push(frame(40), true);
      // The VAD holds "speech" over digital silence (WebRTC's smoothing): three quiet frames are a pause.
      const quiet = Array.from({ length: 40 }, () => seg.push(frame(0), true));
      expect(quiet.slice(0, 3).map(kinds)).toEqual([['audio'], ['audio'], ['audio', 'pause']]);
      // ... but the utterance ends only after the VAD's own hangover of unvoiced frames.
      expect(quiet.flat().some((e) => e.kind === 'end')).toBe(false);
      expect(kinds(seg.push(frame(40), true))).toEqual(['audio', 'resume']);
      // Soft sound (−42 dBFS) is above the default level: no pause while the VAD says speech; a higher level makes it
      // one.
      for (const [pauseLevelDbfs, pauses] of [
        [-50, false],
        [-30, true],
      ] as const) {
        const soft = createVadSegmenter({ frameMs: 20, pauseLevelDbfs });
        for (let i = 0; i < 3; i++) soft.push(frame(40), true);
        const kindsSeen = Array.from({ length: 10 }, () => soft.push(frame(1), true))
          .flat()
          .map((e) => e.kind);
        expect(kindsSeen.includes('pause')).toBe(pauses);
      }
    },
  );

  it(
    'says how long the user has been quiet: the end of speech less the silence is the last voiced frame, ' +
      'however long the VAD held on',
    () => {
      const seg = createVadSegmenter({ frameMs: 20, hangoverMs: 200 });
      for (let i = 0; i < 5; i++) seg.push(frame(40), true);
      expect(seg.silenceMs).toBe(0);
      // Digital silence the VAD still calls speech (its smoothing), then unvoiced frames.
      for (let i = 0; i < 4; i++) seg.push(frame(0), true);
      expect(seg.silenceMs).toBe(80);
      const out = Array.from({ length: 10 }, () => seg.push(frame(0), false)).flat();
      expect(out.find((e) => e.kind === 'end')).toEqual({ kind: 'end', speechMs: 180, silenceMs: 280 });
      expect(seg.silenceMs).toBe(0);
    },
  );
});
