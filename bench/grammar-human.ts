/**
 * The grammar recognizer on recordings of real people (`../shared/speech/human`, read in place:
 * `sim/human-speech.ts`) and on an integrator's own grammars, reported apart from the
 * synthetic voices. Each clip is conditioned as a session's microphone conditions it, after hearing the
 * clip's room (`conditionedInRoom`: the high-pass, and RNNoise where `audio.noiseSuppression: "auto"` finds
 * the room loud), then goes to pocketsphinx as the VAD would pass it (`asVadUtterance`), once per
 * grammar: the robot's, a digit grammar and a playing-card grammar (`examples/grammars/`). A clip is *in*
 * a grammar when its transcript is a sentence of it; every other clip — words outside it, read sentences,
 * wake words, noise alone — is speech (or noise) that must not become a command.
 *
 * @example
 * ```ts
 * const rows = await humanGrammarRows(0.2, console.log); // [] with a message when the recordings are absent
 * ```
 */
import { loadHumanSpeech, readHumanClip, type HumanClip, type HumanSpeechCategory } from '../sim/human-speech.js';
import { createPocketsphinxStt } from '../adapters/stt/pocketsphinx.js';
import type { SttResult } from '../adapters/stt/types.js';
import { DEFAULT_GRAMMAR_MLLR, loadConfig } from '../runtime/config.js';
import { benchGrammars, decode } from '../sim/grammars.js';
import { conditionedInRoom, microphoneConditioning } from '../sim/microphone-conditioning.js';

/** What a clip was, for the rows: in the grammar, or which kind of thing outside it. */
export type HumanGroup =
  'in grammar' | 'words outside' | 'phrases outside' | 'sentences' | 'wake words' | 'noise alone';

const GROUP_OF: Record<HumanSpeechCategory, HumanGroup> = {
  '1_words': 'words outside',
  '2_commands': 'phrases outside',
  '3_sentences': 'sentences',
  '4_wake': 'wake words',
  '5_noise': 'noise alone',
};

export interface HumanClipResult {
  grammar: string;
  clip: HumanClip;
  group: HumanGroup;
  heard: SttResult;
}

export interface GrammarHumanRow {
  scenario: 'grammar-human';
  grammar: string;
  group: HumanGroup;
  minConfidence: number;
  clips: number;
  /**
   * In grammar: transcribed as said and accepted. Outside: accepted as a command (a transcript at or above the
   * threshold).
   */
  count: number;
  percent: number;
  /** Outside, accepted: what they became (`"right" → turn right 0.34`). */
  examples: string[];
}

const accepted = (heard: SttResult, threshold: number) => heard.text !== '' && (heard.confidence ?? 1) >= threshold;

/** Every real clip through every grammar (`asVad`: the utterance as the VAD would pass it). */
export async function decodeHumanCorpus(
  asVad: (samples: Int16Array) => Int16Array,
  progress: (line: string) => void,
): Promise<HumanClipResult[]> {
  const corpus = loadHumanSpeech();
  if (!corpus.available) {
    progress(`  real voices skipped: ${corpus.reason}`);
    return [];
  }
  const results: HumanClipResult[] = [];
  const config = loadConfig();
  for (const grammar of benchGrammars()) {
    progress(`  real voices: ${corpus.clips.length} recordings through the ${grammar.name} grammar`);
    const stt = createPocketsphinxStt({ grammarPath: grammar.path, mllrPath: DEFAULT_GRAMMAR_MLLR });
    for (const clip of corpus.clips) {
      const { samples } = readHumanClip(corpus, clip);
      // A fresh microphone per clip: each recording is a room of its own.
      const condition = await microphoneConditioning(config);
      const audio = condition ? conditionedInRoom({ samples, roomTone: true }, condition) : samples;
      // The speaker's channel: their utterances adapt the recognizer for them only, as a session's do.
      const heard = await decode(stt, asVad(audio), `${grammar.name} ${clip.speaker}`);
      results.push({
        grammar: grammar.name,
        clip,
        group: grammar.holds(clip.transcript) ? 'in grammar' : GROUP_OF[clip.category],
        heard,
      });
    }
  }
  return results;
}

export function humanRows(results: HumanClipResult[], minConfidence: number): GrammarHumanRow[] {
  const rows: GrammarHumanRow[] = [];
  for (const grammar of [...new Set(results.map((r) => r.grammar))]) {
    for (const group of [
      'in grammar',
      'words outside',
      'phrases outside',
      'sentences',
      'wake words',
      'noise alone',
    ] as const) {
      const mine = results.filter((r) => r.grammar === grammar && r.group === group);
      if (mine.length === 0) continue;
      const inGrammar = group === 'in grammar';
      const hits = mine.filter(
        (r) => (inGrammar ? r.heard.text === r.clip.transcript : true) && accepted(r.heard, minConfidence),
      );
      rows.push({
        scenario: 'grammar-human',
        grammar,
        group,
        minConfidence,
        clips: mine.length,
        count: hits.length,
        percent: Math.round((1000 * hits.length) / mine.length) / 10,
        examples: inGrammar
          ? []
          : hits.map((r) =>
              `"${r.clip.transcript || r.clip.file}" → ${r.heard.text} ${r.heard.confidence ?? ''}`.trim(),
            ),
      });
    }
  }
  return rows;
}

export function printHumanRows(rows: GrammarHumanRow[]): void {
  if (rows.length === 0) return;
  console.log(
    `\nReal voices (recordings of people, ../shared/speech/human, as a session's microphone hears them), at ` +
      `minConfidence ${rows[0]!.minConfidence}\n`,
  );
  console.log('| grammar | clips | in grammar: recognized exactly / outside: accepted as a command |');
  console.log('| --- | --- | --- |');
  for (const r of rows)
    console.log(`| ${r.grammar}: ${r.group} | ${r.clips} | ${r.count}/${r.clips} = ${r.percent} % |`);
  const outside = rows.filter((r) => r.group !== 'in grammar');
  for (const grammar of [...new Set(rows.map((r) => r.grammar))]) {
    const mine = outside.filter((r) => r.grammar === grammar);
    const [n, hit] = [mine.reduce((s, r) => s + r.clips, 0), mine.reduce((s, r) => s + r.count, 0)];
    console.log(
      `  ${grammar}: everything outside ${hit}/${n} = ${Math.round((1000 * hit) / Math.max(1, n)) / 10} % accepted`,
    );
    for (const r of mine) for (const e of r.examples) console.log(`    ${r.group}: ${e}`);
  }
}
