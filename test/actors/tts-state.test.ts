import { describe, expect, it } from 'vitest';
import { initialTts, reduceTts, type TtsEffect, type TtsInput, type TtsState } from '../../actors/tts-state.js';

const settings = { concurrency: 2, lookAheadMs: 2000, nowMs: 0 };

/** Runs inputs in order; returns the final state and every effect, by type and segment. */
function run(inputs: TtsInput[], state: TtsState = initialTts({ main: ['a', 'b'] }), nowMs = 0) {
  const effects: TtsEffect[] = [];
  for (const input of inputs) {
    const step = reduceTts(state, input, { ...settings, nowMs });
    state = step.state;
    effects.push(...step.effects);
  }
  return { state, effects };
}

const clause = (text: string): TtsInput => ({ type: 'segment', kind: 'reply', text, language: 'en', chain: 'main' });
const audioOf = (index: number, durationMs: number, attempt = 1): TtsInput => ({
  type: 'audio',
  index,
  attempt,
  audio: new Uint8Array(2),
  durationMs,
  visemes: [],
});
const brief = (effects: TtsEffect[]) =>
  effects.map((e) => {
    if (e.type === 'chunk') return `${e.final ? 'final_chunk' : 'chunk'}:${e.index}`;
    return 'index' in e
      ? `${e.type}:${e.index}`
      : e.type === 'fallback'
        ? `fallback:${e.fromEngine}>${e.toEngine}`
        : e.type;
  });

describe('TTS state: scheduling and failover', () => {
  it(
    'starts at most `concurrency` segments, the next when one is synthesized, and is done when input and ' +
      'segments are',
    () => {
      const { effects, state } = run([
        clause('One.'),
        clause('Two.'),
        clause('Three.'),
        { type: 'input_done' },
        { type: 'synthesized', index: 0, attempt: 1 },
      ]);
      expect(brief(effects)).toEqual(['start:0', 'start:1', 'final_chunk:0', 'start:2']);
      const end = run(
        [
          { type: 'synthesized', index: 1, attempt: 1 },
          { type: 'synthesized', index: 2, attempt: 1 },
        ],
        state,
      );
      expect(brief(end.effects)).toEqual(['final_chunk:1', 'final_chunk:2', 'done']);
      expect(end.state.phase).toBe('done');
    },
  );

  it('holds queued segments while the look-ahead is full, and asks to be woken once playback has started', () => {
    let { state, effects } = run([clause('One.'), audioOf(0, 2500), clause('Two.')]);
    // Before playback starts nothing frees room: no wake-up.
    expect(brief(effects)).toEqual(['start:0', 'first_chunk:0', 'chunk:0']);
    ({ state, effects } = run([{ type: 'playback_started' }], state, 100));
    expect(effects).toEqual([{ type: 'wake_after', delayMs: 501 }]); // 2500 ms ahead, 2000 allowed, +1
    expect(brief(run([{ type: 'wake' }], state, 600).effects)).toEqual(['wake_after']); // 1 ms early: still full
    ({ effects } = run([{ type: 'wake' }], state, 601));
    expect(brief(effects)).toEqual(['start:1']);
  });

  it('moves a chain on when its engine fails before any audio, and starts the segment over on the next', () => {
    const { effects, state } = run([
      clause('One.'),
      { type: 'synthesis_failed', index: 0, attempt: 1, detail: 'down', retryable: true, errorType: 'network' },
    ]);
    expect(brief(effects)).toEqual(['start:0', 'fallback:a>b', 'start:0']);
    expect(state.segments[0]!.engine).toBe(1);
  });

  it('ends a segment that already played audio where it failed, and reports it as not fatal', () => {
    const { effects } = run([
      clause('One.'),
      audioOf(0, 200),
      { type: 'synthesis_failed', index: 0, attempt: 1, detail: 'reset', retryable: true, errorType: 'network' },
    ]);
    expect(brief(effects)).toEqual(['start:0', 'first_chunk:0', 'chunk:0', 'final_chunk:0', 'error', 'fallback:a>b']);
    expect(effects.find((e) => e.type === 'error')).toMatchObject({
      fatal: false,
      message: 'segment 0 cut short: reset',
    });
  });

  it('fails the reply for good past the last engine, aborting what it started', () => {
    const failed = (attempt: number): TtsInput => ({
      type: 'synthesis_failed',
      index: 0,
      attempt,
      detail: 'no key',
      retryable: false,
      errorType: 'auth',
    });
    const { effects, state } = run([clause('One.'), failed(1), failed(2)]);
    expect(brief(effects)).toEqual(['start:0', 'fallback:a>b', 'start:0', 'abort:0', 'error']);
    expect(effects.at(-1)).toMatchObject({ type: 'error', fatal: true, errorType: 'auth', retryable: false });
    expect(run([clause('Two.')], state).effects).toEqual([]);
  });

  it('starts the chain over on a missed deadline past its last engine, passing engines that failed for good', () => {
    const state = initialTts({ main: ['a', 'b', 'c'] });
    const { effects } = run(
      [
        clause('One.'),
        { type: 'synthesis_failed', index: 0, attempt: 1, detail: 'bad key', retryable: false, errorType: 'auth' },
        { type: 'fallback', reason: 'slow' },
        { type: 'fallback', reason: 'slow' },
      ],
      state,
    );
    expect(brief(effects)).toEqual([
      'start:0',
      'fallback:a>b',
      'start:0',
      'fallback:b>c',
      'abort:0',
      'start:0',
      'fallback:c>b',
      'abort:0',
      'start:0',
    ]);
  });

  it('ignores a filler once the answer has started', () => {
    const filler: TtsInput = { type: 'segment', kind: 'filler', text: 'Hmm.', language: 'en', chain: 'main' };
    expect(brief(run([filler]).effects)).toEqual(['start:0']);
    expect(run([clause('One.'), filler]).state.segments.map((s) => s.kind)).toEqual(['reply']);
  });

  it('adds a SAY whole without starting it until pumped', () => {
    const say: TtsInput = {
      type: 'say',
      segments: [
        { text: 'A.', language: 'en', chain: 'main' },
        { text: 'B.', language: 'en', chain: 'main' },
      ],
    };
    const { state, effects } = run([say]);
    expect(effects).toEqual([]);
    expect(brief(run([{ type: 'pump' }], state).effects)).toEqual(['start:0', 'start:1']);
  });

  it('reports the text to be spoken when stopped, even after it finished, and aborts only what runs', () => {
    const { state } = run([
      clause('One.'),
      { type: 'segment', kind: 'filler', text: 'Hmm.', language: 'en', chain: 'main' },
      clause('Two.'),
      { type: 'synthesized', index: 0, attempt: 1 },
    ]);
    const stopped = run([{ type: 'stop' }], state);
    expect(brief(stopped.effects)).toEqual(['stopped', 'abort:1']);
    expect(stopped.effects[0]).toEqual({ type: 'stopped', texts: ['One.', 'Two.'] });
    const done = run([clause('One.'), { type: 'input_done' }, { type: 'synthesized', index: 0, attempt: 1 }]).state;
    expect(run([{ type: 'stop' }], done).effects).toEqual([{ type: 'stopped', texts: ['One.'] }]);
    expect(run([{ type: 'stop' }], stopped.state).effects).toEqual([]);
  });
});

type Phase = TtsState['phase'];
const at = (state: TtsState, input: TtsInput, nowMs = 0) => reduceTts(state, input, { ...settings, nowMs });
const failedOf = (index: number, attempt: number, retryable = true): TtsInput => ({
  type: 'synthesis_failed',
  index,
  attempt,
  detail: 'down',
  retryable,
  errorType: retryable ? 'network' : 'auth',
});

/**
 * A fresh state in each phase (engines a and b), built through the step function; segment 0 runs attempt 1 in the first
 * two.
 */
const build: Record<Phase, () => TtsState> = {
  collecting: () => run([clause('One.')]).state,
  completing: () => run([clause('One.'), { type: 'input_done' }]).state,
  done: () => run([clause('One.'), { type: 'input_done' }, { type: 'synthesized', index: 0, attempt: 1 }]).state,
  failed: () => run([clause('One.'), failedOf(0, 1, false), failedOf(0, 2, false)]).state,
  stopped: () => run([clause('One.'), { type: 'stop' }]).state,
};

const INPUTS: Record<string, TtsInput> = {
  clause: clause('Two.'),
  filler: { type: 'segment', kind: 'filler', text: 'Hmm.', language: 'en', chain: 'main' },
  say: { type: 'say', segments: [{ text: 'Said.', language: 'en', chain: 'main' }] },
  input_done: { type: 'input_done' },
  pump: { type: 'pump' },
  playback_started: { type: 'playback_started' },
  wake: { type: 'wake' },
  requested: { type: 'requested', index: 0, attempt: 1 },
  'requested, stale attempt': { type: 'requested', index: 0, attempt: 9 },
  audio: audioOf(0, 100),
  'audio, stale attempt': audioOf(0, 100, 9),
  synthesized: { type: 'synthesized', index: 0, attempt: 1 },
  'synthesized, stale attempt': { type: 'synthesized', index: 0, attempt: 9 },
  'synthesized, unknown segment': { type: 'synthesized', index: 7, attempt: 1 },
  synthesis_failed: failedOf(0, 1),
  'synthesis_failed, stale attempt': failedOf(0, 9),
  fallback: { type: 'fallback', reason: 'slow' },
  stop: { type: 'stop' },
};

/** What a reply with segment 0 running does with each input; `completing` differs only where noted. */
const RUNNING: Record<keyof typeof INPUTS, readonly string[]> = {
  clause: ['start:1'],
  filler: [], // the answer has started: too late for a filler
  say: [],
  input_done: [],
  pump: [],
  playback_started: [],
  wake: [],
  requested: ['requested:0'],
  'requested, stale attempt': [],
  audio: ['first_chunk:0', 'chunk:0'],
  'audio, stale attempt': [],
  synthesized: ['final_chunk:0'],
  'synthesized, stale attempt': [],
  'synthesized, unknown segment': [],
  synthesis_failed: ['fallback:a>b', 'start:0'],
  'synthesis_failed, stale attempt': [],
  fallback: ['fallback:a>b', 'abort:0', 'start:0'],
  stop: ['stopped', 'abort:0'],
};
const NEXT_RUNNING: Partial<Record<keyof typeof INPUTS, Phase>> = {
  say: 'completing',
  input_done: 'completing',
  stop: 'stopped',
};

const TABLE: Array<[Phase, keyof typeof INPUTS, readonly string[], Phase]> = [
  ...Object.keys(INPUTS).map((name): [Phase, string, readonly string[], Phase] => [
    'collecting',
    name,
    RUNNING[name]!,
    NEXT_RUNNING[name] ?? 'collecting',
  ]),
  ...Object.keys(INPUTS).map((name): [Phase, string, readonly string[], Phase] => [
    'completing',
    name,
    name === 'synthesized' ? ['final_chunk:0', 'done'] : RUNNING[name]!,
    name === 'synthesized' ? 'done' : name === 'stop' ? 'stopped' : 'completing',
  ]),
  // Done and failed: only a stop acts, reporting the text (nothing runs to abort); stopped: nothing.
  ...(['done', 'failed', 'stopped'] as const).flatMap((phase) =>
    Object.keys(INPUTS).map((name): [Phase, string, readonly string[], Phase] =>
      name === 'stop' && phase !== 'stopped' ? [phase, name, ['stopped'], 'stopped'] : [phase, name, [], phase],
    ),
  ),
];

describe('TTS state: every input in every phase', () => {
  it.each(Object.keys(build) as Phase[])('builds %s', (phase) => expect(build[phase]().phase).toBe(phase));

  it.each(TABLE)('%s + %s → %j, %s', (phase, name, effects, next) => {
    const step = at(build[phase](), INPUTS[name]!);
    expect(brief(step.effects)).toEqual(effects);
    expect(step.state.phase).toBe(next);
  });
});

describe('TTS state: requests and chunks', () => {
  it('numbers a segment’s chunks from 0, the final one last, and times the first chunk from its request', () => {
    let { state } = at(initialTts({ main: ['a'] }), clause('One.'));
    const effects: TtsEffect[] = [];
    for (const [input, nowMs] of [
      [{ type: 'requested', index: 0, attempt: 1 }, 100],
      [audioOf(0, 20), 350],
      [audioOf(0, 20), 360],
      [{ type: 'synthesized', index: 0, attempt: 1 }, 400],
    ] as const) {
      const step = at(state, input, nowMs);
      state = step.state;
      effects.push(...step.effects);
    }
    expect(effects.map((e) => (e.type === 'chunk' ? `chunk:${e.seq}${e.final ? ':final' : ''}` : e.type))).toEqual([
      'requested',
      'first_chunk',
      'chunk:0',
      'chunk:1',
      'chunk:2:final',
    ]);
    expect(effects[0]).toEqual({ type: 'requested', index: 0, kind: 'reply', engine: 'a' });
    expect(effects[1]).toEqual({ type: 'first_chunk', index: 0, kind: 'reply', engine: 'a', latencyMs: 250 });
    expect(state.synthesizedMs).toBe(40);
  });

  it('after a failover, only the new attempt speaks: the old one’s audio and end are dropped', () => {
    const { state, effects } = run([clause('One.'), { type: 'fallback', reason: 'slow' }]);
    expect(effects.filter((e) => e.type === 'start')).toEqual([
      { type: 'start', index: 0, chain: 'main', engine: 0, attempt: 1 },
      { type: 'start', index: 0, chain: 'main', engine: 1, attempt: 2 },
    ]);
    expect(at(state, audioOf(0, 100, 1)).effects).toEqual([]);
    expect(at(state, { type: 'synthesized', index: 0, attempt: 1 }).effects).toEqual([]);
    const second = at(state, audioOf(0, 100, 2)).effects;
    expect(brief(second)).toEqual(['first_chunk:0', 'chunk:0']);
    expect(second[0]).toMatchObject({ engine: 'b' });
  });
});
