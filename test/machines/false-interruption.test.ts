/**
 * False-interruption resume on a live session (real host, chart, actors and bus on controlled fakes and a
 * simulated clock): a barge-in whose utterance carries no words resumes the cut reply from the first clause
 * not heard in full, and the history shows that reply once, with what was heard.
 */
import { describe, expect, it } from 'vitest';
import type { SessionConfigInput } from '../../machines/config.js';
import { createLiveHarness, type LiveHarness } from '../support/live-session.js';
import { speakingReply as startReply } from '../support/speaking-reply.js';
import { noticeKey } from '../support/notices.js';

const CONFIG: SessionConfigInput = { bargeIn: { ignorableWords: ['mm-hm', 'uh huh'] } };
const speakingReply = (config: SessionConfigInput = CONFIG) => startReply(config);

/** The user makes a sound over the reply long enough to barge in, then stops. */
async function bargeIn(h: LiveHarness) {
  await h.speechStart();
  await h.advance(500);
  expect(h.state()).toMatch(/^listening/);
  await h.speechEnd();
  expect(h.state()).toBe('listening.finalizing');
}

const notices = (h: LiveHarness) => h.messages.flatMap((m) => (m.type === 'session.notice' ? [noticeKey(m)] : []));

describe('false-interruption resume', () => {
  it('a barge-in with an empty transcript resumes the reply from the clause not heard in full', async () => {
    const h = await speakingReply();
    // "Okay then," (800 ms) is heard in full; "here it is." is cut 600 ms in.
    await h.advance(900);
    await bargeIn(h);
    await h.sttFinal('');
    expect(h.state()).toMatch(/^processing/);
    expect(h.context().replyTurnId).toBe('r1');
    expect(notices(h)).toEqual([
      'reply_cancelled:barge_in',
      'utterance_dropped:false_interruption',
      'reply_resumed:t1',
    ]);
    // The resumed reply is spoken, not generated again: one TTS request for the rest, no LLM.
    expect(h.activeTts().map((r) => r.text)).toEqual(['here it is.']);
    expect(h.llm.active()).toBeUndefined();
    await h.ttsAudio(800, true);
    await h.advanceUntilChange(5_000);
    await h.advanceUntilChange(5_000);
    expect(h.state()).toMatch(/^idle/);
    expect(
      h.context().history.map(({ role, turnId, text, interrupted }) => ({ role, turnId, text, interrupted })),
    ).toEqual([
      { role: 'user', turnId: 't1', text: 'what is up', interrupted: false },
      { role: 'assistant', turnId: 'r1', text: 'Okay then, here it is.', interrupted: false },
    ]);
    h.checkInvariants();
    await h.end();
  });

  it('a configured backchannel resumes too; a resumed reply cut again keeps what was heard of both', async () => {
    const h = await speakingReply();
    await h.advance(900);
    await bargeIn(h);
    await h.sttFinal('Mm-hm.');
    expect(h.context().replyTurnId).toBe('r1');
    await h.ttsAudio(800, true);
    await h.advance(100);
    // Now a real interruption with words (a resumed reply takes one to be cut): it is cut for good.
    await h.speechStart();
    await h.sttPartial('turn');
    await h.advance(500);
    await h.speechEnd();
    await h.sttFinal('turn left');
    expect(h.context().replyTurnId).toBe('u2');
    const assistant = h.context().history.filter((e) => e.role === 'assistant');
    // "Okay then," was heard before the resume; of "here it is." (3 words, 800 ms) 600 ms were heard: 2 words.
    expect(assistant.map((e) => [e.turnId, e.text, e.interrupted])).toEqual([['r1', 'Okay then, here it', true]]);
    h.checkInvariants();
    await h.end();
  });

  it('words, a closed window or a STOP leave the reply cut', async () => {
    // Words: a new turn.
    const words = await speakingReply();
    await words.advance(900);
    await bargeIn(words);
    await words.sttFinal('turn left');
    expect(words.context().replyTurnId).toBe('u1');
    expect(notices(words)).not.toContain('reply_resumed:t1');
    await words.end();

    // The transcript comes after the 2 s window: dropped as noise.
    const late = await speakingReply();
    await late.advance(900);
    await late.speechStart();
    await late.advance(2_500);
    expect(late.context().interrupted).toBeNull();
    await late.speechEnd();
    await late.sttFinal('');
    expect(late.state()).toMatch(/^idle/);
    expect(notices(late)).toContain('utterance_dropped:empty_transcript');
    await late.end();

    // STOP is not a barge-in: nothing to resume when the user then coughs.
    const stopped = await speakingReply();
    await stopped.advance(900);
    await stopped.stop();
    expect(stopped.context().interrupted).toBeNull();
    await stopped.end();
  });

  it('a backchannel with no reply to resume gets no answer', async () => {
    const h = await createLiveHarness({ config: CONFIG });
    await h.speechStart();
    await h.speechEnd();
    await h.sttFinal('uh-huh');
    expect(h.state()).toMatch(/^idle/);
    expect(notices(h)).toEqual(['utterance_dropped:ignorable']);
    expect(h.llm.requests).toHaveLength(0);
    await h.end();
  });

  it('falseInterruptionMs 0 never resumes', async () => {
    const h = await speakingReply({ bargeIn: { falseInterruptionMs: 0 } });
    await h.advance(900);
    await bargeIn(h);
    await h.sttFinal('');
    expect(h.state()).toMatch(/^idle/);
    await h.end();
  });
});
