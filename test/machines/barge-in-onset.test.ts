/**
 * The onset of a barge-in (`bargeIn.minVoiceMs`) on a live session (real host, chart, actors and bus on
 * controlled fakes and a simulated clock): speech over a reply that falls quiet within its onset — a click,
 * a cough, a burst of the agent's own echo the canceller let through — cuts nothing, though the VAD's
 * hangover keeps the utterance open past `minSpeechMs`; speech that comes back, or that outlasts the onset,
 * cuts the reply as before.
 */
import { describe, expect, it } from 'vitest';
import type { LiveHarness } from '../support/live-session.js';
import { speakingReply } from '../support/speaking-reply.js';
import { noticeKey } from '../support/notices.js';

const notices = (h: LiveHarness) => h.messages.flatMap((m) => (m.type === 'session.notice' ? [noticeKey(m)] : []));

/** A burst 1 s into the reply, quiet within its onset; the reply ends while the VAD still holds the utterance open. */
async function burstAsReplyEnds(): Promise<LiveHarness> {
  const h = await speakingReply();
  await h.advance(1000);
  await h.speechStart();
  await h.pause();
  await h.advanceUntilChange(5_000);
  expect(h.state()).toMatch(/^listening\.hearing/);
  return h;
}

describe('barge-in onset', () => {
  it('speech that falls quiet within its onset cuts nothing, though its hangover outlasts minSpeechMs', async () => {
    const h = await speakingReply();
    await h.speechStart();
    await h.pause();
    expect(h.state()).toBe('speaking.reply.playing+user.quietAfterOnset');
    // The VAD still holds the utterance open; the old rule cut the reply here.
    await h.advance(500);
    expect(h.state()).toBe('speaking.reply.playing+user.quietAfterOnset');
    await h.speechEnd();
    expect(h.state()).toBe('speaking.reply.playing+user.silent');
    expect(notices(h)).toEqual(['utterance_dropped:too_short_to_interrupt']);
    h.checkInvariants();
    await h.end();
  });

  it('speech that fell quiet within its onset and outlasts the reply is no turn when it ends so', async () => {
    const h = await burstAsReplyEnds();
    await h.speechEnd();
    expect(h.state()).toMatch(/^idle/);
    expect(notices(h)).toEqual(['utterance_dropped:too_short_to_interrupt']);
    // Its transcription is cancelled: no stream is left open or finishing.
    expect(h.stt.streams.length).toBeGreaterThan(0);
    expect(h.stt.streams.filter((s) => !s.options.signal.aborted && !s.settled)).toEqual([]);
    h.checkInvariants();
    await h.end();
  });

  it('speech that fell quiet within its onset and comes back once the reply ended is the user’s turn', async () => {
    const h = await burstAsReplyEnds();
    await h.resume();
    await h.speechEnd();
    expect(h.state()).toBe('listening.finalizing');
    expect(notices(h)).toEqual([]);
    await h.end();
  });

  it(
    'speech that comes back after a quiet onset cuts the reply once kept up for minSpeechMs from ' +
      'there, pauses and all',
    async () => {
      const h = await speakingReply();
      await h.speechStart();
      await h.pause();
      await h.advance(300);
      await h.resume();
      expect(h.state()).toBe('speaking.reply.playing+user.candidate.sustained');
      // A user quieter than the echo reaches the VAD in pieces: a second pause does not stop the cut.
      await h.advance(100);
      await h.pause();
      await h.advance(399);
      expect(h.state()).toMatch(/^speaking/);
      await h.advance(1);
      expect(h.state()).toMatch(/^listening/);
      expect(notices(h)).toEqual(['reply_cancelled:barge_in']);
      h.checkInvariants();
      await h.end();
    },
  );

  it('a pause after the onset does not stop the barge-in', async () => {
    const h = await speakingReply();
    await h.speechStart();
    await h.advance(200);
    expect(h.state()).toBe('speaking.reply.playing+user.candidate.sustained');
    await h.pause();
    await h.advance(300);
    expect(h.state()).toMatch(/^listening/);
    expect(notices(h)).toEqual(['reply_cancelled:barge_in']);
    await h.end();
  });

  it('minVoiceMs 0 turns the onset check off', async () => {
    const h = await speakingReply({ bargeIn: { minVoiceMs: 0 } });
    await h.speechStart();
    await h.pause();
    await h.advance(500);
    expect(h.state()).toMatch(/^listening/);
    expect(notices(h)).toEqual(['reply_cancelled:barge_in']);
    await h.end();
  });
});
