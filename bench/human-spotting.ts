/**
 * The microphone's spotters on recordings of real people (`../shared/speech/human`, MANIFEST.tsv) and on
 * synthetic voices, each set in its own rows, as one session's microphone hears them (one stream, 20 ms
 * frames; a synthetic clip framed by 0.5 s of silence before and 1 s after, a recording by its own room
 * tone, 1.5 s before and 1 s after: `sim/room-tone.ts`):
 *
 * - **estop** (`--scenario estop`): the product's stop spotter (`session.estop.spotter`, the shipped
 *   thresholds): stops delivered per speaker group, with the delay from the phrase's last sample (over
 *   −40 dBFS) to the frame that published it, in audio time (what the spotter waits for; its CPU per
 *   frame is reported apart); false stops on every clip without a stop phrase (words, commands,
 *   sentences, noise); CPU and memory per session.
 * - **wake** (`--scenario wake`): a wake spotter with the wake phrases the recordings hold ("computer",
 *   "hey computer", "jarvis", "alexa") at the shipped wake settings: detected per phrase; false wakes per
 *   hour of the other recordings (speech and noise).
 *
 * The stop spotter hears each clip as the product's does: after the session's input conditioning
 * (`audio.highPassHz`, `audio.agc`, `audio.noiseSuppression` as configured; the recordings have no echo to
 * cancel), which the VAD actor runs before every spotter; so do the wake rows.
 *
 * Nothing here was tuned on these recordings: they are held out; the thresholds were chosen on the
 * synthetic voices (docs/activation.md).
 */
import { loadHumanSpeech, readHumanClip, type HumanClip } from '../sim/human-speech.js';
import { type KeywordSpotter, normalizePhrase } from '../adapters/spotter/index.js';
import { loadConfig } from '../runtime/config.js';
import { buildKeywordSpotter, buildStopSpotter } from '../runtime/engines.js';
import { buildGrammarCorpus, corpusVoices } from './grammar-corpus.js';
import { ESTOP_PHRASES } from './estop-scenario.js';
import { percentile, round, shuffleInPlace } from './stats.js';
import { speakPhrases } from '../sim/estop-audio.js';
import { withRoomTone, withSilence } from '../sim/room-tone.js';
import { lastSampleMs, type Clip } from '../sim/clip.js';
import {
  conditionedWithLevels,
  microphoneConditioning,
  ROOM_BEFORE_MS,
  type Conditioning,
} from '../sim/microphone-conditioning.js';

const RATE_HZ = 16_000;
const FRAME_SAMPLES = RATE_HZ / 50;
const BEFORE_MS = 500;
const AFTER_MS = 1000;
/** Wake phrases the real recordings hold. */
export const REAL_WAKE_PHRASES = ['computer', 'hey computer', 'jarvis', 'alexa'];

export interface SpottingRow {
  scenario: 'estop-spotter' | 'wake-real';
  voices: 'real' | 'synthetic';
  group: string;
  /** Clips with the phrase, and how many were spotted. */
  phrases: number;
  spotted: number;
  /** From the phrase's last sample to the frame that published it (audio ms; negative: before it ended). */
  p50Ms?: number;
  p95Ms?: number;
  maxMs?: number;
  /** Clips without the phrase, how many were falsely spotted, and their audio (s). */
  others: number;
  falseSpots: number;
  otherAudioS: number;
  falsePerHour: number;
  cpuMsPerAudioS?: number;
  missed?: string[];
}

export interface Heard {
  clip: Clip;
  /** Spotted phrases with when (audio ms from the phrase's last sample). */
  spots: Array<{ phrase: string; afterEndMs: number }>;
}

/** Every clip through one stream of `spotter`, as one session's microphone (after `condition`, when given). */
export function hearAll(
  spotter: KeywordSpotter,
  clips: Clip[],
  condition?: Conditioning,
): { heard: Heard[]; cpuUs: number; audioS: number } {
  const stream = spotter.createStream();
  const heard: Heard[] = [];
  let cpuUs = 0;
  let audioS = 0;
  for (const clip of clips) {
    // A room is heard for longer than the noise gauge's second before its clip (`room-tone.ts`).
    const [before, after] = [
      (clip.roomTone ? ROOM_BEFORE_MS : BEFORE_MS) * (RATE_HZ / 1000),
      AFTER_MS * (RATE_HZ / 1000),
    ];
    const padded = clip.roomTone
      ? withRoomTone(clip.samples, before, after, RATE_HZ)
      : withSilence(clip.samples, before, after);
    // Conditioned before the spotter's CPU is measured: the conditioning runs for the VAD whatever hears it.
    const { audio, levels } = condition
      ? conditionedWithLevels(padded, condition)
      : { audio: padded, levels: undefined };
    const endMs = before / (RATE_HZ / 1000) + lastSampleMs(clip.samples);
    const spots: Heard['spots'] = [];
    const started = process.cpuUsage();
    for (let at = 0; at + FRAME_SAMPLES <= audio.length; at += FRAME_SAMPLES) {
      const frame = new Uint8Array(audio.buffer, audio.byteOffset + at * 2, FRAME_SAMPLES * 2);
      // As the VAD actor hands them on: the frame's levels (RNNoise's input) with it.
      const before =
        levels &&
        new Uint8Array(
          levels.buffer,
          levels.byteOffset + at * 2,
          Math.max(0, Math.min(FRAME_SAMPLES, levels.length - at)) * 2,
        );
      for (const x of stream.push(frame, before).slice(0, 1))
        spots.push({ phrase: x.phrase, afterEndMs: ((at + FRAME_SAMPLES) / RATE_HZ) * 1000 - endMs });
    }
    const used = process.cpuUsage(started);
    cpuUs += used.user + used.system;
    audioS += audio.length / RATE_HZ;
    heard.push({ clip, spots });
  }
  stream.close();
  return { heard, cpuUs, audioS };
}

/**
 * The clips in `orders` orders: the given one first, then shuffles with a fixed seed. One stream hears
 * every clip in turn, and the search's cepstral mean and the front end's noise estimate carry one
 * recording's room and microphone into the next, so a clip's verdict can depend on the clip before it.
 */
export function inOrders<T>(items: readonly T[], orders: number): T[][] {
  let seed = 1;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
  return [[...items], ...Array.from({ length: Math.max(0, orders - 1) }, () => shuffleInPlace([...items], random))];
}

/** The totals (`all`) row of each further order of the same clips, grouped `all, order k/n`. */
function rowsInOtherOrders(
  scenario: SpottingRow['scenario'],
  spotter: KeywordSpotter,
  clips: Clip[],
  orders: number,
  condition: Conditioning | undefined,
  progress: (line: string) => void,
): SpottingRow[] {
  return inOrders(clips, orders)
    .slice(1)
    .map((order, i) => {
      progress(`  ${scenario}: the real recordings in order ${i + 2}/${orders} (shuffled)`);
      return {
        ...rowsOf(scenario, 'real', hearAll(spotter, order, condition), () => true).at(-1)!,
        group: `all, order ${i + 2}/${orders}`,
      };
    });
}

function rowsOf(
  scenario: SpottingRow['scenario'],
  voices: SpottingRow['voices'],
  run: ReturnType<typeof hearAll>,
  matches: (clip: Clip, phrase: string) => boolean,
): SpottingRow[] {
  const groups = [...new Set(run.heard.filter((h) => h.clip.phrase).map((h) => h.clip.group)), 'all'];
  const cpuMsPerAudioS = round(run.cpuUs / 1000 / run.audioS, 2);
  return groups.map((group) => {
    const mine = run.heard.filter((h) => group === 'all' || h.clip.group === group);
    const withPhrase = mine.filter((h) => h.clip.phrase);
    const delays = withPhrase
      .flatMap((h) =>
        h.spots
          .filter((s) => matches(h.clip, s.phrase))
          .slice(0, 1)
          .map((s) => s.afterEndMs),
      )
      .sort((a, b) => a - b);
    const others = group === 'all' ? run.heard.filter((h) => !h.clip.phrase) : [];
    const otherAudioS = others.reduce((sum, h) => sum + h.clip.samples.length / RATE_HZ, 0);
    const falseSpots = others.filter((h) => h.spots.length > 0).length;
    return {
      scenario,
      voices,
      group,
      phrases: withPhrase.length,
      spotted: delays.length,
      ...(delays.length > 0
        ? { p50Ms: round(percentile(delays, 50)), p95Ms: round(percentile(delays, 95)), maxMs: round(delays.at(-1)!) }
        : {}),
      others: others.length,
      falseSpots,
      otherAudioS: round(otherAudioS, 1),
      falsePerHour: otherAudioS > 0 ? round((falseSpots / otherAudioS) * 3600, 1) : 0,
      ...(group === 'all' ? { cpuMsPerAudioS } : {}),
      missed: withPhrase.filter((h) => !h.spots.some((s) => matches(h.clip, s.phrase))).map((h) => h.clip.name),
    };
  });
}

const speakerGroup = (clip: HumanClip) =>
  clip.speaker.startsWith('an4:') ? 'an4 (17 speakers)' : clip.speaker.split(' ')[0]!;

/** The stop spotter's rows: real recordings (per speaker group), then synthetic voices. */
export async function runStopSpotterRows(
  options: { quick: boolean; noiseSuppression?: boolean | 'auto'; orders?: number },
  progress: (line: string) => void,
): Promise<{ spotting: SpottingRow[]; real?: { clips: Clip[]; heard: Heard[] } }> {
  const config = loadConfig(
    options.noiseSuppression !== undefined
      ? { overrides: { audio: { noiseSuppression: options.noiseSuppression } } }
      : {},
  );
  let real: { clips: Clip[]; heard: Heard[] } | undefined;
  const spotter = buildStopSpotter(config)!;
  const stops = ESTOP_PHRASES.map(normalizePhrase);
  const saysStop = (text: string) => stops.find((p) => ` ${normalizePhrase(text)} `.includes(` ${p} `));
  const rows: SpottingRow[] = [];
  const corpus = loadHumanSpeech();
  if (!corpus.available) progress(`  estop spotter, real speech: skipped: ${corpus.reason}`);
  else {
    progress(`  estop spotter: ${corpus.clips.length} real recordings`);
    const clips = corpus.clips.map((c): Clip => {
      const phrase = saysStop(c.transcript);
      return {
        name: `${c.file} (${c.speaker})`,
        group: speakerGroup(c),
        speaker: c.speaker,
        samples: readHumanClip(corpus, c).samples,
        roomTone: true,
        ...(phrase ? { phrase } : {}),
      };
    });
    const conditioning = await microphoneConditioning(config);
    const run = hearAll(spotter, clips, conditioning);
    rows.push(...rowsOf('estop-spotter', 'real', run, () => true));
    rows.push(...rowsInOtherOrders('estop-spotter', spotter, clips, options.orders ?? 1, conditioning, progress));
    real = { clips, heard: run.heard };
  }
  const voices = corpusVoices().voices.slice(0, options.quick ? 3 : undefined);
  progress(
    `  estop spotter: synthetic voices (${voices.length}): the stop phrases, the grammar's commands and other ` +
      `phrases`,
  );
  const said = await speakPhrases(voices, ESTOP_PHRASES, [RATE_HZ]);
  const corpusUtterances = await buildGrammarCorpus('examples/robot-commands.jsgf', voices);
  const synthetic: Clip[] = [
    ...said.map((p): Clip => ({
      name: `${p.voice}: ${p.text}`,
      group: 'synthetic',
      samples: p.byRate.get(RATE_HZ)!,
      phrase: normalizePhrase(p.text),
    })),
    ...corpusUtterances.map((u): Clip => {
      const phrase = saysStop(u.text);
      return { name: `${u.voice}: ${u.text}`, group: 'synthetic', samples: u.samples, ...(phrase ? { phrase } : {}) };
    }),
  ];
  rows.push(
    ...rowsOf(
      'estop-spotter',
      'synthetic',
      hearAll(spotter, synthetic, await microphoneConditioning(config)),
      () => true,
    ).filter((r) => r.group === 'all'),
  );
  // RNNoise always or never: rows of their own; the shipped conditioning's (auto) are the figures the docs give.
  const suffix =
    options.noiseSuppression === true ? ', RNNoise' : options.noiseSuppression === false ? ', RNNoise off' : '';
  const spotting = rows.map((r) => ({ ...r, group: `${r.group}${suffix}` }));
  return { spotting, ...(real ? { real } : {}) };
}

/** The wake spotter's rows on real speakers: "computer", "hey computer", "jarvis", "alexa". */
export async function runRealWakeRows(progress: (line: string) => void, orders = 1): Promise<SpottingRow[]> {
  const corpus = loadHumanSpeech();
  if (!corpus.available) {
    progress(`  wake, real speech: skipped: ${corpus.reason}`);
    return [];
  }
  const config = loadConfig({
    overrides: { session: { activation: { mode: 'wake', wakePhrases: REAL_WAKE_PHRASES } } },
  });
  const spotter = buildKeywordSpotter(config)!;
  const wakes = REAL_WAKE_PHRASES.map(normalizePhrase);
  progress(`  wake: ${corpus.clips.length} real recordings, wake phrases ${wakes.join(', ')}`);
  const clips = corpus.clips.map((c): Clip => {
    const phrase = wakes.find((w) => normalizePhrase(c.transcript) === w);
    return {
      name: `${c.file} (${c.speaker})`,
      group: phrase ?? 'other',
      samples: readHumanClip(corpus, c).samples,
      roomTone: true,
      ...(phrase ? { phrase } : {}),
    };
  });
  const conditioning = await microphoneConditioning(config);
  const run = hearAll(spotter, clips, conditioning);
  const halves = speakerHalves(corpus.clips);
  const inHalf = (half: string) => ({
    ...run,
    heard: run.heard.filter((_, i) => halves[i] === half).map((h) => ({ ...h, clip: { ...h.clip, group: half } })),
  });
  // "hey computer" spotted as "computer" wakes it all the same.
  return [
    ...rowsOf('wake-real', 'real', run, () => true),
    // Each half's totals: rowsOf's last row is every clip it was given.
    ...HALVES.map((half) => ({ ...rowsOf('wake-real', 'real', inHalf(half), () => true).at(-1)!, group: half })),
    ...rowsInOtherOrders('wake-real', spotter, clips, orders, conditioning, progress),
  ];
}

const HALVES = ['half A (choose)', 'half B (held out)'] as const;

/**
 * Two halves of the real speakers, so that a setting chosen on one is judged on the other: el-tocino's
 * recordings in A, Kris Gesling's in B; the crowd-sourced wake words (one speaker each, ids not published)
 * and the recordings without a wake phrase alternate, in the manifest's order, within each transcript.
 */
function speakerHalves(clips: readonly HumanClip[]): Array<(typeof HALVES)[number]> {
  const seen = new Map<string, number>();
  return clips.map((c) => {
    if (c.speaker.startsWith('pcd:el-tocino')) return HALVES[0];
    if (c.speaker.startsWith('pcd:Kris Gesling')) return HALVES[1];
    const key = c.category === '4_wake' ? c.transcript : 'other';
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return HALVES[n % 2]!;
  });
}

export function printSpotting(rows: SpottingRow[]): void {
  console.log("\nspotters on the microphone (audio ms from the phrase's last sample; false: clips without the phrase)");
  console.log(
    'scenario       voices     group                 spotted   p50   p95   max  false/others  per hour  cpu ms/s',
  );
  for (const r of rows)
    console.log(
      `${r.scenario.padEnd(14)} ${r.voices.padEnd(10)} ${r.group.slice(0, 21).padEnd(21)} ` +
        `${`${r.spotted}/${r.phrases}`.padStart(7)} ${String(r.p50Ms ?? '-').padStart(5)} ` +
        `${String(r.p95Ms ?? '-').padStart(5)} ${String(r.maxMs ?? '-').padStart(5)} ` +
        `${`${r.falseSpots}/${r.others}`.padStart(13)} ${String(r.falsePerHour).padStart(9)} ` +
        `${String(r.cpuMsPerAudioS ?? '').padStart(9)}`,
    );
  for (const r of rows)
    if (r.missed && r.missed.length > 0 && !r.group.startsWith('all') && !r.group.startsWith('half'))
      console.log(`  missed (${r.scenario} ${r.group}): ${r.missed.join('; ')}`);
}
