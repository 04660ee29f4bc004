import { describe, expect, it } from 'vitest';
import {
  currentUtterance,
  initialVad,
  stepVad,
  type VadConfig,
  type VadEffect,
  type VadInput,
  type VadPhase,
  type VadState,
} from '../../actors/vad-state.js';

const FRAME_BYTES = 640; // 20 ms at 16 kHz
const loud = (fill = 0x40) => new Uint8Array(FRAME_BYTES).fill(fill);
const quiet = () => new Uint8Array(FRAME_BYTES);
const PUSH: VadConfig = { frameMs: 20, activationMode: 'push', segmenter: {} };

const types = (effects: VadEffect[]) => effects.map((e) => e.type);
const step = (state: VadState, input: VadInput, nowMs = 0) => stepVad(state, input, nowMs).effects;
const classified = (voiced: boolean[]): VadInput => ({
  type: 'classified',
  frames: voiced.map((v) => (v ? loud() : quiet())),
  voiced,
});
const serverVad = (extra: Partial<Extract<VadInput, { type: 'configure' }>['detection']> = {}): VadInput => ({
  type: 'configure',
  detection: { mode: 'server_vad', ...extra },
});

type PhaseName = VadPhase['name'];

/** A fresh state in each phase (activation `push`, so the gate matters), built through the step function. */
const build: Record<PhaseName, () => VadState> = {
  gated: () => initialVad(PUSH),
  listening: () => {
    const s = initialVad(PUSH);
    step(s, { type: 'gate', open: true, holdsEnd: false });
    return s;
  },
  // Three voiced frames open utterance u1.
  speaking: () => {
    const s = build.listening();
    step(s, classified([true, true, true]), 100);
    return s;
  },
  manual: () => {
    const s = initialVad(PUSH);
    step(s, { type: 'configure', detection: { mode: 'manual' } });
    return s;
  },
};

const INPUTS: Record<string, VadInput> = {
  frames: { type: 'frames', frames: [loud()] },
  'one voiced frame classified': classified([true]),
  'three voiced frames classified': classified([true, true, true]),
  'gate opens': { type: 'gate', open: true, holdsEnd: false },
  'gate closes': { type: 'gate', open: false, holdsEnd: false },
  'configure manual': { type: 'configure', detection: { mode: 'manual' } },
  'configure server_vad with a threshold': serverVad({ threshold: 0.7 }),
  commit: { type: 'commit' },
  discard: { type: 'discard' },
  end: { type: 'end' },
  continue: { type: 'continue' },
};

/** [phase, input, effects, next phase] for every phase and every input. */
const TABLE: Array<[PhaseName, keyof typeof INPUTS, readonly string[], PhaseName]> = [
  // gated: frames feed the pre-roll only; classifications are stale; opening the gate starts listening.
  ['gated', 'frames', [], 'gated'],
  ['gated', 'one voiced frame classified', [], 'gated'],
  ['gated', 'three voiced frames classified', [], 'gated'],
  ['gated', 'gate opens', [], 'listening'],
  ['gated', 'gate closes', [], 'gated'],
  ['gated', 'configure manual', ['reset_framer'], 'manual'],
  ['gated', 'configure server_vad with a threshold', ['set_threshold'], 'gated'],
  ['gated', 'commit', [], 'gated'],
  ['gated', 'discard', [], 'gated'],
  ['gated', 'end', [], 'gated'],
  ['gated', 'continue', [], 'gated'],
  // listening: frames go to the engine; enough voiced frames open an utterance with its pre-roll.
  ['listening', 'frames', ['classify'], 'listening'],
  ['listening', 'one voiced frame classified', [], 'listening'],
  ['listening', 'three voiced frames classified', ['speech_start', 'audio', 'audio', 'audio'], 'speaking'],
  ['listening', 'gate opens', [], 'listening'],
  ['listening', 'gate closes', [], 'gated'],
  ['listening', 'configure manual', ['reset_framer'], 'manual'],
  ['listening', 'configure server_vad with a threshold', ['set_threshold'], 'listening'],
  ['listening', 'commit', [], 'listening'],
  ['listening', 'discard', [], 'listening'],
  ['listening', 'end', [], 'listening'],
  ['listening', 'continue', [], 'listening'],
  // speaking: every frame is the utterance's; commit, end, a closing gate and manual mode end it at once.
  ['speaking', 'frames', ['classify'], 'speaking'],
  ['speaking', 'one voiced frame classified', ['audio'], 'speaking'],
  ['speaking', 'three voiced frames classified', ['audio', 'audio', 'audio'], 'speaking'],
  ['speaking', 'gate opens', [], 'speaking'],
  ['speaking', 'gate closes', ['speech_end'], 'gated'],
  ['speaking', 'configure manual', ['speech_end', 'reset_framer'], 'manual'],
  ['speaking', 'configure server_vad with a threshold', ['set_threshold'], 'speaking'],
  ['speaking', 'commit', ['speech_end'], 'listening'],
  ['speaking', 'discard', [], 'speaking'],
  ['speaking', 'end', ['speech_end'], 'listening'],
  ['speaking', 'continue', ['continued'], 'speaking'],
  // manual: frames are buffered; the gate is only recorded; commit and discard empty the buffer.
  ['manual', 'frames', [], 'manual'],
  ['manual', 'one voiced frame classified', [], 'manual'],
  ['manual', 'three voiced frames classified', [], 'manual'],
  ['manual', 'gate opens', [], 'manual'],
  ['manual', 'gate closes', [], 'manual'],
  ['manual', 'configure manual', [], 'manual'],
  ['manual', 'configure server_vad with a threshold', ['set_threshold'], 'gated'],
  ['manual', 'commit', ['reset_framer'], 'manual'],
  ['manual', 'discard', ['reset_framer'], 'manual'],
  ['manual', 'end', [], 'manual'],
  ['manual', 'continue', [], 'manual'],
];

describe('VAD state: every input in every phase', () => {
  it.each(Object.keys(build) as PhaseName[])('builds %s', (phase) => expect(build[phase]().phase.name).toBe(phase));

  it('the table covers every phase with every input', () => {
    const covered = new Set(TABLE.map(([phase, name]) => `${phase}/${name}`));
    for (const phase of Object.keys(build))
      for (const name of Object.keys(INPUTS)) expect(covered).toContain(`${phase}/${name}`);
  });

  it.each(TABLE)('%s + %s → %j, %s', (phase, name, effects, next) => {
    const state = build[phase]();
    expect(types(step(state, INPUTS[name]!, 200))).toEqual(effects);
    expect(state.phase.name).toBe(next);
  });
});

describe('VAD state: turns and their messages', () => {
  it(
    'mints u1, u2 in order; continue renumbers the rest of an utterance, whose speech still counts from its ' + 'start',
    () => {
      const s = build.speaking();
      expect(currentUtterance(s)).toBe('u1');
      expect(step(s, { type: 'continue' }, 300)).toEqual([{ type: 'continued', turnId: 'u2', continues: 'u1' }]);
      expect(step(s, classified([true]), 320)).toEqual([
        expect.objectContaining({ type: 'audio', turnId: 'u2', seq: 0, atMs: 320 }),
      ]);
      expect(step(s, { type: 'commit' }, 400)).toEqual([
        { type: 'speech_end', turnId: 'u2', atMs: 400, speechMs: 300, silenceMs: 0 },
      ]);
      expect(currentUtterance(s)).toBe('-');
      expect(types(step(s, classified([true, true, true]), 500))[0]).toBe('speech_start');
      expect(currentUtterance(s)).toBe('u3');
    },
  );

  it('the audio of an utterance is numbered from 0 and carries the segmenter’s frames in order', () => {
    const s = build.listening();
    const frames = [loud(1), loud(2), loud(3)];
    const effects = step(s, { type: 'classified', frames, voiced: [true, true, true] }, 60);
    expect(effects).toEqual([
      { type: 'speech_start', turnId: 'u1', atMs: 60 },
      ...frames.map((audio, seq) => ({ type: 'audio', turnId: 'u1', atMs: 60, seq, audio })),
    ]);
  });

  it('a hangover of silence ends the utterance; new settings wait for that end', () => {
    const s = build.speaking();
    step(s, serverVad({ hangoverMs: 100 }));
    // The utterance in progress keeps the 600 ms hangover: 29 silent frames do not end it, the 30th does.
    expect(types(step(s, classified(new Array<boolean>(29).fill(false))))).not.toContain('speech_end');
    expect(step(s, classified([false]), 900).at(-1)).toEqual({
      type: 'speech_end',
      turnId: 'u1',
      atMs: 900,
      speechMs: 60,
      silenceMs: 600,
    });
    step(s, classified([true, true, true]));
    expect(types(step(s, classified([false, false, false, false, false]))).at(-1)).toBe('speech_end');
  });

  it('a held key (holdsEnd) keeps the utterance open through silence', () => {
    const s = initialVad(PUSH);
    step(s, { type: 'gate', open: true, holdsEnd: true });
    step(s, classified([true, true, true]));
    expect(types(step(s, classified(new Array<boolean>(60).fill(false))))).not.toContain('speech_end');
    expect(s.phase.name).toBe('speaking');
  });
});

describe('VAD state: the gate', () => {
  it(
    'in push, the closed gate keeps the last prefixPaddingMs of frames and hands them to the engine when it ' + 'opens',
    () => {
      const s = initialVad(PUSH);
      const frames = Array.from({ length: 12 }, (_, i) => loud(i + 1));
      expect(step(s, { type: 'frames', frames })).toEqual([]);
      const [effect] = step(s, { type: 'gate', open: true, holdsEnd: false });
      expect(effect?.type).toBe('classify');
      const kept = effect?.type === 'classify' ? effect.frames : [];
      expect(kept.map((f) => f[0])).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      expect(s.recent).toEqual([]);
    },
  );

  it('in wake, the closed gate keeps nothing; in always, vad.gate is ignored', () => {
    const wake = initialVad({ ...PUSH, activationMode: 'wake' });
    step(wake, { type: 'frames', frames: [loud()] });
    expect(step(wake, { type: 'gate', open: true, holdsEnd: false })).toEqual([]);
    expect(wake.phase.name).toBe('listening');
    const always = initialVad({ ...PUSH, activationMode: 'always' });
    expect(always.phase.name).toBe('listening');
    expect(step(always, { type: 'gate', open: false, holdsEnd: false })).toEqual([]);
    expect(always.phase.name).toBe('listening');
  });
});

describe('VAD state: manual turn detection', () => {
  it('a commit makes the buffered frames one utterance, without silenceMs; an empty commit publishes nothing', () => {
    const s = build.manual();
    const frame = loud(7);
    step(s, { type: 'frames', frames: [frame, loud(8)] });
    frame.fill(0); // the buffer holds its own copy
    const effects = step(s, { type: 'commit' }, 1000);
    expect(effects[0]).toEqual({ type: 'reset_framer' });
    expect(effects[1]).toEqual({ type: 'speech_start', turnId: 'u1', atMs: 1000 });
    expect(effects.slice(2, 4).map((e) => (e.type === 'audio' ? [e.seq, e.audio[0]] : e.type))).toEqual([
      [0, 7],
      [1, 8],
    ]);
    expect(effects[4]).toEqual({ type: 'speech_end', turnId: 'u1', atMs: 1000, speechMs: 40 });
    expect(step(s, { type: 'commit' })).toEqual([{ type: 'reset_framer' }]);
  });

  it('a full buffer is reported once until the next commit, and its frames are dropped', () => {
    const s = build.manual();
    const minute = Array.from({ length: 3000 }, () => quiet());
    expect(step(s, { type: 'frames', frames: minute })).toEqual([]);
    expect(step(s, { type: 'frames', frames: [quiet()] })).toEqual([{ type: 'buffer_full', seconds: 60 }]);
    expect(step(s, { type: 'frames', frames: [quiet()] })).toEqual([]);
    expect(types(step(s, { type: 'commit' }))).toEqual([
      'reset_framer',
      'speech_start',
      ...new Array<string>(3000).fill('audio'),
      'speech_end',
    ]);
    step(s, { type: 'frames', frames: minute });
    expect(step(s, { type: 'frames', frames: [quiet()] })).toEqual([{ type: 'buffer_full', seconds: 60 }]);
  });

  it('a discard drops the buffer; back in server VAD the buffer is gone', () => {
    const s = build.manual();
    step(s, { type: 'frames', frames: [loud()] });
    step(s, { type: 'discard' });
    expect(step(s, { type: 'commit' })).toEqual([{ type: 'reset_framer' }]);
    step(s, { type: 'frames', frames: [loud()] });
    step(s, serverVad());
    step(s, { type: 'configure', detection: { mode: 'manual' } });
    expect(step(s, { type: 'commit' })).toEqual([{ type: 'reset_framer' }]);
  });
});
