/**
 * The pocketsphinx keyword spotter on flite's voice: a wake phrase said after a pause is spotted (with a
 * large lead over what came before it, and verified on its audio), and spotted again by a pooled decoder
 * serving a second stream; "are you a robot" comes close acoustically but runs on from the words before
 * it, so it is not reported; a stop phrase is spotted; a spotting is placed where it was said however
 * many searches and streams the decoder has served; a spotting judged because its threshold fell does not
 * cut short the phrase being said; the lead is read on the audio before a denoiser when it is given;
 * `report: false` collects every spotting for `drain`;
 * the second stage says where the phrase's words are, and has no confidence in a phrase missing a word or
 * one whose first word was something else ("hello robot").
 */
import { describe, expect, it } from 'vitest';
import { createKeywordSpotter, type Spotting } from '../../../adapters/spotter/spotter.js';
import { createPhraseVerifier, phraseConfidence } from '../../../adapters/spotter/phrase-verifier.js';
import { feed, silence, speak } from '../../support/spotter-feed.js';

describe('keyword spotter (pocketsphinx)', () => {
  it('spots a wake phrase after a pause and a stop phrase, not a near miss inside a sentence', async () => {
    const [wake, nearMiss, stop] = await Promise.all(['hey robot', 'the kitchen has a robot', 'stop'].map(speak));
    const spotter = createKeywordSpotter({
      phrases: [
        { phrase: 'hey robot', threshold: 1e-40, minLeadDb: 9, minConfidence: 0.4 },
        { phrase: 'stop', threshold: 1e-10, minLeadDb: 15 },
      ],
    });
    for (let pass = 0; pass < 2; pass++) {
      // Pass 1 reuses the decoder pass 0 gave back to the pool: a reused decoder hears the same.
      const stream = spotter.createStream();
      expect(feed(stream, silence(500), nearMiss!, silence(800))).toEqual([]);
      const woken = feed(stream, wake!, silence(800));
      expect(woken.map((s) => s.phrase)).toEqual(['hey robot']);
      expect(woken[0]!.leadDb).toBeGreaterThan(20);
      expect(woken[0]!.confidence).toBeGreaterThanOrEqual(0.4);
      expect(feed(stream, stop!, silence(800)).map((s) => s.phrase)).toEqual(['stop']);
      stream.close();
    }
    // Without the lead check and the second stage the near miss is spotted: they are what drop it.
    const collect = createKeywordSpotter({
      phrases: [{ phrase: 'hey robot', threshold: 1e-40, minConfidence: 0 }],
    }).createStream({ report: false });
    feed(collect, silence(500), nearMiss!, silence(800));
    const spots = collect.drain();
    expect(spots.map((s) => s.phrase)).toContain('hey robot');
    expect(Math.min(...spots.map((s) => s.leadDb))).toBeLessThan(9);
    collect.close();
  }, 30_000);

  it('places each spotting where it was said, after many searches and streams of its decoder', async () => {
    const wake = await speak('hey robot');
    const spotter = createKeywordSpotter({ phrases: [{ phrase: 'hey robot', threshold: 1e-30 }] });
    // Where the search ends the phrase, against where the audio (the phrase and flite's trailing silence) ends.
    const offsMs: number[] = [];
    for (let round = 0; round < 3; round++) {
      const stream = spotter.createStream();
      let endedMs = 0;
      for (let k = 0; k < 3; k++) {
        // Pauses of different lengths: pocketsphinx's own silence removal used to shift the phrase by them.
        const pause = silence(700 + 400 * k);
        endedMs += pause.byteLength / 32 + wake.byteLength / 32;
        const found = feed(stream, pause, wake, silence(600));
        expect(found.map((s) => s.phrase)).toEqual(['hey robot']);
        offsMs.push(found[0]!.endMs - endedMs);
        endedMs += 600;
      }
      stream.close();
    }
    // The alignment moves a little as the cepstral mean adapts (−70 to −180 ms here); the pauses were 0.7–1.5 s.
    expect(Math.max(...offsMs.map(Math.abs))).toBeLessThan(300);
  }, 30_000);

  it('judges a spotting the threshold fell under without cutting short the phrase being said', async () => {
    const [wake, stop] = await Promise.all(['hey robot', 'stop'].map(speak));
    // "hey robot" at 10^-13.9: under its threshold until the stream relaxes it (as the user's speech start
    // over a reply does), which happens while "stop" is being said.
    const spotter = createKeywordSpotter({
      phrases: [
        { phrase: 'hey robot', threshold: 1e-10, relaxedThreshold: 1e-40 },
        { phrase: 'stop', threshold: 1e-10 },
      ],
    });
    for (const relaxAfterMs of [300, 400]) {
      let relaxed = false;
      const stream = spotter.createStream({ relaxed: () => relaxed });
      const relaxAt = silence(500).byteLength + wake!.byteLength + relaxAfterMs * 32;
      const audio = new Uint8Array([...silence(500), ...wake!, ...stop!, ...silence(800)]);
      const found: Spotting[] = [];
      for (let i = 0; i < audio.byteLength; i += 640) {
        relaxed = i >= relaxAt;
        found.push(...stream.push(audio.subarray(i, i + 640)));
      }
      // A fresh search at that judging forgot the "stop" being said (both times).
      expect(found.map((s) => s.phrase)).toEqual(['hey robot', 'stop']);
      stream.close();
    }
  }, 30_000);

  it('measures the lead on the audio before a denoiser: noise made silent is no pause', async () => {
    const stop = await speak('stop');
    const spotter = createKeywordSpotter({ phrases: [{ phrase: 'stop', threshold: 1e-10, minLeadDb: 15 }] });
    // What a denoiser hands on (the noise before the word gone) and what it was given (steady noise as loud as the
    // word).
    const denoised = new Uint8Array([...silence(800), ...stop, ...silence(800)]);
    const words = new Int16Array(stop.buffer, stop.byteOffset, stop.byteLength / 2);
    const level = Math.sqrt(words.reduce((sum, x) => sum + x * x, 0) / words.length);
    let seed = 1;
    const noise = Int16Array.from({ length: denoised.byteLength / 2 }, () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.round((seed / 2 ** 31 - 0.5) * 2 * Math.sqrt(3) * level);
    });
    const before = new Int16Array(denoised.byteLength / 2);
    before.set(noise);
    for (let i = 0; i < words.length; i++)
      before[800 * 16 + i] = Math.max(-32_768, Math.min(32_767, noise[800 * 16 + i]! + words[i]!));
    const levels = new Uint8Array(before.buffer);
    const hear = (withLevels: boolean) => {
      const stream = spotter.createStream();
      const found: Spotting[] = [];
      for (let i = 0; i < denoised.byteLength; i += 640)
        found.push(...stream.push(denoised.subarray(i, i + 640), withLevels ? levels.subarray(i, i + 640) : undefined));
      stream.close();
      return found.map((s) => s.phrase);
    };
    // Read on the denoiser's output, the word stands far above the silence it made; read on its input, it does not.
    expect(hear(false)).toEqual(['stop']);
    expect(hear(true)).toEqual([]);
  }, 30_000);

  it('verifies a phrase on its words: where they begin, and none when the grammar passes through one', async () => {
    const verifier = createPhraseVerifier({ phrases: ['hey robot'] });
    // 300 ms of silence, then the speech: as the spotter cuts a stretch from the pause before the phrase.
    const afterPause = (audio: Uint8Array) => {
      const samples = new Int16Array(4800 + (audio.byteLength >> 1));
      samples.set(new Int16Array(audio.buffer, audio.byteOffset, audio.byteLength >> 1), 4800);
      return samples;
    };
    const [whole, robot] = await Promise.all(['hey robot', 'robot'].map(speak));
    const heard = verifier.verify('hey robot', afterPause(whole!));
    expect(heard.confidence).toBeGreaterThan(0.6);
    // Its words begin after the pause (frame 30): the spotter measures the lead from there.
    expect(heard.words!.sf).toBeGreaterThanOrEqual(30);
    // "robot" alone: the grammar can only pass through "hey" at its floor of one frame per state.
    expect(verifier.verify('hey robot', afterPause(robot!)).confidence).toBe(0);
  }, 30_000);

  it('has no confidence in a phrase whose first word the phone loop hears as other phones', async () => {
    const verifier = createPhraseVerifier({ phrases: ['hey robot'] });
    const samples = await speak('hello robot');
    const stretch = new Int16Array(4800 + (samples.byteLength >> 1));
    stretch.set(new Int16Array(samples.buffer, samples.byteOffset, samples.byteLength >> 1), 4800);
    for (let round = 0; round < 2; round++) {
      // Twice: the decoders' cepstral mean moves with each stretch they hear.
      const heard = verifier.verify('hey robot', stretch);
      // The phrase as a whole has some confidence, and no word was passed through at its floor…
      expect(phraseConfidence(heard.evidence)).toBeGreaterThan(0.3);
      expect(heard.words!.framesPerPhone).toBeGreaterThanOrEqual(5);
      // …but "hello" forced into "hey" scores far below the loop over its frames.
      expect(heard.words!.worstRatio).toBeLessThan(-30);
      expect(heard.confidence).toBe(0);
    }
  }, 30_000);

  it('refuses phrases with words outside the dictionary, naming them', () => {
    expect(() => createKeywordSpotter({ phrases: [{ phrase: 'hey zorblax', threshold: 1e-20 }] })).toThrow(/"zorblax"/);
    expect(() => createKeywordSpotter({ phrases: [{ phrase: 'stop', threshold: 2 }] })).toThrow(/probability/);
    expect(() => createKeywordSpotter({ phrases: [{ phrase: 'stop', threshold: 1e-5, minConfidence: 2 }] })).toThrow(
      /confidence/,
    );
  });
});
