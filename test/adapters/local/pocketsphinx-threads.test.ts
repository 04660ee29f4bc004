/**
 * pocketsphinx on decode threads (`stt.threads`): recordings of real people (`../shared/speech/human`,
 * read in place; skipped, saying so, when absent) and flite's commands get the same partials and finals
 * as on the calling thread, and a thread that stops mid-utterance fails that utterance with a clear error
 * while the next one decodes on a new thread.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { loadHumanSpeech, readHumanClip } from '../../../sim/human-speech.js';
import { createPocketsphinxStt, PocketsphinxError } from '../../../adapters/stt/pocketsphinx.js';
import { pocketsphinxSetup } from '../../../adapters/stt/pocketsphinx-setup.js';
import { createPocketsphinxThreads, type ThreadedStt } from '../../../adapters/stt/pocketsphinx-threads.js';
import type { SttEngine } from '../../../adapters/stt/types.js';
import { createFliteTts } from '../../../adapters/tts/flite.js';
import { asVadUtterance } from '../../../sim/vad-utterance.js';
import { DEFAULT_GRAMMAR_MLLR } from '../../../runtime/config.js';

const GRAMMAR = 'examples/robot-commands.jsgf';
const corpus = loadHumanSpeech();
const tts = createFliteTts();
const opened: ThreadedStt[] = [];
afterAll(() => Promise.all(opened.map((engine) => engine.close())));

async function speech(text: string): Promise<Int16Array> {
  const parts: Uint8Array[] = [];
  for await (const c of tts.synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  const bytes = Buffer.concat(parts);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
}

/** An utterance's partials and final, 20 ms frames at a time; the partials as they came before the final. */
async function decode(engine: SttEngine, samples: Int16Array, channel: string) {
  const partials: unknown[] = [];
  const stream = engine.createStream({
    sampleRateHz: 16_000,
    channel,
    onPartial: (text, confidence, detail) => partials.push({ text, confidence, detail }),
    signal: new AbortController().signal,
  });
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  for (let i = 0; i < bytes.byteLength; i += 640) stream.push(bytes.subarray(i, i + 640));
  const final = await stream.finish();
  return { partials, final };
}

describe('pocketsphinx on decode threads', () => {
  it(
    `hears what it hears on the calling thread: the same partials and finals, utterance by ` +
      `utterance${corpus.available ? '' : ` (real voices skipped: ${corpus.reason})`}`,
    async () => {
      const options = { grammarPath: GRAMMAR, mllrPath: DEFAULT_GRAMMAR_MLLR };
      const here = createPocketsphinxStt(options);
      const threaded = createPocketsphinxStt({ ...options, threads: 2 }) as ThreadedStt;
      opened.push(threaded);
      // Every fourth recording (words, commands, sentences, wake words, noise), each speaker a channel of its own.
      const real = corpus.clips
        .filter((_, i) => i % 4 === 0)
        .map((clip) => ({ samples: asVadUtterance(readHumanClip(corpus, clip).samples), channel: clip.speaker }));
      const commands = ['move forward two meters', 'stop', 'turn left', 'tell me a joke'];
      const said = await Promise.all(
        commands.map(async (text) => ({ samples: asVadUtterance(await speech(text)), channel: 'flite' })),
      );
      const utterances = [...real, ...said];
      for (const { samples, channel } of utterances) {
        expect(await decode(threaded, samples, channel)).toEqual(await decode(here, samples, channel));
      }
      expect(utterances.length).toBeGreaterThanOrEqual(4);
    },
    300_000,
  );

  it(
    'fails an utterance whose thread stops mid-decode with a clear error, and decodes the next on a ' + 'new thread',
    async () => {
      const entry = new URL('./crashing-decode-thread.ts', import.meta.url);
      const engine = createPocketsphinxThreads(pocketsphinxSetup({ grammarPath: GRAMMAR }), { threads: 1, entry });
      opened.push(engine);
      await engine.warmUp!();
      const command = asVadUtterance(await speech('turn left'));
      // Open on the same thread when it stops: it fails too, with the same reason.
      const other = engine.createStream({
        sampleRateHz: 16_000,
        channel: 'other',
        onPartial: () => undefined,
        signal: new AbortController().signal,
      });
      await expect(decode(engine, command, 'crash')).rejects.toThrow(PocketsphinxError);
      await expect(other.finish()).rejects.toThrow(
        /the pocketsphinx decode thread stopped \(exit code 3\): the utterance was not decoded/,
      );
      expect((await decode(engine, command, 'after')).final.text).toBe('turn left');
    },
    120_000,
  );

  it('names the apt packages when the library is missing, before any thread starts', () => {
    const libraries = { pocketsphinx: 'libnope.so', sphinxbase: 'libnope.so' };
    expect(() => createPocketsphinxStt({ libraries, threads: 1 })).toThrow(/apt-get install -y libpocketsphinx3/);
  });
});
