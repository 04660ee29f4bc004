/**
 * One session's microphone never moves another's spottings. pocketsphinx's front end carries its noise
 * estimate (and a live search its cepstral mean) from one decode to the next, and a spotter's decoders
 * serve every session of the process: each stream has its own search decoder and second stage, and a
 * decoder back from a closed stream starts the next one afresh.
 */
import { describe, expect, it } from 'vitest';
import { createKeywordSpotter, type KeywordStream, type Spotting } from '../../../adapters/spotter/spotter.js';
import { createFliteTts } from '../../../adapters/tts/flite.js';

async function speak(text: string, voice = 'kal16'): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of createFliteTts({ voice }).synthesize({ text, signal: new AbortController().signal }))
    parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * Another speaker, 6 dB louder, over a low hum: audio that pulls a decoder's noise estimate far from a quiet room's.
 */
function unlike(audio: Uint8Array): Uint8Array {
  const samples = new Int16Array(audio.buffer.slice(audio.byteOffset, audio.byteOffset + (audio.byteLength & ~1)));
  const out = samples.map((s, i) =>
    Math.max(-32_768, Math.min(32_767, 2 * s + 1500 * Math.sin((2 * Math.PI * 120 * i) / 16_000))),
  );
  return new Uint8Array(out.buffer);
}

const silence = (ms: number) => new Uint8Array(ms * 32);
const drained = (stream: KeywordStream, ...chunks: Uint8Array[]): Spotting[] => {
  for (const audio of chunks) for (let i = 0; i < audio.byteLength; i += 640) stream.push(audio.subarray(i, i + 640));
  return stream.drain();
};
const phrases = [{ phrase: 'hey robot', threshold: 1e-30, minConfidence: 0 }];
/** What a verified spotting was judged on, the confidence and the evidence. */
const judged = (spots: Spotting[]) =>
  spots.map((x) => ({ phrase: x.phrase, confidence: x.confidence, evidence: x.evidence }));

describe('keyword spotter: sessions', () => {
  it(
    "gives a stream the same verdicts whatever another stream's audio did, at once or before it on " +
      'the same decoders',
    async () => {
      const [wake, loud] = await Promise.all([
        speak('hey robot'),
        speak('hey robot, where did you put the remote', 'rms').then(unlike),
      ]);
      const heard = (stream: KeywordStream) => judged(drained(stream, silence(600), wake, silence(600)));
      // The verdicts of a stream alone, on a spotter that never heard anything else. (The process's first
      // decode differs from every later one, whichever spotter makes it: one is made first.)
      let expected: ReturnType<typeof judged> = [];
      for (let i = 0; i < 2; i++) {
        const alone = createKeywordSpotter({ phrases }).createStream({ report: false });
        expected = heard(alone);
        alone.close();
      }
      expect(expected.map((x) => x.phrase)).toContain('hey robot');

      const spotter = createKeywordSpotter({ phrases });
      const other = spotter.createStream({ report: false });
      // The other session's loud speech is spotted and checked: the shared decoders decoded it.
      expect(drained(other, silence(300), loud, silence(600), loud, silence(600)).length).toBeGreaterThan(0);
      const meanwhile = spotter.createStream({ report: false });
      expect(heard(meanwhile)).toEqual(expected);
      other.close();
      meanwhile.close();
      // A stream on the decoders the loud session used (back from the pool).
      const after = spotter.createStream({ report: false });
      expect(heard(after)).toEqual(expected);
      after.close();
    },
    60_000,
  );
});
