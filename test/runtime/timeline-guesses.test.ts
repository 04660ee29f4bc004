/**
 * The per-turn timeline with speculative replies: a discarded guess's stages do not describe the turn,
 * and a reply with a turn id of its own (`r<n>`) lands in the row of the user turn it answers.
 */
import { describe, expect, it } from 'vitest';
import { createTimelineBuilder } from '../../runtime/timeline.js';

const s = { sessionId: 's1' } as const;

describe('timeline with guessed replies', () => {
  it('drops a discarded guess and joins the r<n> reply to its user turn', () => {
    const b = createTimelineBuilder('s1');
    b.add({ ...s, type: 'llm.started', turnId: 'u3', atMs: 100, firstTokenMs: 300 });
    b.add({
      ...s,
      type: 'session.notice',
      turnId: 'u3',
      atMs: 150,
      code: 'speculation_discarded',
      reason: 'user_went_on',
      detail: 'user_went_on',
    });
    // A second guess, under r1, gets going before the turn ends, and is committed.
    b.add({ ...s, type: 'llm.started', turnId: 'r1', atMs: 900, firstTokenMs: 300 });
    b.add({ ...s, type: 'vad.speech_end', turnId: 'u3', atMs: 1000, speechMs: 900 });
    b.add({ ...s, type: 'stt.final', turnId: 'u3', atMs: 1010, text: 'what is the weather in paris' });
    b.add({
      ...s,
      type: 'session.history',
      turnId: 'u3',
      atMs: 1011,
      role: 'user',
      text: 'what is the weather in paris',
      interrupted: false,
      replyTurnId: 'r1',
    });
    b.add({ ...s, type: 'playback.started', turnId: 'r1', atMs: 1020, kind: 'reply' });
    b.add({ ...s, type: 'playback.finished', turnId: 'r1', atMs: 2000, segments: [] });
    expect(b.turns()).toEqual([
      expect.objectContaining({
        turnId: 'u3',
        speechEndAtMs: 1000,
        transcriptAtMs: 1010,
        firstTokenAtMs: 900,
        llmRequestAtMs: 600,
        firstAudioAtMs: 1020,
        outcome: 'finished',
      }),
    ]);
  });
});
