/**
 * The learned keyword engine on a thread of its own: the same hops, scores and spottings as on the event
 * loop for audio pushed in 20 ms blocks, and a thread that stops fails its streams' blocks with a clear
 * error while a stream opened after it is scored on a new thread.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadKeywordEngine,
  loadKeywordEngineOnThread,
  type KeywordEngine,
  type ThreadedKeywordEngine,
} from '../../../adapters/keyword/index.js';
import { createFliteTts } from '../../../adapters/tts/flite.js';

const PHRASES = ['stop', 'yes', 'no'];
const opened: ThreadedKeywordEngine[] = [];
afterAll(() => Promise.all(opened.map((engine) => engine.close())));

async function flite(text: string): Promise<Int16Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of createFliteTts().synthesize({ text, signal: new AbortController().signal }))
    parts.push(chunk);
  const pcm = Buffer.concat(parts);
  return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + (pcm.byteLength & ~1)));
}

/** A quiet room (about −70 dBFS) for `ms`. */
const quiet = (ms: number) => Int16Array.from({ length: ms * 16 }, (_, i) => ((i * 7919) % 21) - 10);

/** Every block's result, in the order pushed, 20 ms at a time without waiting between them (as a session pushes). */
async function scoreAll(engine: KeywordEngine, samples: Int16Array) {
  const stream = engine.open();
  const results = [];
  for (let at = 0; at < samples.length; at += 320) results.push(stream.push(samples.subarray(at, at + 320)));
  return Promise.all(results);
}

describe('the learned keyword engine on a thread', () => {
  let here: KeywordEngine;
  let audio: Int16Array;
  beforeAll(async () => {
    here = await loadKeywordEngine({ phrases: PHRASES });
    const parts = [quiet(1500), await flite('stop'), quiet(800), await flite('yes'), quiet(800)];
    audio = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (audio.set(p, at), at + p.length), 0);
  });

  it('scores every hop as the engine on the event loop does, and spots the same phrases', async () => {
    const threaded = await loadKeywordEngineOnThread({ phrases: PHRASES });
    opened.push(threaded);
    expect(threaded.heads.map((h) => [h.phrase, h.windowFrames])).toEqual(
      here.heads.map((h) => [h.phrase, h.windowFrames]),
    );
    const onThread = await scoreAll(threaded, audio);
    expect(onThread).toEqual(await scoreAll(here, audio));
    expect(onThread.flatMap((r) => r.spotted.map((s) => s.phrase))).toEqual(['stop', 'yes']);
  });

  it('fails the blocks of a thread that stops, and scores a stream opened after it on a new thread', async () => {
    const entry = new URL('./crashing-keyword-thread.ts', import.meta.url);
    const engine = await loadKeywordEngineOnThread({ phrases: PHRASES }, entry);
    opened.push(engine);
    const crashing = Int16Array.from({ length: 1280 }, (_, i) => (i === 0 ? -32_768 : 0));
    await expect(engine.open().push(crashing)).rejects.toThrow(/the keyword thread stopped \(exit code 4\)/);
    expect(await scoreAll(engine, audio)).toEqual(await scoreAll(here, audio));
  });
});
