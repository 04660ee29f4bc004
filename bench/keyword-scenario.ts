/**
 * `--scenario keyword`: learned keyword heads on recordings of real people (the evaluation share,
 * `../shared/speech/human`, never trained on), each clip in a fresh stream after 1.3 s of a quiet room:
 *
 * - the project's heads (`heads/`) for the e-stop phrases, yes and no, and the wake phrases;
 * - beside them, openWakeWord's pretrained `alexa`, `hey_jarvis` and `hey_mycroft` (fetched on request:
 *   `voice-agent models openwakeword-heads`), each at its default threshold (0.5), on the same clips.
 *
 * A row: the clips that say the phrase and were spotted, the other clips spotted (false accepts), and
 * CPU per second of audio. Clips of the Mycroft community (`pcd_*`) are counted apart: some of their
 * speakers may also speak in the training share.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadHumanSpeech, readHumanClip, type HumanClip } from '../sim/human-speech.js';
import { loadKeywordEngine, type KeywordEngine } from '../adapters/keyword/engine.js';
import { HOP_SAMPLES } from '../adapters/keyword/front-end.js';
import { PRETRAINED_HEADS, shippedHeadsDir } from '../adapters/keyword/model-files.js';
import { headFileName } from '../adapters/keyword/head-names.js';
import { modelsDir } from '../adapters/model-files.js';

export interface KeywordRow {
  head: string;
  /** `project` (heads/) or `openWakeWord` (pretrained). */
  source: 'project' | 'openWakeWord';
  phrase: string;
  detected: number;
  positives: number;
  falseAccepts: number;
  negatives: number;
  /** The same for the Mycroft community's clips (speakers possibly in the training share). */
  mycroft: { detected: number; positives: number; falseAccepts: number; negatives: number };
  cpuMsPerAudioS: number;
}

/** Which clips say each phrase: the clip's words end with it ("hey computer" says "computer"). */
const says = (clip: HumanClip, phrase: string) => ` ${clip.transcript} `.includes(` ${phrase} `);

/** The phrases a project head is measured on, and the pretrained head each is set beside. */
const PROJECT_PHRASES = [
  'stop',
  'halt',
  'emergency stop',
  'yes',
  'no',
  'hey robot',
  'computer',
  'jarvis',
  'alexa',
  'hey mycroft',
];
/** openWakeWord's "hey jarvis" is measured on clips that say "jarvis" (as the project's "jarvis" head is). */
const MEASURED_AS: Record<string, string> = { 'hey jarvis': 'jarvis' };

const LEAD_SAMPLES = Math.ceil(1.3 * 16_000);
const TAIL_SAMPLES = 8_000;

function quietRoom(length: number, seed: number): Int16Array {
  // Why ±10 (≈ −70 dBFS): a quiet room through a microphone, not digital zero.
  let state = seed >>> 0 || 1;
  return Int16Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.round((state / 0x1_0000_0000 - 0.5) * 20);
  });
}

async function spotsIn(engine: KeywordEngine, samples: Int16Array): Promise<Set<string>> {
  const stream = engine.open();
  const audio = new Int16Array(LEAD_SAMPLES + samples.length + TAIL_SAMPLES);
  audio.set(quietRoom(LEAD_SAMPLES, 7));
  audio.set(samples, LEAD_SAMPLES);
  audio.set(quietRoom(TAIL_SAMPLES, 11), LEAD_SAMPLES + samples.length);
  const spotted = new Set<string>();
  for (let at = 0; at < audio.length; at += HOP_SAMPLES) {
    for (const s of (await stream.push(audio.subarray(at, at + HOP_SAMPLES))).spotted)
      if (s.endMs * 16 > LEAD_SAMPLES) spotted.add(s.phrase);
  }
  return spotted;
}

export async function runKeywordScenario(progress: (line: string) => void = () => {}): Promise<KeywordRow[]> {
  const corpus = loadHumanSpeech();
  if (!corpus.available) {
    progress(`keyword: ${corpus.reason}`);
    return [];
  }
  const heads: Record<string, string> = {};
  const sources: Record<string, KeywordRow['source']> = {};
  for (const phrase of PROJECT_PHRASES) {
    const path = join(shippedHeadsDir(), headFileName(phrase));
    if (!existsSync(path)) continue;
    heads[phrase] = path;
    sources[phrase] = 'project';
  }
  for (const head of PRETRAINED_HEADS) {
    const path = join(modelsDir(), 'openwakeword', head.fileName);
    const key = `openWakeWord ${head.phrase}`;
    if (!existsSync(path)) {
      progress(`keyword: ${path} is absent (voice-agent models openwakeword-heads): its row is left out`);
      continue;
    }
    heads[key] = path;
    sources[key] = 'openWakeWord';
  }
  const names = Object.keys(heads);
  const engines = new Map<string, KeywordEngine>();
  for (const name of names)
    engines.set(name, await loadKeywordEngine({ phrases: [name], heads: { [name]: heads[name]! } }));
  const clips = corpus.clips.map((clip) => ({ clip, samples: readHumanClip(corpus, clip).samples }));
  const audioS = clips.reduce((sum, c) => sum + (c.samples.length + LEAD_SAMPLES + TAIL_SAMPLES) / 16_000, 0);
  const rows: KeywordRow[] = [];
  for (const name of names) {
    const engine = engines.get(name)!;
    const phrase = name.replace(/^openWakeWord /, '');
    const measured = MEASURED_AS[phrase] ?? phrase;
    const row: KeywordRow = {
      head:
        sources[name] === 'project'
          ? `heads/${headFileName(phrase)}`
          : PRETRAINED_HEADS.find((h) => h.phrase === phrase)!.fileName,
      source: sources[name]!,
      phrase: measured,
      detected: 0,
      positives: 0,
      falseAccepts: 0,
      negatives: 0,
      mycroft: { detected: 0, positives: 0, falseAccepts: 0, negatives: 0 },
      cpuMsPerAudioS: 0,
    };
    const cpuStart = process.cpuUsage();
    for (const { clip, samples } of clips) {
      const spotted = (await spotsIn(engine, samples)).has(name);
      const tally = clip.file.includes('/pcd_') ? row.mycroft : row;
      if (says(clip, measured)) {
        tally.positives += 1;
        if (spotted) tally.detected += 1;
      } else {
        tally.negatives += 1;
        if (spotted) tally.falseAccepts += 1;
      }
    }
    const cpu = process.cpuUsage(cpuStart);
    row.cpuMsPerAudioS = Math.round(((cpu.user + cpu.system) / 1000 / audioS) * 10) / 10;
    rows.push(row);
    progress(
      `keyword: ${name}: ${row.detected}/${row.positives} detected, ${row.falseAccepts}/${row.negatives} false ` +
        `accepts`,
    );
  }
  return rows;
}

export interface KeywordCostRow {
  kind: 'keyword-cost';
  heads: number;
  streams: number;
  audioS: number;
  /** CPU per second of one stream's audio: the front end and every head. */
  cpuMsPerAudioS: number;
  /** RSS the front end and heads added to the process, once (MB). */
  modelsMb: number;
  /** RSS per stream beyond the models (MB): a session's share. */
  perStreamMb: number;
}

/**
 * The cost of one session's learned ears: the front end and `heads` heads on `audioS` of speech-like noise, over
 * `streams` streams.
 */
export async function measureKeywordCost(
  phrases: readonly string[],
  streams = 20,
  audioS = 30,
): Promise<KeywordCostRow> {
  const heads = Object.fromEntries(phrases.map((p) => [p, join(shippedHeadsDir(), headFileName(p))]));
  const before = process.memoryUsage().rss;
  const engine = await loadKeywordEngine({ phrases, heads });
  const loaded = process.memoryUsage().rss;
  const open = Array.from({ length: streams }, () => engine.open());
  const audio = quietRoom(audioS * 16_000, 3).map((v, i) => v * 40 * Math.sin(i / 9));
  const cpuStart = process.cpuUsage();
  for (let at = 0; at < audio.length; at += 320)
    for (const stream of open) await stream.push(audio.subarray(at, at + 320));
  const cpu = process.cpuUsage(cpuStart);
  const after = process.memoryUsage().rss;
  return {
    kind: 'keyword-cost',
    heads: phrases.length,
    streams,
    audioS,
    cpuMsPerAudioS: Math.round(((cpu.user + cpu.system) / 1000 / (audioS * streams)) * 10) / 10,
    modelsMb: Math.round(((loaded - before) / 1e6) * 10) / 10,
    perStreamMb: Math.round(((after - loaded) / 1e6 / streams) * 100) / 100,
  };
}

export function printKeywordCost(row: KeywordCostRow): void {
  console.log(
    `\nLearned ears' cost: front end + ${row.heads} heads, ${row.streams} streams × ${row.audioS} s in 20 ms frames: ` +
      `${row.cpuMsPerAudioS} ms CPU per second of audio per stream; models ${row.modelsMb} MB once per process; ` +
      `${row.perStreamMb} MB per stream`,
  );
}

export function printKeyword(rows: readonly KeywordRow[]): void {
  console.log(
    "\nLearned keyword heads on real people (evaluation share; each clip alone, at each head's own threshold: " +
      "the project's calibrated, openWakeWord's 0.5)",
  );
  console.log(
    '| head | phrase | detected | false accepts | Mycroft clips: detected, false | CPU ms per s of audio (front ' +
      'end + head) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const m = r.mycroft;
    console.log(
      `| ${r.head} | ${r.phrase} | ${r.detected}/${r.positives} | ${r.falseAccepts}/${r.negatives} | ` +
        `${m.detected}/${m.positives}, ${m.falseAccepts}/${m.negatives} | ${r.cpuMsPerAudioS} |`,
    );
  }
}
