/**
 * Grammars to hear real speech through, and one utterance decoded as the STT actor streams it: the
 * robot's grammar (`examples/robot-commands.jsgf`) and two an integrator might bring
 * (`examples/grammars/`: digits, playing cards), each with which transcripts it holds, so a clip is *in*
 * a grammar when its transcript is a sentence of it.
 *
 * @example
 * ```ts
 * const robot = benchGrammars().find((g) => g.name === 'robot')!;
 * const heard = await decode(createPocketsphinxStt({ grammarPath: robot.path }), asVadUtterance(samples), 'speaker 1');
 * robot.holds(heard.text);
 * ```
 */
import { readFileSync } from 'node:fs';
import { jsgfSentences } from '../adapters/stt/jsgf-sentences.js';
import type { SttEngine, SttResult } from '../adapters/stt/types.js';

/** A grammar and which transcripts it holds (a JSGF with `+` has no finite sentence list to compare with). */
export interface BenchGrammar {
  name: string;
  path: string;
  holds: (transcript: string) => boolean;
}

const DIGIT = '(zero|oh|one|two|three|four|five|six|seven|eight|nine)';
const CARD = '(ace|two|three|four|five|six|seven|eight|nine|ten|jack|queen|king)( of (clubs|diamonds|hearts|spades))?';

/** The robot's grammar and two an integrator might bring; nothing in the recognizer was chosen on the latter two. */
export function benchGrammars(): BenchGrammar[] {
  const robot = new Set(jsgfSentences(readFileSync('examples/robot-commands.jsgf', 'utf8')));
  return [
    { name: 'robot', path: 'examples/robot-commands.jsgf', holds: (t) => robot.has(t) },
    {
      name: 'digits',
      path: 'examples/grammars/digits.jsgf',
      holds: (t) => new RegExp(`^${DIGIT}( ${DIGIT})*$`).test(t),
    },
    { name: 'cards', path: 'examples/grammars/cards.jsgf', holds: (t) => new RegExp(`^${CARD}( ${CARD})*$`).test(t) },
  ];
}

/** One utterance (16 kHz) as the STT actor streams it: 20 ms frames, then the final. */
export async function decode(engine: SttEngine, samples: Int16Array, channel: string): Promise<SttResult> {
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const stream = engine.createStream({
    sampleRateHz: 16_000,
    channel,
    onPartial: () => undefined,
    signal: new AbortController().signal,
  });
  for (let i = 0; i < bytes.byteLength; i += 640) stream.push(bytes.subarray(i, i + 640));
  return stream.finish();
}
