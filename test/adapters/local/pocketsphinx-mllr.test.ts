/**
 * The shipped MLLR transform (`examples/en-us-grammar.mllr`, `stt.mllrPath`'s default) is applied to the
 * grammar decoder and does what it was made for: eSpeak's West Midlands English — an accent the transform
 * was not estimated on, one of the grammar benchmark's voices that chose nothing — speaks every command
 * of the robot grammar, and the adapted decoder gets far more of them exactly than the plain one (here
 * 48 against 25 of 59; 38–43 against 19–21 of the 52 before the stop and answer words, depending on
 * order). A missing transform names the setting.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resampleAll } from '../../../adapters/audio/resample.js';
import { jsgfSentences } from '../../../adapters/stt/jsgf-sentences.js';
import { createPocketsphinxStt, PocketsphinxError } from '../../../adapters/stt/pocketsphinx.js';
import type { SttEngine } from '../../../adapters/stt/types.js';
import { createEspeakTts } from '../../../adapters/tts/espeak.js';
import { DEFAULT_GRAMMAR_MLLR } from '../../../runtime/config.js';

const GRAMMAR = 'examples/robot-commands.jsgf';
const voice = createEspeakTts({ voice: 'en-gb-x-gbcwmd', rateWpm: 160, pitch: 50 });

/** 16 kHz speech with 200 ms of silence around it, as the VAD passes an utterance. */
async function speech(text: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of voice.synthesize({ text, signal: new AbortController().signal })) parts.push(chunk);
  const pcm = await resampleAll(new Uint8Array(Buffer.concat(parts)), voice.sampleRateHz, 16_000);
  const padded = new Uint8Array(pcm.byteLength + 12_800);
  padded.set(pcm, 6400);
  return padded;
}

async function recognize(engine: SttEngine, audio: Uint8Array): Promise<string> {
  const stream = engine.createStream({
    sampleRateHz: 16_000,
    onPartial: () => undefined,
    signal: new AbortController().signal,
  });
  for (let i = 0; i < audio.byteLength; i += 640) stream.push(audio.subarray(i, i + 640));
  return (await stream.finish()).text;
}

describe('pocketsphinx with the shipped MLLR transform', () => {
  it('recognizes far more commands of an accent it was not estimated on', async () => {
    // One decoder each, hearing the same utterances in the same order: a decoder's cepstral mean follows
    // what it heard (live CMN), so single utterances flip either way; the whole command set does not.
    const adapted = createPocketsphinxStt({ grammarPath: GRAMMAR, confidence: false, mllrPath: DEFAULT_GRAMMAR_MLLR });
    const plain = createPocketsphinxStt({ grammarPath: GRAMMAR, confidence: false });
    const commands = jsgfSentences(readFileSync(GRAMMAR, 'utf8'));
    let adaptedExact = 0;
    let plainExact = 0;
    for (const command of commands) {
      const audio = await speech(command);
      if ((await recognize(adapted, audio)) === command) adaptedExact++;
      if ((await recognize(plain, audio)) === command) plainExact++;
    }
    expect(commands).toHaveLength(59);
    expect(adaptedExact).toBeGreaterThanOrEqual(35);
    expect(adaptedExact - plainExact).toBeGreaterThanOrEqual(10);
  }, 60_000);

  it('names stt.mllrPath when the transform is missing', () => {
    expect(() => createPocketsphinxStt({ grammarPath: GRAMMAR, mllrPath: '/nope.mllr' })).toThrow(PocketsphinxError);
    expect(() => createPocketsphinxStt({ grammarPath: GRAMMAR, mllrPath: '/nope.mllr' })).toThrow(
      /MLLR transform \(mllrPath\) not found at \/nope\.mllr: check stt\.mllrPath/,
    );
  });
});
