/**
 * The keyword spotter's fresh search after a rejected spotting waits for a pause: a restart forgets what
 * is being said, and another phrase spotted on the first syllable of the one being said ("come" on
 * "computer"), judged and rejected while the word goes on, would otherwise cut the word in two. On
 * recordings of real people this is how several wake phrases were lost (docs/activation.md).
 * flite's voice; the first syllable's phrase is rejected by a lead no phrase reaches. Only a spotter with
 * a second stage waits: the stop phrases' search, whose threshold decides alone, restarts at once.
 */
import { describe, expect, it } from 'vitest';
import { createKeywordSpotter } from '../../../adapters/spotter/spotter.js';
import { feed, silence, speak } from '../../support/spotter-feed.js';

/** The syllable's phrase, rejected by its lead, and the phrase; verified (at any confidence) or not. */
function spotterFor(syllable: string, phrase: string, verified: boolean) {
  const secondStage = verified ? { minConfidence: 0 } : {};
  return createKeywordSpotter({
    phrases: [
      { phrase: syllable, threshold: 1e-30, minLeadDb: 200, ...secondStage },
      { phrase, threshold: 1e-30, ...secondStage },
    ],
  });
}

describe('keyword spotter: a rejected spotting', () => {
  it.each([
    ['come', 'computer'],
    ['jar', 'jarvis'],
    ['hey', 'hey robot'],
  ])(
    'on its first syllable ("%s") does not cut short "%s"',
    async (syllable, phrase) => {
      const audio = await speak(phrase);
      const spotter = spotterFor(syllable, phrase, true);
      // The syllable's phrase is there, and rejected: a stream that reports every spotting shows it.
      const everything = spotter.createStream({ report: false });
      feed(everything, silence(500), audio, silence(800));
      expect(everything.drain().map((s) => s.phrase)).toContain(syllable);
      everything.close();

      const stream = spotter.createStream();
      expect(feed(stream, silence(500), audio, silence(800)).map((s) => s.phrase)).toEqual([phrase]);
      // After the pause the search is fresh, and the phrase is spotted again.
      expect(feed(stream, audio, silence(800)).map((s) => s.phrase)).toEqual([phrase]);
      stream.close();

      // Without a second stage the search restarts at the rejection, and loses the phrase being said.
      const unverified = spotterFor(syllable, phrase, false).createStream();
      expect(feed(unverified, silence(500), audio, silence(800))).toEqual([]);
      unverified.close();
    },
    30_000,
  );
});
