import { beforeAll, describe, expect, it } from 'vitest';
import {
  clipEmbeddings,
  createFeatureStream,
  EMBEDDING_SIZE,
  HOP_SAMPLES,
  type FrontEnd,
} from '../../../adapters/keyword/front-end.js';
import { sharedFrontEnd } from '../../../adapters/keyword/engine.js';
import { createFliteTts } from '../../../adapters/tts/flite.js';

async function fliteSays(text: string): Promise<Int16Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of createFliteTts({ voice: 'kal16' }).synthesize({
    text,
    signal: new AbortController().signal,
  }))
    parts.push(chunk);
  const pcm = Buffer.concat(parts);
  return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + (pcm.byteLength & ~1)));
}

describe('the speech embedding front end', () => {
  let frontEnd: FrontEnd;
  let clip: Int16Array;
  beforeAll(async () => {
    frontEnd = await sharedFrontEnd();
    // A quiet lead (the mel model floors each call's quietest values), then speech, then a cut-off hop.
    const speech = await fliteSays('please stop the robot now');
    clip = new Int16Array(HOP_SAMPLES * 3 + speech.length + 700);
    clip.set(speech, HOP_SAMPLES * 3);
  });

  it('gives one embedding of 96 values per full 80 ms', async () => {
    const embeddings = await clipEmbeddings(frontEnd, clip);
    expect(embeddings).toHaveLength(Math.floor(clip.length / HOP_SAMPLES));
    for (const e of embeddings) expect(e).toHaveLength(EMBEDDING_SIZE);
  });

  it.each([320, 999, 1280, 4096])(
    'streams the same embeddings as the whole clip, fed %i samples at a time',
    async (piece) => {
      const whole = await clipEmbeddings(frontEnd, clip);
      const stream = createFeatureStream(frontEnd);
      const streamed: Float32Array[] = [];
      for (let at = 0; at < clip.length; at += piece)
        streamed.push(...(await stream.push(clip.subarray(at, at + piece))));
      expect(streamed).toHaveLength(whole.length);
      streamed.forEach((e, i) => expect(Array.from(e)).toEqual(Array.from(whole[i]!)));
      expect(stream.samplesPushed).toBe(clip.length);
    },
  );

  it('tells speech from silence', async () => {
    const embeddings = await clipEmbeddings(frontEnd, clip);
    const distance = (a: Float32Array, b: Float32Array) => Math.hypot(...Array.from(a, (v, i) => v - b[i]!));
    // Two hops of the quiet lead agree with each other far better than with a hop inside the speech.
    expect(distance(embeddings[1]!, embeddings[2]!)).toBeLessThan(distance(embeddings[2]!, embeddings[12]!));
  });
});
