/**
 * The chart keeps at most `historyLimit` history entries (a robot's session may run for days): the oldest
 * resolved entries are forgotten, the LLM still gets its newest `historyTurns` turns, and a cut reply's
 * pending entry survives the trimming so its playback report still fills it. Real host, chart, actors and
 * bus on controlled fakes and a simulated clock.
 */
import { describe, expect, it } from 'vitest';
import { resolveSessionConfig } from '../../machines/config.js';
import { appendHistory } from '../../machines/history.js';
import type { HistoryEntry } from '../../machines/events.js';
import { createLiveHarness, type LiveHarness } from '../support/live-session.js';

/** One typed turn answered in one clause and played to its end. */
async function typedTurn(h: LiveHarness, n: number) {
  await h.text(`question ${n}`);
  await h.llmToken(` Answer ${n}.`);
  await h.llmFinish();
  await h.ttsAudio(400, true);
  for (let i = 0; i < 5 && !/^idle/.test(h.state()); i++) await h.advanceUntilChange(5_000);
  expect(h.state()).toMatch(/^idle/);
}

const entry = (turnId: string, pending = false): HistoryEntry => ({
  role: 'user',
  turnId,
  text: turnId,
  interrupted: false,
  pending,
});

describe('history limit', () => {
  it('keeps the newest historyLimit entries over many turns, and the LLM its newest historyTurns turns', async () => {
    const h = await createLiveHarness({ config: { historyTurns: 2, historyLimit: 6 } });
    for (let n = 1; n <= 12; n++) await typedTurn(h, n);
    const history = h.context().history;
    expect(history.map((e) => e.text)).toEqual([
      'question 10',
      'Answer 10.',
      'question 11',
      'Answer 11.',
      'question 12',
      'Answer 12.',
    ]);
    await h.text('question 13');
    // The newest 2 × historyTurns entries, the new question included (toChatMessages' rule).
    const messages = h.llm.requests.at(-1)!.messages;
    expect(messages.slice(1).map((m) => m.content)).toEqual(['Answer 11.', 'question 12', 'Answer 12.', 'question 13']);
    // Every turn is still published whole on session.history, for records and watchers.
    const published = h.messages.filter((m) => m.type === 'session.history' && m.role === 'user');
    expect(published).toHaveLength(13);
    h.checkInvariants();
    await h.end();
  });

  it('a cut reply pending its playback report is never trimmed', async () => {
    const h = await createLiveHarness({ config: { historyTurns: 1, historyLimit: 2 } });
    await typedTurn(h, 1);
    await h.text('tell me more');
    await h.llmToken(' Here is a long answer, with a second clause.');
    await h.llmFinish();
    await h.ttsAudio(800, true);
    await h.ttsAudio(800, true);
    await h.advance(300);
    await h.stop();
    const history = h.context().history;
    expect(history.length).toBeLessThanOrEqual(2);
    expect(history.at(-1)).toMatchObject({ role: 'assistant', turnId: 't2', pending: false, interrupted: true });
    expect(history.at(-1)!.text.length).toBeGreaterThan(0);
    h.checkInvariants();
    await h.end();
  });

  it('appendHistory drops the oldest resolved entries first and keeps pending ones', () => {
    expect(appendHistory([entry('a'), entry('b')], entry('c'), 2).map((e) => e.turnId)).toEqual(['b', 'c']);
    expect(appendHistory([entry('a', true), entry('b'), entry('c')], entry('d'), 2).map((e) => e.turnId)).toEqual([
      'a',
      'd',
    ]);
    expect(appendHistory([entry('a')], entry('b'), 5).map((e) => e.turnId)).toEqual(['a', 'b']);
  });

  it('refuses a limit below what the LLM is given, naming the fix', () => {
    expect(() => resolveSessionConfig({ historyTurns: 20, historyLimit: 10 })).toThrow(
      /historyLimit.*raise historyLimit or lower historyTurns/s,
    );
    expect(resolveSessionConfig({}).historyLimit).toBe(200);
  });
});
