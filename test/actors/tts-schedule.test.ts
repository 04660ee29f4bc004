import { describe, expect, it } from 'vitest';
import { initialTts, reduceTts, type TtsEffect, type TtsInput, type TtsState } from '../../actors/tts-schedule.js';

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
const brief = (effects: TtsEffect[]) =>
  effects.map((e) => ('index' in e ? `${e.type}:${e.index}` : e.type === 'fallback' ? `fallback:${e.fromEngine}>${e.toEngine}` : e.type));

describe('TTS schedule (pure)', () => {
  it('starts at most `concurrency` segments, the next when one is synthesized, and is done when input and segments are', () => {
    const { effects, state } = run([clause('One.'), clause('Two.'), clause('Three.'), { type: 'input_done' }, { type: 'synthesized', index: 0 }]);
    expect(brief(effects)).toEqual(['start:0', 'start:1', 'final_chunk:0', 'start:2']);
    const end = run(
      [
        { type: 'synthesized', index: 1 },
        { type: 'synthesized', index: 2 },
      ],
      state,
    );
    expect(brief(end.effects)).toEqual(['final_chunk:1', 'final_chunk:2', 'done']);
    expect(end.state.phase).toBe('finished');
  });

  it('holds queued segments while the look-ahead is full, and asks to be woken once playback has started', () => {
    let { state, effects } = run([clause('One.'), { type: 'audio', index: 0, durationMs: 2500 }, clause('Two.')]);
    expect(brief(effects)).toEqual(['start:0']); // before playback starts nothing frees room: no wake-up
    ({ state, effects } = run([{ type: 'playback_started' }], state, 100));
    expect(effects).toEqual([{ type: 'wake_after', delayMs: 501 }]); // 2500 ms ahead, 2000 allowed, +1
    expect(brief(run([{ type: 'wake' }], state, 600).effects)).toEqual(['wake_after']); // 1 ms early: still full
    ({ effects } = run([{ type: 'wake' }], state, 601));
    expect(brief(effects)).toEqual(['start:1']);
  });

  it('moves a chain on when its engine fails before any audio, and starts the segment over on the next', () => {
    const { effects, state } = run([clause('One.'), { type: 'synthesis_failed', index: 0, detail: 'down', retryable: true, errorType: 'network' }]);
    expect(brief(effects)).toEqual(['start:0', 'fallback:a>b', 'start:0']);
    expect(state.segments[0]!.engine).toBe(1);
  });

  it('ends a segment that already played audio where it failed, and reports it as not fatal', () => {
    const { effects } = run([
      clause('One.'),
      { type: 'audio', index: 0, durationMs: 200 },
      { type: 'synthesis_failed', index: 0, detail: 'reset', retryable: true, errorType: 'network' },
    ]);
    expect(brief(effects)).toEqual(['start:0', 'final_chunk:0', 'error', 'fallback:a>b']);
    expect(effects.find((e) => e.type === 'error')).toMatchObject({ fatal: false, message: 'segment 0 cut short: reset' });
  });

  it('fails the reply for good past the last engine, aborting what it started', () => {
    const failed = { type: 'synthesis_failed', index: 0, detail: 'no key', retryable: false, errorType: 'auth' } as const;
    const { effects, state } = run([clause('One.'), failed, failed]);
    expect(brief(effects)).toEqual(['start:0', 'fallback:a>b', 'start:0', 'abort:0', 'error']);
    expect(effects.at(-1)).toMatchObject({ type: 'error', fatal: true, errorType: 'auth', retryable: false });
    expect(run([clause('Two.')], state).effects).toEqual([]);
  });

  it('starts the chain over on a missed deadline past its last engine, passing engines that failed for good', () => {
    const state = initialTts({ main: ['a', 'b', 'c'] });
    const { effects } = run(
      [
        clause('One.'),
        { type: 'synthesis_failed', index: 0, detail: 'bad key', retryable: false, errorType: 'auth' },
        { type: 'fallback', reason: 'slow' },
        { type: 'fallback', reason: 'slow' },
      ],
      state,
    );
    expect(brief(effects)).toEqual(['start:0', 'fallback:a>b', 'start:0', 'fallback:b>c', 'abort:0', 'start:0', 'fallback:c>b', 'abort:0', 'start:0']);
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
      { type: 'synthesized', index: 0 },
    ]);
    const stopped = run([{ type: 'stop' }], state);
    expect(brief(stopped.effects)).toEqual(['stopped', 'abort:1']);
    expect(stopped.effects[0]).toEqual({ type: 'stopped', texts: ['One.', 'Two.'] });
    const done = run([clause('One.'), { type: 'input_done' }, { type: 'synthesized', index: 0 }]).state;
    expect(run([{ type: 'stop' }], done).effects).toEqual([{ type: 'stopped', texts: ['One.'] }]);
    expect(run([{ type: 'stop' }], stopped.state).effects).toEqual([]);
  });
});
