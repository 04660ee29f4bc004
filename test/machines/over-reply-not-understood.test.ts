/**
 * An utterance still open when a reply ends on its own (live session on controlled fakes, simulated
 * clock): begun over the reply's last words, it did not cut it. If the recognizer does not understand it
 * (a transcript under `minConfidence`), it was more likely the reply's own echo than the user — the echo
 * of a reply's last words that a canceller let through — and it is dropped without a re-prompt. One it
 * understands is the user's turn; one begun after the reply is re-prompted as before.
 */
import { describe, expect, it } from 'vitest';
import type { LiveHarness } from '../support/live-session.js';
import { noticeKey } from '../support/notices.js';
import { speakingReply } from '../support/speaking-reply.js';

const MIN_CONFIDENCE = 0.5;
const notices = (h: LiveHarness) => h.messages.flatMap((m) => (m.type === 'session.notice' ? [noticeKey(m)] : []));
const llmRequests = (h: LiveHarness) => h.messages.filter((m) => m.type === 'llm.started').length;
const history = (h: LiveHarness) =>
  h.messages.flatMap((m) => (m.type === 'session.history' ? [`${m.role}: ${m.text}`] : []));

/** Speech from 1.3 s into the 1.6 s reply, past its onset, too short a time before the end to cut it. */
async function speechOverTheReplyEnd(): Promise<LiveHarness> {
  const h = await speakingReply({ minConfidence: MIN_CONFIDENCE });
  await h.advance(1300);
  await h.speechStart();
  await h.advance(250);
  expect(h.state()).toBe('speaking.reply.playing+user.candidate.sustained');
  await h.advanceUntilChange(1_000);
  expect(h.state()).toMatch(/^listening\.hearing/);
  await h.speechEnd();
  expect(h.state()).toBe('listening.finalizing');
  return h;
}

describe('an utterance open as a reply ends', () => {
  it('not understood: dropped, no re-prompt', async () => {
    const h = await speechOverTheReplyEnd();
    const requests = llmRequests(h);
    await h.sttFinal('stop', 0.1);
    expect(h.state()).toMatch(/^idle/);
    expect(notices(h)).toEqual(['utterance_dropped:not_understood_over_reply']);
    expect(history(h)).toEqual(['user: what is up', 'assistant: Okay then, here it is.']);
    await h.advance(2_000);
    expect(llmRequests(h)).toBe(requests);
    expect(h.state()).toMatch(/^idle/);
    h.checkInvariants();
    await h.end();
  });

  it('understood: the user’s turn', async () => {
    const h = await speechOverTheReplyEnd();
    await h.sttFinal('turn left', 0.9);
    expect(h.state()).toMatch(/^processing/);
    expect(notices(h)).toEqual([]);
    expect(history(h).at(-1)).toBe('user: turn left');
    await h.end();
  });

  it('begun after the reply and not understood: re-prompted', async () => {
    const h = await speakingReply({ minConfidence: MIN_CONFIDENCE });
    await h.advanceUntilChange(5_000);
    expect(h.state()).toMatch(/^idle/);
    await h.speechStart();
    await h.advance(400);
    await h.speechEnd();
    await h.sttFinal('stop', 0.1);
    expect(h.state()).toMatch(/^processing/);
    expect(notices(h)).toEqual(['not_understood']);
    await h.end();
  });
});
