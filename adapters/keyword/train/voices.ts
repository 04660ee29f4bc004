/**
 * The synthetic speakers a head is trained on: flite's four voices at three speeds and three pitches,
 * and eSpeak NG's English accents in each of its voice variants at seeded rates and pitches. Each
 * speaker says a text as 16 kHz samples.
 *
 * @example
 * ```ts
 * for (const speaker of trainingSpeakers(seededRandom(3))) samples.push(await speaker.say('stop'));
 * ```
 */
import { resampleAll } from '../../audio/resample.js';
import { checkEspeakInstalled, createEspeakTts } from '../../tts/espeak.js';
import { createFliteTts } from '../../tts/flite.js';
import type { TtsEngine } from '../../tts/types.js';
import type { Random } from './random.js';

export interface Speaker {
  name: string;
  say(text: string): Promise<Int16Array>;
}

const FLITE = [
  { voice: 'kal16', pitches: [undefined, 85, 135] },
  { voice: 'rms', pitches: [undefined, 85, 135] },
  { voice: 'awb', pitches: [undefined, 90, 140] },
  { voice: 'slt', pitches: [undefined, 150, 230] },
];
const FLITE_STRETCHES = [0.8, 1, 1.25];
const ESPEAK_ACCENTS = [
  'en-us',
  'en',
  'en-gb-scotland',
  'en-029',
  'en-us-nyc',
  'en-gb-x-rp',
  'en-gb-x-gbclan',
  'en-gb-x-gbcwmd',
];
const ESPEAK_VARIANTS = ['', '+m1', '+m2', '+m3', '+m4', '+m5', '+m6', '+m7', '+f1', '+f2', '+f3', '+f4', '+f5'];

function speaker(name: string, engine: TtsEngine): Speaker {
  return {
    name,
    async say(text) {
      const parts: Uint8Array[] = [];
      for await (const chunk of engine.synthesize({ text, signal: new AbortController().signal })) parts.push(chunk);
      const pcm = await resampleAll(new Uint8Array(Buffer.concat(parts)), engine.sampleRateHz, 16_000);
      return new Int16Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + (pcm.byteLength & ~1)));
    },
  };
}

/** Every training speaker: 36 of flite's, and 104 of eSpeak NG's when its optional package is installed. */
export function trainingSpeakers(rng: Random, options: { espeak?: boolean } = {}): Speaker[] {
  const flite = FLITE.flatMap(({ voice, pitches }) =>
    FLITE_STRETCHES.flatMap((durationStretch) =>
      pitches.map((pitchHz) =>
        speaker(
          `flite ${voice} ×${durationStretch}${pitchHz ? ` ${pitchHz} Hz` : ''}`,
          createFliteTts({ voice, durationStretch, ...(pitchHz ? { pitchHz } : {}) }),
        ),
      ),
    ),
  );
  if (options.espeak === false) return flite;
  try {
    checkEspeakInstalled();
  } catch {
    return flite;
  }
  const espeak = ESPEAK_ACCENTS.flatMap((accent) =>
    ESPEAK_VARIANTS.map((variant) => {
      const rateWpm = Math.round(rng.between(120, 230));
      const pitch = Math.round(rng.between(25, 75));
      return speaker(
        `espeak ${accent}${variant} ${rateWpm} ` + `wpm pitch ${pitch}`,
        createEspeakTts({ voice: `${accent}${variant}`, rateWpm, pitch }),
      );
    }),
  );
  return [...flite, ...espeak];
}
