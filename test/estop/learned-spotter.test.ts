/**
 * The learned heads on a session's microphone blocks: a stop phrase goes to the stop spotter (which
 * publishes the e-stop), a yes inside an utterance becomes `stt.keyword`, a wake phrase opens listening in
 * `wake` mode only, and silence or noise does nothing. Real people's stops, when the recordings are there.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadHumanSpeech, readHumanClip } from '../../sim/human-speech.js';
import { loadKeywordEngine, type KeywordEngine } from '../../adapters/keyword/index.js';
import { createFliteTts } from '../../adapters/tts/flite.js';
import {
  createLearnedListener,
  createStopSpotter,
  type HeardBlock,
  type LearnedPhrases,
} from '../../actors/estop/index.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import type { ActivationMode } from '../../actors/activation-settings.js';

const PHRASES: LearnedPhrases = { stop: ['stop'], wake: ['hey robot'], answer: ['yes', 'no'] };

async function flite(text: string): Promise<Int16Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of createFliteTts({ voice: 'kal16' }).synthesize({
    text,
    signal: new AbortController().signal,
  }))
    parts.push(chunk);
  const pcm = Buffer.concat(parts);
  return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + (pcm.byteLength & ~1)));
}

/** A quiet room (about −70 dBFS) for `ms`. */
const quiet = (ms: number) => Int16Array.from({ length: ms * 16 }, (_, i) => ((i * 7919) % 21) - 10);

const blocksOf = (samples: Int16Array): HeardBlock[] => {
  const blocks: HeardBlock[] = [];
  for (let at = 0; at < samples.length; at += 320) {
    const frame = new Uint8Array(samples.slice(at, at + 320).buffer);
    blocks.push({ audio: frame, frames: [frame] });
  }
  return blocks;
};

function session(engine: KeywordEngine, mode: ActivationMode, utterance = () => '-') {
  const bus = createMessageBus(createMemoryTransport());
  const published: BusMessage[] = [];
  bus.subscribe(`${bus.prefix}.s1.>`, (m) => published.push(m));
  const learned = createLearnedListener({
    bus,
    sessionId: 's1',
    engine,
    phrases: PHRASES,
    mode,
    utterance,
    stopLeadDb: 15,
  });
  const stops = createStopSpotter({
    bus,
    sessionId: 's1',
    sampleRateHz: 16_000,
    spotters: [learned.stopSpotter],
    utterance,
  });
  return {
    published,
    async hear(...parts: Int16Array[]) {
      for (const part of parts)
        for (const block of blocksOf(part)) {
          stops.hear(block);
          learned.hear(block);
        }
      await learned.settled();
      await new Promise((resolve) => setImmediate(resolve));
    },
    stop() {
      stops.stop();
      learned.stop();
    },
  };
}

describe('the learned heads on the microphone', () => {
  let engine: KeywordEngine;
  beforeAll(async () => {
    engine = await loadKeywordEngine({ phrases: [...PHRASES.stop, ...PHRASES.wake, ...PHRASES.answer] });
  });

  it('a spoken stop publishes one e-stop, from the stop spotter', async () => {
    const s = session(engine, 'always');
    await s.hear(quiet(1500), await flite('stop'), quiet(800));
    expect(s.published.filter((m) => m.type === 'control.estop')).toMatchObject([
      { source: 'spotter', phrase: 'stop', turnId: '-' },
    ]);
    s.stop();
  });

  it('after a long quiet, the resting heads still stop on the phrase, having heard little of the quiet', async () => {
    const heardMs = { total: 0 };
    const counting: KeywordEngine = {
      ...engine,
      open() {
        const stream = engine.open();
        return {
          push: (samples) => ((heardMs.total += samples.length / 16), stream.push(samples)),
          close: () => stream.close?.(),
        };
      },
    };
    const s = session(counting, 'always');
    const said = await flite('stop');
    await s.hear(quiet(10_000), said, quiet(800));
    expect(s.published.filter((m) => m.type === 'control.estop')).toMatchObject([
      { source: 'spotter', phrase: 'stop' },
    ]);
    // 500 ms before the rest, the 1,280 ms lead-in, the phrase and 500 ms after it: not the 10 s of quiet.
    expect(heardMs.total).toBeLessThan(500 + 1280 + said.length / 16 + 800);
    s.stop();
  });

  it('a yes inside an utterance is told as stt.keyword for that utterance; outside one, not', async () => {
    const inside = session(engine, 'always', () => 'u4');
    await inside.hear(quiet(1500), await flite('yes'), quiet(800));
    expect(inside.published.filter((m) => m.type === 'stt.keyword')).toMatchObject([{ turnId: 'u4', phrase: 'yes' }]);
    inside.stop();
    const outside = session(engine, 'always');
    await outside.hear(quiet(1500), await flite('yes'), quiet(800));
    expect(outside.published.filter((m) => m.type === 'stt.keyword')).toEqual([]);
    outside.stop();
  });

  it('a wake phrase opens listening in wake mode, and does nothing in always', async () => {
    const said = await flite('hey robot');
    const wake = session(engine, 'wake');
    await wake.hear(quiet(1500), said, quiet(800));
    expect(wake.published.filter((m) => m.type === 'control.listen')).toMatchObject([
      { open: true, phrase: 'hey robot' },
    ]);
    wake.stop();
    const always = session(engine, 'always');
    await always.hear(quiet(1500), said, quiet(800));
    expect(always.published.filter((m) => m.type === 'control.listen')).toEqual([]);
    always.stop();
  });

  it('silence, loud noise and an ordinary sentence spot nothing', async () => {
    const s = session(engine, 'wake', () => 'u1');
    const noise = Int16Array.from({ length: 3 * 16_000 }, (_, i) =>
      Math.round(((Math.sin(i * 12.9898) * 43758.5453) % 1) * 8000),
    );
    await s.hear(
      quiet(2000),
      noise,
      await flite('we should go and sit at the table before the food gets cold'),
      quiet(800),
    );
    expect(s.published.filter((m) => ['control.estop', 'control.listen', 'stt.keyword'].includes(m.type))).toEqual([]);
    s.stop();
  });
});

const corpus = loadHumanSpeech();
describe.skipIf(!corpus.available)('the learned stop head on real people (../shared/speech/human)', () => {
  it(
    "stops on the noisy microphone's stops the phone loop never proposes, and on none of the noise " + 'recordings',
    async () => {
      const engine = await loadKeywordEngine({ phrases: ['stop'] });
      const heard = async (file: string) => {
        const s = session(engine, 'always');
        const clip = corpus.clips.find((c) => c.file === file)!;
        await s.hear(quiet(1500), readHumanClip(corpus, clip).samples, quiet(800));
        s.stop();
        return s.published.filter((m) => m.type === 'control.estop').length;
      };
      const noisy = corpus.clips.filter((c) => c.file.startsWith('1_words/fc_stop_')).map((c) => c.file);
      const stopped = (await Promise.all(noisy.map(heard))).filter((n) => n > 0).length;
      expect(stopped).toBeGreaterThanOrEqual(Math.ceil(noisy.length / 2));
      for (const clip of corpus.clips.filter((c) => c.category === '5_noise'))
        expect(await heard(clip.file), clip.file).toBe(0);
    },
  );
});
