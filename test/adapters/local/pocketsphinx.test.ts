import { describe, expect, it } from 'vitest';
import { createPocketsphinxStt, PocketsphinxError } from '../../../adapters/stt/pocketsphinx.js';
import { createFliteTts } from '../../../adapters/tts/flite.js';

const tts = createFliteTts();
async function speech(text: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of tts.synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

describe('pocketsphinx STT with the robot grammar', () => {
  const stt = createPocketsphinxStt({ grammarPath: 'examples/robot-commands.jsgf' });

  const recognize = async (text: string, engine = stt) => {
    const audio = await speech(text);
    const stream = engine.createStream({
      sampleRateHz: 16_000,
      onPartial: () => undefined,
      signal: new AbortController().signal,
    });
    for (let i = 0; i < audio.byteLength; i += 640) stream.push(audio.subarray(i, i + 640));
    return stream.finish();
  };

  it.each([
    'move forward two meters',
    'turn left',
    'stop',
    'go to the kitchen',
    'hello robot',
    'go backward five meters',
  ])('recognizes "%s" with a high confidence', async (command) => {
    const result = await recognize(command);
    expect(result.text).toBe(command);
    // Twice the default threshold (stt.minConfidence 0.2): clearly a command, not a borderline one.
    expect(result.confidence).toBeGreaterThan(0.4);
  });

  it('gives a phrase outside the grammar forced into a command a low confidence', async () => {
    // The grammar decoder answers "tell me a joke" with a command; the phone loop shows it was something else.
    const result = await recognize('tell me a joke');
    expect(result.text).not.toBe('');
    expect(result.confidence).toBeLessThan(0.1);
  });

  it('gives no confidence with confidence off (one decoder only)', async () => {
    const result = await recognize(
      'turn left',
      createPocketsphinxStt({ grammarPath: 'examples/robot-commands.jsgf', confidence: false }),
    );
    expect(result).toEqual({ text: 'turn left' });
  });

  it('gives partial hypotheses before the final on a longer command', async () => {
    const audio = await speech('move forward three meters');
    const partials: string[] = [];
    const stream = stt.createStream({
      sampleRateHz: 16_000,
      onPartial: (p) => partials.push(p),
      signal: new AbortController().signal,
    });
    for (let i = 0; i < audio.byteLength; i += 640) stream.push(audio.subarray(i, i + 640));
    expect(partials.length).toBeGreaterThan(0);
    expect('move forward three meters'.startsWith(partials[0]!.split(' ')[0]!)).toBe(true);
    expect((await stream.finish()).text).toBe('move forward three meters');
  });

  it('judges each partial on the audio so far, and reports changed words again at the next check', async () => {
    const audio = await speech('stop');
    const reports: Array<{ text: string; confidence?: number; atMs: number }> = [];
    let pushedMs = 0;
    const stream = stt.createStream({
      sampleRateHz: 16_000,
      onPartial: (text, confidence) =>
        reports.push({ text, ...(confidence === undefined ? {} : { confidence }), atMs: pushedMs }),
      signal: new AbortController().signal,
    });
    for (let i = 0; i < audio.byteLength; i += 640) {
      stream.push(audio.subarray(i, i + 640));
      pushedMs += 20;
    }
    await stream.finish();
    const stops = reports.filter((r) => r.text === 'stop');
    expect(stops.length).toBeGreaterThanOrEqual(2);
    expect(stops.every((r) => typeof r.confidence === 'number' && r.confidence >= 0 && r.confidence <= 1)).toBe(true);
    // The check after the first "stop" (100 ms of audio later) reports it again, changed or not.
    expect(stops[1]!.atMs - stops[0]!.atMs).toBe(100);
    // An ordinary phrase forced into "stop" scores under the stop gate's minimum (0.1). Its own channel:
    // the recognizer's adaptation starts from the model's prior, not from the "stop" above.
    const joke = await speech('set an alarm for seven');
    const forced: number[] = [];
    const other = stt.createStream({
      sampleRateHz: 16_000,
      onPartial: (text, confidence) => void (text.endsWith('stop') && forced.push(confidence!)),
      signal: new AbortController().signal,
      channel: 'set an alarm',
    });
    for (let i = 0; i < joke.byteLength; i += 640) other.push(joke.subarray(i, i + 640));
    await other.finish();
    expect(forced.length).toBeGreaterThan(0);
    expect(forced.every((c) => c < 0.1)).toBe(true);
  });

  it(
    'says how much speech its words leave out: none after "stop" alone, most of a sentence the ' + 'grammar ends early',
    async () => {
      const decode = async (audio: Uint8Array, channel: string) => {
        const partials: Array<{ text: string; speechAfterMs?: number | undefined }> = [];
        const stream = stt.createStream({
          sampleRateHz: 16_000,
          channel,
          onPartial: (text, _confidence, detail) => partials.push({ text, speechAfterMs: detail?.speechAfterMs }),
          signal: new AbortController().signal,
        });
        for (let i = 0; i < audio.byteLength; i += 640) stream.push(audio.subarray(i, i + 640));
        return { partials, final: await stream.finish() };
      };
      const alone = await decode(await speech('stop'), 'stop alone');
      expect(alone.final).toMatchObject({ text: 'stop', speechAfterMs: 0 });
      // "stop" then a sentence the grammar has no words for: it keeps "stop" and calls the sentence silence.
      const [stop, sentence] = [await speech('halt'), await speech('it is a lovely day')];
      const both = new Uint8Array(stop.byteLength + sentence.byteLength);
      both.set(stop);
      both.set(sentence, stop.byteLength);
      const followed = await decode(both, 'halt, then a sentence');
      expect(followed.final.text).toBe('halt');
      expect(followed.final.speechAfterMs).toBeGreaterThan(800);
      // Said as the partial came, "halt" had nothing after it yet.
      expect(followed.partials.find((p) => p.text === 'halt')?.speechAfterMs).toBeLessThan(100);
    },
  );

  it('says how much of its final\'s last word is speech: most of a "stop" said', async () => {
    const final = async (audio: Uint8Array, channel: string) => {
      const stream = stt.createStream({
        sampleRateHz: 16_000,
        channel,
        onPartial: () => undefined,
        signal: new AbortController().signal,
      });
      for (let i = 0; i < audio.byteLength; i += 640) stream.push(audio.subarray(i, i + 640));
      return stream.finish();
    };
    const said = await final(await speech('stop'), 'stop said');
    expect(said.text).toBe('stop');
    expect(said.lastWordSpeechShare).toBeGreaterThan(0.5);
  });

  it(
    "gives a channel back its own decoder: another channel's noise decoded in between does not move " +
      'its transcript',
    async () => {
      const command = await speech('go to the kitchen');
      // White noise at -20 dBFS: the front end's noise estimate, kept in the decoder, follows it.
      let seed = 11;
      const noise = Int16Array.from({ length: 32_000 }, () =>
        Math.round(((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648 - 0.5) * 11_000),
      );
      const open = (engine: typeof stt, channel: string, audio: Uint8Array) => {
        const stream = engine.createStream({
          sampleRateHz: 16_000,
          channel,
          onPartial: () => undefined,
          signal: new AbortController().signal,
        });
        for (let i = 0; i < audio.byteLength; i += 640) stream.push(audio.subarray(i, i + 640));
        return stream;
      };
      const twice = async (engine: typeof stt) => [
        await open(engine, 'a', command).finish(),
        await open(engine, 'a', command).finish(),
      ];
      const alone = await twice(createPocketsphinxStt({ grammarPath: 'examples/robot-commands.jsgf' }));
      const shared = createPocketsphinxStt({ grammarPath: 'examples/robot-commands.jsgf' });
      // Both open at once (two decoders), "a" done first: the last decoder back to the pool is the one that heard the
      // noise.
      const first = open(shared, 'a', command);
      const other = open(shared, 'b', new Uint8Array(noise.buffer));
      const heard = [await first.finish()];
      await other.finish();
      heard.push(await open(shared, 'a', command).finish());
      expect(heard).toEqual(alone);
    },
  );

  it('names the apt packages when the library is missing, and checks its paths', () => {
    expect(() =>
      createPocketsphinxStt({ libraries: { pocketsphinx: 'libnope.so', sphinxbase: 'libnope.so' } }),
    ).toThrow(PocketsphinxError);
    expect(() =>
      createPocketsphinxStt({ libraries: { pocketsphinx: 'libnope.so', sphinxbase: 'libnope.so' } }),
    ).toThrow(/apt-get install -y libpocketsphinx3/);
    expect(() => createPocketsphinxStt({ grammarPath: '/nope.jsgf' })).toThrow(
      /grammar \(grammarPath\) not found at \/nope\.jsgf/,
    );
  });
});
