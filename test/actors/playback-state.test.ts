import { describe, expect, it } from 'vitest';
import {
  initialPlayback,
  stepPlayback,
  type PlaybackEffect,
  type PlaybackInput,
  type PlaybackPhase,
  type PlaybackState,
  type SinkReading,
} from '../../actors/playback-state.js';

const RATE = 16_000;
const BYTES_PER_MS = (RATE * 2) / 1000;
const CONFIG = { turnId: 't1', frameMs: 20, maxBufferAheadMs: 200, refillBelowMs: 100, sampleRateHz: RATE };

const audio = (ms: number, fill = 1) => new Uint8Array(ms * BYTES_PER_MS).fill(fill);
const chunk = (
  segmentIndex: number,
  ms: number,
  final: boolean,
  extra: Partial<Extract<PlaybackInput, { type: 'chunk' }>> = {},
): PlaybackInput => ({
  type: 'chunk',
  turnId: 't1',
  segmentIndex,
  kind: 'reply',
  text: `Segment ${segmentIndex}.`,
  audio: audio(ms, segmentIndex + 1),
  sampleRateHz: RATE,
  final,
  ...extra,
});
const at = (nowMs: number, bufferedMs: number): SinkReading => ({ nowMs, bufferedMs });
const types = (effects: PlaybackEffect[]) => effects.map((e) => e.type);
const run = (state: PlaybackState, input: PlaybackInput, reading: SinkReading) =>
  types(stepPlayback(state, input, reading).effects);

type PhaseName = PlaybackPhase['name'];

/** A fresh state in each phase, built through the step function itself. */
const build: Record<PhaseName, () => PlaybackState> = {
  // A speculative reply holding 100 ms of its first segment.
  held: () => {
    const s = initialPlayback(CONFIG, true);
    stepPlayback(s, chunk(0, 100, false), at(0, 0));
    return s;
  },
  waiting: () => initialPlayback(CONFIG),
  // One second of audio: ten frames written, the rest waits for room (refill at 0 + 200 - 100 - 10 = 90).
  pacing: () => {
    const s = initialPlayback(CONFIG);
    stepPlayback(s, chunk(0, 1000, true), at(0, 0));
    return s;
  },
  // A one-segment reply of 100 ms, all written: waiting for the sink to play it out.
  draining: () => {
    const s = initialPlayback(CONFIG);
    stepPlayback(s, chunk(0, 100, true), at(0, 0));
    stepPlayback(s, { type: 'done', turnId: 't1', segments: 1 }, at(0, 100));
    return s;
  },
  finished: () => {
    const s = build.draining();
    stepPlayback(s, { type: 'drained' }, at(100, 0));
    return s;
  },
  stopped: () => {
    const s = build.pacing();
    stepPlayback(s, { type: 'stop' }, at(20, 180));
    return s;
  },
};

describe('playback state: the phases are built as described', () => {
  it.each(Object.keys(build) as PhaseName[])('%s', (phase) => {
    expect(build[phase]().phase.name).toBe(phase);
  });
  it('pacing wakes at the refill level, half a tick early', () => {
    expect(build.pacing().phase).toEqual({ name: 'pacing', refillAtMs: 90 });
  });
});

const W5 = ['write', 'write', 'write', 'write', 'write'] as const;
/** The first five frames of a reply: playback.started follows the first. */
const FIRST5 = ['write', 'started', 'write', 'write', 'write', 'write'] as const;
const INPUTS: Record<string, { input: (s: PlaybackState) => PlaybackInput; reading: SinkReading }> = {
  'chunk of the current segment': { input: (s) => chunk(s.current, 100, true), reading: at(0, 0) },
  'chunk of a later segment': { input: (s) => chunk(s.current + 1, 100, true), reading: at(0, 0) },
  'chunk of another turn': { input: (s) => chunk(s.current, 100, true, { turnId: 't0' }), reading: at(0, 0) },
  'tts.done': { input: () => ({ type: 'done', turnId: 't1', segments: 1 }), reading: at(50, 150) },
  'tts.done of another turn': { input: () => ({ type: 'done', turnId: 't0', segments: 1 }), reading: at(50, 150) },
  commit: { input: () => ({ type: 'commit' }), reading: at(0, 0) },
  'tick before the refill level': { input: () => ({ type: 'tick' }), reading: at(50, 150) },
  'tick at the refill level': { input: () => ({ type: 'tick' }), reading: at(100, 100) },
  drained: { input: () => ({ type: 'drained' }), reading: at(100, 0) },
  stop: { input: () => ({ type: 'stop' }), reading: at(60, 40) },
};

/** [phase, input, effects, next phase] for every phase and every input. */
const TABLE: Array<[PhaseName, keyof typeof INPUTS, readonly string[], PhaseName]> = [
  // held: audio is kept, nothing is written; only commit and stop act.
  ['held', 'chunk of the current segment', [], 'held'],
  ['held', 'chunk of a later segment', [], 'held'],
  ['held', 'chunk of another turn', [], 'held'],
  ['held', 'tts.done', [], 'held'],
  ['held', 'tts.done of another turn', [], 'held'],
  ['held', 'commit', FIRST5, 'waiting'],
  ['held', 'tick before the refill level', [], 'held'],
  ['held', 'tick at the refill level', [], 'held'],
  ['held', 'drained', [], 'held'],
  ['held', 'stop', ['stopped'], 'stopped'],
  // waiting: a chunk of the current segment is written at once; with the segment complete and room left, the next
  // segment is awaited.
  ['waiting', 'chunk of the current segment', FIRST5, 'waiting'],
  ['waiting', 'chunk of a later segment', [], 'waiting'],
  ['waiting', 'chunk of another turn', [], 'waiting'],
  ['waiting', 'tts.done', [], 'waiting'],
  ['waiting', 'tts.done of another turn', [], 'waiting'],
  ['waiting', 'commit', [], 'waiting'],
  ['waiting', 'tick before the refill level', [], 'waiting'],
  ['waiting', 'tick at the refill level', [], 'waiting'],
  ['waiting', 'drained', [], 'waiting'],
  ['waiting', 'stop', ['stopped'], 'stopped'],
  // pacing: the current segment is complete, so more of it is dropped; ticks refill from the refill level on.
  ['pacing', 'chunk of the current segment', [], 'pacing'],
  ['pacing', 'chunk of a later segment', [], 'pacing'],
  ['pacing', 'chunk of another turn', [], 'pacing'],
  ['pacing', 'tts.done', [], 'pacing'],
  ['pacing', 'tts.done of another turn', [], 'pacing'],
  ['pacing', 'commit', [], 'pacing'],
  ['pacing', 'tick before the refill level', [], 'pacing'],
  ['pacing', 'tick at the refill level', [...W5], 'pacing'],
  ['pacing', 'drained', [], 'pacing'],
  ['pacing', 'stop', ['tick_off', 'stopped'], 'stopped'],
  // draining: a segment past the announced count still plays (the drain timer already armed stays); a second tts.done
  // is ignored.
  ['draining', 'chunk of the current segment', [...W5], 'draining'],
  ['draining', 'chunk of a later segment', [], 'draining'],
  ['draining', 'chunk of another turn', [], 'draining'],
  ['draining', 'tts.done', [], 'draining'],
  ['draining', 'tts.done of another turn', [], 'draining'],
  ['draining', 'commit', [], 'draining'],
  ['draining', 'tick before the refill level', [], 'draining'],
  ['draining', 'tick at the refill level', [], 'draining'],
  ['draining', 'drained', ['finished'], 'finished'],
  ['draining', 'stop', ['cancel_drain', 'stopped'], 'stopped'],
  // finished and stopped: nothing more happens, a stop included.
  ...(['finished', 'stopped'] as const).flatMap((phase) =>
    Object.keys(INPUTS).map((name): [PhaseName, string, readonly string[], PhaseName] => [phase, name, [], phase]),
  ),
];

describe('playback state: every input in every phase', () => {
  it('the table covers every phase with every input', () => {
    const covered = new Set(TABLE.map(([phase, name]) => `${phase}/${name}`));
    for (const phase of Object.keys(build))
      for (const name of Object.keys(INPUTS)) expect(covered).toContain(`${phase}/${name}`);
  });

  it.each(TABLE)('%s + %s → %j, %s', (phase, name, effects, next) => {
    const state = build[phase]();
    const { input, reading } = INPUTS[name]!;
    expect(run(state, input(state), reading)).toEqual(effects);
    expect(state.phase.name).toBe(next);
  });
});

describe('playback state: what the effects carry', () => {
  it('frames are numbered in order, cut from the segment, the last one padded with silence', () => {
    const s = initialPlayback(CONFIG);
    const { effects } = stepPlayback(s, chunk(0, 50, true), at(0, 0));
    const writes = effects.flatMap((e) => (e.type === 'write' ? [e] : []));
    expect(writes.map((w) => w.meta)).toEqual([0, 1, 2].map((seq) => ({ turnId: 't1', seq })));
    expect(writes.map((w) => w.frame.byteLength)).toEqual([640, 640, 640]);
    expect([...writes[2]!.frame].filter((b) => b === 1)).toHaveLength(10 * BYTES_PER_MS);
    expect(s.segments.get(0)!.writtenMs).toBe(50);
  });

  it('announces playback.started once for the filler and once for the answer', () => {
    const s = initialPlayback(CONFIG);
    const effects = [
      ...stepPlayback(s, chunk(0, 20, true, { kind: 'filler' }), at(0, 0)).effects,
      ...stepPlayback(s, chunk(1, 40, true), at(0, 20)).effects,
    ];
    expect(effects.filter((e) => e.type === 'started')).toEqual([
      { type: 'started', kind: 'filler' },
      { type: 'started', kind: 'reply' },
    ]);
  });

  it('gives each frame the viseme playing at its middle', () => {
    const s = initialPlayback(CONFIG);
    const visemes = [
      { atMs: 0, viseme: 'A' },
      { atMs: 25, viseme: 'O' },
    ];
    const { effects } = stepPlayback(s, chunk(0, 60, true, { visemes }), at(0, 0));
    expect(effects.flatMap((e) => (e.type === 'write' ? [e.meta.viseme] : []))).toEqual(['A', 'O', 'O']);
  });

  it('writes nothing while the sink holds more than the refill level, then fills it up to the maximum', () => {
    const s = build.pacing();
    // Due by the clock (refill at 90), but the sink is still above the refill level: nothing is written.
    expect(run(s, { type: 'tick' }, at(95, 101))).toEqual([]);
    expect(s.phase).toEqual({ name: 'pacing', refillAtMs: 86 });
    expect(run(s, { type: 'tick' }, at(99, 100))).toEqual([...W5]);
  });

  it('finishes with what each segment played, and a drain timer that fires early is armed again', () => {
    const s = build.draining();
    expect(stepPlayback(s, { type: 'drained' }, at(60, 40)).effects).toEqual([{ type: 'drain_after', delayMs: 40 }]);
    expect(s.phase.name).toBe('draining');
    expect(stepPlayback(s, { type: 'drained' }, at(100, 0)).effects).toEqual([
      {
        type: 'finished',
        segments: [
          { segmentIndex: 0, kind: 'reply', text: 'Segment 0.', playedMs: 100, durationMs: 100, complete: true },
        ],
      },
    ]);
  });

  it(
    'finishes only once the echo of its last frame is back (the sink’s echoReturnMs); a stop meanwhile ' +
      'reports it all played',
    () => {
      const echoing = () => {
        const s = initialPlayback(CONFIG);
        stepPlayback(s, chunk(0, 100, true), at(0, 0));
        return s;
      };
      const s = echoing();
      expect(
        stepPlayback(s, { type: 'done', turnId: 't1', segments: 1 }, { nowMs: 0, bufferedMs: 100, echoReturnMs: 150 })
          .effects,
      ).toEqual([{ type: 'drain_after', delayMs: 250 }]);
      // Played out, its echo still on the way: no finish yet, whatever the sink says of the echo now.
      expect(stepPlayback(s, { type: 'drained' }, { nowMs: 100, bufferedMs: 0, echoReturnMs: 0 }).effects).toEqual([
        { type: 'drain_after', delayMs: 150 },
      ]);
      expect(types(stepPlayback(s, { type: 'drained' }, at(250, 0)).effects)).toEqual(['finished']);

      const cut = echoing();
      stepPlayback(cut, { type: 'done', turnId: 't1', segments: 1 }, { nowMs: 0, bufferedMs: 100, echoReturnMs: 150 });
      expect(stepPlayback(cut, { type: 'stop' }, at(200, 0)).effects).toEqual([
        { type: 'cancel_drain' },
        {
          type: 'stopped',
          segments: [
            { segmentIndex: 0, kind: 'reply', text: 'Segment 0.', playedMs: 100, durationMs: 100, complete: true },
          ],
        },
      ]);
    },
  );

  it('a stop reports what the sink played of each segment; segments not reached are left out', () => {
    const s = initialPlayback(CONFIG);
    stepPlayback(s, chunk(0, 100, true), at(0, 0));
    stepPlayback(s, chunk(1, 500, false), at(0, 100));
    stepPlayback(s, chunk(2, 100, true), at(0, 200));
    const { effects } = stepPlayback(s, { type: 'stop' }, at(150, 50));
    expect(effects).toEqual([
      { type: 'tick_off' },
      {
        type: 'stopped',
        segments: [
          { segmentIndex: 0, kind: 'reply', text: 'Segment 0.', playedMs: 100, durationMs: 100, complete: true },
          { segmentIndex: 1, kind: 'reply', text: 'Segment 1.', playedMs: 50, durationMs: 500, complete: false },
        ],
      },
    ]);
  });

  it('audio after a segment’s final chunk is dropped, and a stopped reply ignores everything', () => {
    const s = initialPlayback(CONFIG);
    stepPlayback(s, chunk(0, 40, true), at(0, 0));
    expect(run(s, chunk(0, 40, true), at(0, 40))).toEqual([]);
    expect(s.segments.get(0)!.receivedMs).toBe(40);
    stepPlayback(s, { type: 'stop' }, at(10, 30));
    const late: PlaybackInput[] = [chunk(1, 40, true), { type: 'done', turnId: 't1', segments: 2 }, { type: 'stop' }];
    for (const input of late) {
      expect(run(s, input, at(20, 0))).toEqual([]);
    }
  });
});
