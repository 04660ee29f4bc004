/**
 * The page's barge-in (web/barge-in.js, run here in Node with a fake speaker): the speaker is flushed when
 * the user talks over a reply or the server cancels it, the rest of that reply's audio is dropped, and the
 * truncate — with what was actually played — goes out only once the response is done (before that the
 * server's chart has nothing to cut).
 */
import { describe, expect, it } from 'vitest';
import { BargeIn } from '../../web/barge-in.js';

/** A fake speaker: plays one item until flushed; a flush answers how much of it was played. */
function fakeSpeaker(playedMs: number) {
  let item: { responseId: string; itemId: string } | null = null;
  const speaker = {
    flushes: 0,
    get active() {
      return item !== null;
    },
    get currentItem() {
      return item;
    },
    play(responseId: string) {
      item = { responseId, itemId: `${responseId}_item` };
    },
    async flush() {
      speaker.flushes++;
      const played = item ? { playedMs, framesFlushed: 3 } : null;
      item = null;
      return played;
    },
  };
  return speaker;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup(playedMs = 840.7) {
  const speaker = fakeSpeaker(playedMs);
  const sent: Array<Record<string, unknown>> = [];
  const flushes: Array<{ reason: string; playedMs: number; responseId: string }> = [];
  const bargeIn = new BargeIn(
    speaker,
    (e) => sent.push(e),
    (f) => flushes.push(f),
  );
  return { speaker, sent, flushes, bargeIn };
}

describe('page barge-in', () => {
  it(
    'talking over a reply flushes it at once, drops its audio, and truncates to what was played when ' +
      'the response is done',
    async () => {
      const { speaker, sent, flushes, bargeIn } = setup();
      speaker.play('resp_u1');
      bargeIn.speechStarted(100);
      await settle();
      expect(speaker.flushes).toBe(1);
      expect(flushes).toMatchObject([{ reason: 'speech_started', responseId: 'resp_u1', playedMs: 840.7 }]);
      expect(bargeIn.isCut('resp_u1_item')).toBe(true);
      // The server has not ended the response yet: no truncate.
      expect(sent).toEqual([]);
      expect(bargeIn.responseDone('resp_u1', 'cancelled', 600)).toBe(true);
      expect(sent).toEqual([
        { type: 'conversation.item.truncate', item_id: 'resp_u1_item', content_index: 0, audio_end_ms: 840 },
      ]);
      expect(bargeIn.isCut('resp_u1_item')).toBe(false);
    },
  );

  it(
    'a cancel from the server while the reply plays flushes it and truncates once the flush has ' + 'answered',
    async () => {
      const { speaker, sent, flushes, bargeIn } = setup(300);
      speaker.play('resp_u2');
      expect(bargeIn.responseDone('resp_u2', 'cancelled', 50)).toBe(true);
      expect(sent).toEqual([]);
      await settle();
      expect(flushes).toMatchObject([{ reason: 'cancelled', playedMs: 300 }]);
      expect(sent).toEqual([
        { type: 'conversation.item.truncate', item_id: 'resp_u2_item', content_index: 0, audio_end_ms: 300 },
      ]);
    },
  );

  it('a reply the server completed after the page cut it is still interrupted and truncated', async () => {
    const { speaker, sent, bargeIn } = setup(500);
    speaker.play('resp_u3');
    bargeIn.speechStarted(10);
    await settle();
    expect(bargeIn.responseDone('resp_u3', 'completed', 900)).toBe(true);
    expect(sent).toMatchObject([{ type: 'conversation.item.truncate', audio_end_ms: 500 }]);
  });

  it('speech with nothing playing, and a completed reply, touch nothing', async () => {
    const { speaker, sent, flushes, bargeIn } = setup();
    bargeIn.speechStarted(10);
    await settle();
    speaker.play('resp_u4');
    expect(bargeIn.responseDone('resp_u4', 'completed', 20)).toBe(false);
    await settle();
    expect([speaker.flushes, flushes.length, sent.length]).toEqual([0, 0, 0]);
    expect(bargeIn.isCut('resp_u4_item')).toBe(false);
  });
});
