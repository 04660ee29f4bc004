/**
 * The inspector's per-turn waterfall and heard/unheard history, from the events the chart processed: the
 * first clause is the first reply segment TTS was asked for, and a cut reply's full text comes with its
 * TTS actor's `tts.stopped` report.
 */
import { describe, expect, it } from 'vitest';
import { heardHistory, turnTimes } from '../../web/inspect-model.js';

type Step = Parameters<typeof turnTimes>[0][number];
const step = (atMs: number, event: Record<string, unknown>): Step => ({ atMs, event: { sessionId: 's', ...event } as unknown as Step['event'], value: '', status: 'active', transitions: [], history: [] });

describe('inspector model', () => {
  it('times the first clause by the first reply segment TTS was asked for, fillers aside', () => {
    const [turn] = turnTimes([
      step(0, { type: 'user.text', turnId: '-' }),
      step(40, { type: 'llm.started', turnId: 't1' }),
      step(50, { type: 'tts.requested', turnId: 't1', segmentIndex: 0, kind: 'filler' }),
      step(90, { type: 'tts.requested', turnId: 't1', segmentIndex: 1, kind: 'reply' }),
      step(95, { type: 'tts.requested', turnId: 't1', segmentIndex: 2, kind: 'reply' }),
      step(150, { type: 'playback.started', turnId: 't1', kind: 'reply' }),
    ]);
    expect(turn).toMatchObject({ turnId: 't1', originAtMs: 0, firstTokenAtMs: 40, firstClauseAtMs: 90, firstAudioAtMs: 150 });
  });

  it('shows what of a cut reply was not heard, from the TTS actor’s report of its text', () => {
    const turns = turnTimes([
      step(0, { type: 'user.text', turnId: '-' }),
      step(40, { type: 'llm.started', turnId: 't1' }),
      step(90, { type: 'tts.requested', turnId: 't1', segmentIndex: 0, kind: 'reply' }),
      step(700, { type: 'tts.stopped', turnId: 't1', texts: ['Sure,', 'the weather is fine.'] }),
      step(701, { type: 'playback.stopped', turnId: 't1', segments: [], framesCleared: 3 }),
    ]);
    const history = heardHistory(
      [
        { role: 'user', turnId: 't1', text: 'weather?', interrupted: false, pending: false },
        { role: 'assistant', turnId: 't1', text: 'Sure,', interrupted: true, pending: false },
      ],
      turns,
    );
    expect(turns[0]).toMatchObject({ endedAtMs: 701, outcome: 'interrupted', clauses: ['Sure,', 'the weather is fine.'] });
    expect(history.map((e) => e.unheard)).toEqual(['', 'the weather is fine.']);
  });
});
