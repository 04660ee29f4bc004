/**
 * `--scenario wake`: the wake phrase and the stop phrases, spotted offline (pocketsphinx keyphrase search,
 * adapters/stt/keyword-spotter.ts) in one continuous microphone stream (`wake-corpus.ts`):
 *
 * - **false wakes per hour**: spottings of the wake phrase in about an hour of speech without it (the
 *   grammar and out-of-grammar corpora's sentences in 16 voices, a quarter of them over noise) and noise
 *   alone; target ≤ 1;
 * - **wake phrases detected**: "hey robot" alone and before a command, by the grammar bench's voices
 *   (target ≥ 95 %) and by the voices nothing was tuned on;
 * - the same for the stop phrases (`session.estop.phrases`): false emergency stops per hour in sentences
 *   without them, and each phrase said alone.
 *
 * One pass finds every spotting's margin (how far the phrase beat the free phone loop) with a very low
 * threshold, so each candidate threshold's counts are read off at once; a second decoder runs as a
 * session would, at the configured thresholds, and gives the numbers that count, and the CPU.
 */
import { createKeywordSpotter, normalizePhrase, type KeywordStream, type Spotting } from '../adapters/stt/keyword-spotter.js';
import { DEFAULT_ACTIVATION_OPTIONS } from '../actors/activation.js';
import { SESSION_DEFAULTS } from '../machines/session-defaults.js';
import { corpusVoices, freshVoices, type CorpusVoice } from './grammar-corpus.js';
import { CORPUS_RATE_HZ } from './speech-corpus.js';
import { distractors, floor, trials, wakeCommands, type WakePart } from './wake-corpus.js';

/** Candidate thresholds, as powers of ten (the margin a spotting must reach). */
const WAKE_EXPONENTS = [-10, -15, -20, -25, -30, -35, -40, -45, -50, -55, -60, -70];
const STOP_EXPONENTS = [-5, -8, -10, -12, -15, -18, -20, -25, -30];
const LOWEST = 1e-80;
const FRAME_BYTES = (CORPUS_RATE_HZ / 50) * 2;

export interface WakeRow {
  scenario: 'wake';
  /** `candidate`: read off the margins of one low-threshold pass; `configured`: a session's spotter at the defaults. */
  kind: 'candidate' | 'configured';
  phrase: 'wake' | 'stop';
  threshold: number;
  /** How far the phrase must stand above the 300 ms before it (dB); null: no such check. */
  minLeadDb: number | null;
  distractorHours: number;
  /** Spottings in the distractors (for `stop`: in sentences without a stop phrase), per hour. */
  falsePerHour: number;
  falseCount: number;
  /** Trials spotted, by the grammar bench's voices and by the voices nothing was tuned on. */
  detected: number;
  trials: number;
  detectedPercent: number;
  freshDetected: number;
  freshTrials: number;
  freshDetectedPercent: number;
  /** CPU per second of audio (configured rows). */
  cpuMsPerSecond?: number;
}

interface Observed {
  part: WakePart;
  fresh: boolean;
  /** Spottings in the part (low-threshold pass). */
  spots: Spotting[];
  /** Phrases the session's spotter reported during the part. */
  reported: string[];
}

function feed(stream: KeywordStream, samples: Int16Array): Spotting[] {
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const found: Spotting[] = [];
  for (let i = 0; i < bytes.byteLength; i += FRAME_BYTES) found.push(...stream.push(bytes.subarray(i, i + FRAME_BYTES)));
  return found;
}

export async function runWakeScenario(options: { quick: boolean; searchArgs?: readonly string[] }, progress: (line: string) => void): Promise<WakeRow[]> {
  const defaults = DEFAULT_ACTIVATION_OPTIONS;
  const wake = normalizePhrase(defaults.wakePhrases[0]!);
  const stops = SESSION_DEFAULTS.estop.phrases.map(normalizePhrase);
  const phrases = (wakeT: number, stopT: number) => [{ phrase: wake, threshold: wakeT }, ...stops.map((phrase) => ({ phrase, threshold: stopT }))];
  const searchArgs = options.searchArgs ?? [];
  const scan = createKeywordSpotter({ phrases: phrases(LOWEST, LOWEST), searchArgs });
  const session = createKeywordSpotter({ phrases: phrases(defaults.wakeThreshold, defaults.stopThreshold), searchArgs });
  const tuned = corpusVoices();
  if (tuned.skipped) progress(`  eSpeak voices skipped: ${tuned.skipped}`);
  const fresh = freshVoices().voices;
  const observed: Observed[] = [];
  let cpuUs = 0;
  let distractorSamples = 0;

  const run = async (parts: AsyncGenerator<WakePart>, freshVoiceNames: Set<string>) => {
    const scanStream = scan.createStream({ report: false });
    const sessionStream = session.createStream();
    for await (const part of parts) {
      const pause = floor(part.pauseSamples);
      const started = process.cpuUsage();
      const reported = [...feed(sessionStream, part.samples), ...feed(sessionStream, pause)].map((s) => s.phrase);
      const used = process.cpuUsage(started);
      cpuUs += used.user + used.system;
      feed(scanStream, part.samples);
      feed(scanStream, pause);
      const spots = scanStream.drain();
      if (process.env.WAKE_DUMP)
        for (const s of spots)
          process.stdout.write(
            `DUMP\t${part.kind}\t${freshVoiceNames.has(part.voice ?? '') ? 'fresh' : 'tuned'}\t${part.text}\t${s.phrase}\t${s.log10Margin}\t${s.durationMs}\t${s.leadDb}\n`,
          );
      observed.push({ part, fresh: freshVoiceNames.has(part.voice ?? ''), spots, reported });
      if (part.kind === 'speech' || part.kind === 'noise') distractorSamples += part.samples.length + pause.length;
      if (observed.length % 200 === 0) progress(`  ${observed.length} parts, ${(distractorSamples / CORPUS_RATE_HZ / 60).toFixed(1)} min of distractors`);
    }
    scanStream.close();
    sessionStream.close();
  };
  const share = options.quick ? 1 / 8 : 1;
  const allVoices: CorpusVoice[] = [...tuned.voices, ...fresh];
  progress(`  distractors: ${allVoices.length} voices, a share of ${share}`);
  await run(distractors(allVoices, { share }), new Set());
  const commands = options.quick ? wakeCommands().slice(0, 3) : wakeCommands();
  progress(`  wake and stop trials: ${tuned.voices.length} + ${fresh.length} voices, ${commands.length + 1} wake trials and ${stops.length} stop trials each`);
  await run(trials(tuned.voices, wake, stops, commands), new Set());
  await run(trials(fresh, wake, stops, commands), new Set(fresh.map((v) => v.name)));

  const hours = distractorSamples / CORPUS_RATE_HZ / 3600;
  const audioSeconds = observed.reduce((s, o) => s + (o.part.samples.length + o.part.pauseSamples) / CORPUS_RATE_HZ, 0);
  const saysStop = (text: string) => stops.some((p) => ` ${normalizePhrase(text)} `.includes(` ${p} `));
  const isStop = (phrase: string) => stops.includes(phrase);
  const rows: WakeRow[] = [];
  const row = (kind: WakeRow['kind'], which: 'wake' | 'stop', threshold: number, minLeadDb: number | null, hit: (o: Observed) => boolean): WakeRow => {
    const distractorParts = observed.filter((o) => (o.part.kind === 'speech' || o.part.kind === 'noise') && !(which === 'stop' && saysStop(o.part.text)));
    const falseCount = distractorParts.filter(hit).length;
    const trialParts = observed.filter((o) => o.part.kind === which);
    const mine = trialParts.filter((o) => !o.fresh);
    const theirs = trialParts.filter((o) => o.fresh);
    const pct = (n: number, of: number) => Math.round((1000 * n) / Math.max(1, of)) / 10;
    const detected = mine.filter(hit).length;
    const freshDetected = theirs.filter(hit).length;
    return {
      scenario: 'wake',
      kind,
      phrase: which,
      threshold,
      minLeadDb,
      distractorHours: Math.round(hours * 1000) / 1000,
      falsePerHour: Math.round((falseCount / hours) * 10) / 10,
      falseCount,
      detected,
      trials: mine.length,
      detectedPercent: pct(detected, mine.length),
      freshDetected,
      freshTrials: theirs.length,
      freshDetectedPercent: pct(freshDetected, theirs.length),
    };
  };
  const hits = (which: 'wake' | 'stop', exponent: number, lead: number | null) => (o: Observed) =>
    o.spots.some((x) => (which === 'wake' ? x.phrase === wake : isStop(x.phrase)) && x.log10Margin >= exponent && (lead === null || x.leadDb >= lead));
  for (const lead of [...new Set([null, defaults.wakeLeadDb, 20])])
    for (const e of WAKE_EXPONENTS) rows.push(row('candidate', 'wake', 10 ** e, lead, hits('wake', e, lead)));
  for (const lead of [null, defaults.stopLeadDb]) for (const e of STOP_EXPONENTS) rows.push(row('candidate', 'stop', 10 ** e, lead, hits('stop', e, lead)));
  const cpuMsPerSecond = Math.round((cpuUs / 1000 / audioSeconds) * 100) / 100;
  rows.push({ ...row('configured', 'wake', defaults.wakeThreshold, defaults.wakeLeadDb, (o) => o.reported.includes(wake)), cpuMsPerSecond });
  rows.push({ ...row('configured', 'stop', defaults.stopThreshold, defaults.stopLeadDb, (o) => o.reported.some(isStop)), cpuMsPerSecond });
  return rows;
}

export function printWake(rows: WakeRow[]): void {
  if (rows.length === 0) return;
  const hours = rows[0]!.distractorHours;
  console.log(
    `\nWake and stop phrases spotted offline (pocketsphinx keyphrase search; ${hours} h of distractors; targets: false wakes ≤ 1 / hour, wake phrases detected ≥ 95 %)\n`,
  );
  console.log('| phrase | threshold | lead ≥ | false per hour (count) | detected, grammar-bench voices | detected, fresh voices |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const mark = r.kind === 'configured' ? ' (default, as a session runs)' : '';
    console.log(
      `| ${r.phrase} | ${r.threshold.toExponential(0)}${mark} | ${r.minLeadDb === null ? '—' : `${r.minLeadDb} dB`} | ${r.falsePerHour} (${r.falseCount}) | ${r.detected}/${r.trials} = ${r.detectedPercent} % | ${r.freshDetected}/${r.freshTrials} = ${r.freshDetectedPercent} % |`,
    );
  }
  const cpu = rows.find((r) => r.cpuMsPerSecond !== undefined);
  if (cpu) console.log(`\nSpotting CPU per second of audio, as a session runs it: ${cpu.cpuMsPerSecond} ms`);
}
