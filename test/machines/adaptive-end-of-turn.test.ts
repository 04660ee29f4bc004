/**
 * Adaptive end of turn on a live session (real host, chart, VAD and STT actors on controlled fakes and a
 * simulated clock): a complete command ends the utterance after `turn.completePauseMs` of silence; an
 * incomplete one waits the VAD's full hangover, so a user who pauses mid-sentence is not cut off.
 */
import { describe, expect, it } from 'vitest';
import { COMPLETE_COMMAND, createLiveHarness, type LiveHarness } from '../support/live-session.js';

const notices = (h: LiveHarness) => h.messages.flatMap((m) => (m.type === 'session.notice' ? [m.code] : []));
const speechEnds = (h: LiveHarness) => h.messages.filter((m) => m.type === 'vad.speech_end').length;

describe('adaptive end of turn', () => {
  it('a complete command ends the utterance after the short pause, not the hangover', async () => {
    const h = await createLiveHarness();
    await h.speechStart();
    await h.sttPartial(COMPLETE_COMMAND);
    expect(h.messages.find((m) => m.type === 'stt.partial')).toMatchObject({ text: COMPLETE_COMMAND, complete: true });
    await h.pause();
    expect(h.state()).toBe('listening.hearing.paused.short');
    // 200 ms of silence in all: the VAD needed 60 to call it a pause, the chart waits the other 140.
    await h.advance(139);
    expect(h.state()).toBe('listening.hearing.paused.short');
    await h.advance(1);
    expect(h.state()).toBe('listening.finalizing');
    expect(notices(h)).toContain('early_end_of_turn');
    // The VAD itself ended the utterance (the STT got its speech end and finishes the transcript).
    expect(speechEnds(h)).toBe(1);
    await h.sttFinal(COMPLETE_COMMAND);
    expect(h.state()).toMatch(/^processing/);
    expect(h.context().history.at(-1)).toMatchObject({ role: 'user', text: COMPLETE_COMMAND });
  });

  it('an incomplete sentence waits: the pause passes, the user goes on, nothing was cut', async () => {
    const h = await createLiveHarness();
    await h.speechStart();
    await h.sttPartial('go to the');
    await h.pause();
    await h.advance(500);
    expect(h.state()).toBe('listening.hearing.paused.long');
    expect(speechEnds(h)).toBe(0);
    await h.resume();
    expect(h.state()).toBe('listening.hearing.voiced');
    await h.sttPartial('go to the kitchen');
    expect(notices(h)).not.toContain('early_end_of_turn');
  });

  it('a complete partial arriving late in a long pause ends the turn then', async () => {
    const h = await createLiveHarness();
    await h.speechStart();
    await h.sttPartial('hello');
    await h.pause();
    await h.advance(300);
    expect(h.state()).toBe('listening.hearing.paused.long');
    await h.sttPartial(COMPLETE_COMMAND);
    expect(h.state()).toBe('listening.finalizing');
    expect(speechEnds(h)).toBe(1);
  });

  it('voice coming back within the short pause keeps listening', async () => {
    const h = await createLiveHarness();
    await h.speechStart();
    await h.sttPartial(COMPLETE_COMMAND);
    await h.pause();
    await h.advance(100);
    await h.resume();
    await h.advance(500);
    expect(h.state()).toBe('listening.hearing.voiced');
    expect(notices(h)).not.toContain('early_end_of_turn');
  });

  it('turn.completePauseMs 0 turns it off: every utterance waits the hangover', async () => {
    const h = await createLiveHarness({ config: { turn: { completePauseMs: 0 } } });
    await h.speechStart();
    await h.sttPartial(COMPLETE_COMMAND);
    await h.pause();
    await h.advance(1000);
    expect(h.state()).toBe('listening.hearing.voiced');
    await h.speechEnd();
    expect(h.state()).toBe('listening.finalizing');
    expect(notices(h)).not.toContain('early_end_of_turn');
  });
});
