/**
 * `--scenario wake`: the wake phrase and the stop phrases, spotted offline (pocketsphinx keyphrase search,
 * then for the wake phrase the grammar-vs-phone-loop check of adapters/spotter/phrase-verifier.ts) in one
 * continuous microphone stream (`wake-corpus.ts`):
 *
 * - **false wakes per hour**: spottings of the wake phrase in about an hour of speech without it (the
 *   grammar and out-of-grammar corpora's sentences in 16 voices, a quarter of them over noise) and noise
 *   alone; target ≤ 1;
 * - **wake phrases detected**: "hey robot" alone and before a command, by the grammar bench's voices
 *   (target ≥ 95 %) and by the voices nothing was tuned on;
 * - the same for the stop phrases (`session.estop.phrases`): false emergency stops per hour in sentences
 *   without them, and each phrase said alone.
 *
 * One pass per kind of phrase finds every spotting at a very low threshold, with its margin, lead and
 * (wake) confidence, so each candidate setting's counts are read off at once; the settings are chosen on
 * the tuning voices alone (`chosen` rows), and a further spotter runs as a session would, at the
 * configured defaults, and gives the numbers that count, and the CPU.
 */
import { phoneAgreement } from '../adapters/stt/grammar-confidence.js';
import { createKeywordSpotter, normalizePhrase, type KeywordStream, type Spotting } from '../adapters/spotter/index.js';
import { DEFAULT_ACTIVATION_OPTIONS } from '../actors/activation-settings.js';
import { SESSION_DEFAULTS } from '../machines/session-defaults.js';
import { DEFAULT_GRAMMAR_MLLR } from '../runtime/config.js';
import { corpusVoices, freshVoices, type CorpusVoice } from './grammar-corpus.js';
import { CORPUS_RATE_HZ } from './speech-corpus.js';
import { distractors, floor, trials, wakeCommands, type WakePart } from './wake-corpus.js';
import { chooseOnTuningVoices, wakeRow, type Observed, type RowContext, type WakeRow } from './wake-rows.js';

export { printWake, type WakeRow } from './wake-rows.js';

/** Candidate thresholds, as powers of ten (the margin a spotting must reach). */
const WAKE_EXPONENTS = [-10, -20, -30, -40, -45, -50, -55, -60, -65, -70, -75, -80];
const STOP_EXPONENTS = [-5, -8, -10, -12, -15, -18, -20, -25, -30];
/**
 * Candidate minimum confidences of the second stage (null: none). Why up to 0.7: the phrase's score
 * weighs the score ratio 0.04 (phrase-verifier.ts), which lifts wake phrases to 0.5–1.
 */
const WAKE_CONFIDENCES = [null, 0.35, 0.38, 0.4, 0.42, 0.45, 0.5, 0.55, 0.6, 0.65, 0.68, 0.7];
/** Candidate leads of the wake phrase (dB; null: no check). */
const WAKE_LEADS = [null, 0, 3, 6, 9];
/**
 * The scans' thresholds: the lowest candidates (a lower one only widens the beam and restarts the search more often).
 */
const WAKE_LOWEST = 1e-80;
const STOP_LOWEST = 1e-30;
const FRAME_BYTES = (CORPUS_RATE_HZ / 50) * 2;

function feed(stream: KeywordStream, samples: Int16Array): Spotting[] {
  const bytes = new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  const found: Spotting[] = [];
  for (let i = 0; i < bytes.byteLength; i += FRAME_BYTES)
    found.push(...stream.push(bytes.subarray(i, i + FRAME_BYTES)));
  return found;
}

interface Spotters {
  wake: string;
  stops: string[];
  /** Low-threshold passes: the wake phrase (every spotting verified) and the stop phrases, each alone. */
  scans: KeywordStream[];
  session: KeywordStream;
}

function spotters(
  searchArgs: readonly string[],
): Omit<Spotters, 'scans' | 'session'> & { open(): Pick<Spotters, 'scans' | 'session'> } {
  const defaults = DEFAULT_ACTIVATION_OPTIONS;
  const wake = normalizePhrase(defaults.wakePhrases[0]!);
  const stops = SESSION_DEFAULTS.estop.phrases.map(normalizePhrase);
  // The grammar decoder's transform, as a server applies it (`stt.mllrPath`).
  const mllrPath = DEFAULT_GRAMMAR_MLLR;
  const wakeScan = createKeywordSpotter({
    phrases: [{ phrase: wake, threshold: WAKE_LOWEST, minConfidence: 0 }],
    searchArgs,
    mllrPath,
  });
  const stopScan = createKeywordSpotter({
    phrases: stops.map((phrase) => ({ phrase, threshold: STOP_LOWEST })),
    searchArgs,
    mllrPath,
  });
  const session = createKeywordSpotter({
    phrases: [
      {
        phrase: wake,
        threshold: defaults.wakeThreshold,
        minLeadDb: defaults.wakeLeadDb,
        minConfidence: defaults.wakeConfidence,
      },
      ...stops.map((phrase) => ({ phrase, threshold: defaults.stopThreshold, minLeadDb: defaults.stopLeadDb })),
    ],
    searchArgs,
    mllrPath,
  });
  return {
    wake,
    stops,
    open: () => ({
      scans: [wakeScan.createStream({ report: false }), stopScan.createStream({ report: false })],
      session: session.createStream(),
    }),
  };
}

/** Phone agreement and per-frame score ratio of a verified spotting (WAKE_DUMP). */
const evidence = (x: Spotting) =>
  x.evidence
    ? `${phoneAgreement(x.evidence.sentencePhones, x.evidence.loopPhones).toFixed(3)}\t` +
      `${((x.evidence.grammarScore - x.evidence.loopScore) / Math.max(1, x.evidence.frames)).toFixed(2)}\t` +
      `${x.evidence.frames}`
    : '';

interface Run {
  observed: Observed[];
  cpuUs: number;
}

async function runParts(
  s: Spotters,
  parts: AsyncGenerator<WakePart>,
  freshVoiceNames: ReadonlySet<string>,
  run: Run,
  progress: (line: string) => void,
) {
  for await (const part of parts) {
    const pause = floor(part.pauseSamples);
    const started = process.cpuUsage();
    const reported = [...feed(s.session, part.samples), ...feed(s.session, pause)].map((x) => x.phrase);
    const used = process.cpuUsage(started);
    run.cpuUs += used.user + used.system;
    const spots = s.scans.flatMap((scan) => {
      feed(scan, part.samples);
      feed(scan, pause);
      return scan.drain();
    });
    const fresh = freshVoiceNames.has(part.voice ?? '');
    if (process.env.WAKE_DUMP)
      for (const x of spots)
        process.stdout.write(
          `DUMP\t${part.kind}\t${fresh ? 'fresh' : 'tuned'}\t${part.voice ?? ''}\t${part.text}\t${x.phrase}\t` +
            `${x.log10Margin}\t${x.durationMs}\t${x.leadDb}\t${x.confidence ?? ''}\t${evidence(x)}\n`,
        );
    run.observed.push({ part, fresh, spots, reported });
    if (run.observed.length % 200 === 0) progress(`  ${run.observed.length} parts`);
  }
}

export async function runWakeScenario(
  options: { quick: boolean; searchArgs?: readonly string[] },
  progress: (line: string) => void,
): Promise<WakeRow[]> {
  const made = spotters(options.searchArgs ?? []);
  const tuned = corpusVoices();
  if (tuned.skipped) progress(`  eSpeak voices skipped: ${tuned.skipped}`);
  const fresh = freshVoices().voices;
  const freshNames = new Set(fresh.map((v) => v.name));
  const run: Run = { observed: [], cpuUs: 0 };
  const share = options.quick ? 1 / 8 : 1;
  const allVoices: CorpusVoice[] = [...tuned.voices, ...fresh];
  const commands = options.quick ? wakeCommands().slice(0, 3) : wakeCommands();
  progress(`  distractors: ${allVoices.length} voices, a share of ${share}`);
  // One stream for the whole run, as one session's microphone.
  const s: Spotters = { ...made, ...made.open() };
  await runParts(s, distractors(allVoices, { share }), freshNames, run, progress);
  progress(
    `  wake and stop trials: ${tuned.voices.length} + ${fresh.length} voices, ${commands.length + 1} wake trials ` +
      `and ${s.stops.length} stop trials each`,
  );
  await runParts(s, trials(tuned.voices, s.wake, s.stops, commands), freshNames, run, progress);
  await runParts(s, trials(fresh, s.wake, s.stops, commands), freshNames, run, progress);
  for (const stream of [...s.scans, s.session]) stream.close();
  return rowsOf(run, s);
}

function rowsOf(run: Run, s: Spotters): WakeRow[] {
  const defaults = DEFAULT_ACTIVATION_OPTIONS;
  const context: RowContext = {
    observed: run.observed,
    rateHz: CORPUS_RATE_HZ,
    saysStop: (text) => s.stops.some((p) => ` ${normalizePhrase(text)} `.includes(` ${p} `)),
  };
  const isPhrase = (which: 'wake' | 'stop', phrase: string) =>
    which === 'wake' ? phrase === s.wake : s.stops.includes(phrase);
  const hits =
    (which: 'wake' | 'stop', exponent: number, lead: number | null, confidence: number | null) => (o: Observed) =>
      o.spots.some(
        (x) =>
          isPhrase(which, x.phrase) &&
          x.log10Margin >= exponent &&
          (lead === null || x.leadDb >= lead) &&
          (confidence === null || (x.confidence ?? 0) >= confidence),
      );
  const rows: WakeRow[] = [];
  for (const lead of WAKE_LEADS)
    for (const minConfidence of WAKE_CONFIDENCES)
      for (const e of WAKE_EXPONENTS)
        rows.push(
          wakeRow(
            context,
            { kind: 'candidate', phrase: 'wake', threshold: 10 ** e, minLeadDb: lead, minConfidence },
            hits('wake', e, lead, minConfidence),
          ),
        );
  for (const lead of [null, defaults.stopLeadDb])
    for (const e of STOP_EXPONENTS)
      rows.push(
        wakeRow(
          context,
          { kind: 'candidate', phrase: 'stop', threshold: 10 ** e, minLeadDb: lead, minConfidence: null },
          hits('stop', e, lead, null),
        ),
      );
  const chosen = (['wake', 'stop'] as const).flatMap((p) => chooseOnTuningVoices(rows, p) ?? []);
  const audioSeconds = run.observed.reduce(
    (sum, o) => sum + (o.part.samples.length + o.part.pauseSamples) / CORPUS_RATE_HZ,
    0,
  );
  const cpuMsPerSecond = Math.round((run.cpuUs / 1000 / audioSeconds) * 100) / 100;
  const configured = (which: 'wake' | 'stop') =>
    wakeRow(
      context,
      {
        kind: 'configured',
        phrase: which,
        threshold: which === 'wake' ? defaults.wakeThreshold : defaults.stopThreshold,
        minLeadDb: which === 'wake' ? defaults.wakeLeadDb : defaults.stopLeadDb,
        minConfidence: which === 'wake' ? (defaults.wakeConfidence ?? null) : null,
      },
      (o) => o.reported.some((p) => isPhrase(which, p)),
    );
  return [...rows, ...chosen, { ...configured('wake'), cpuMsPerSecond }, { ...configured('stop'), cpuMsPerSecond }];
}
