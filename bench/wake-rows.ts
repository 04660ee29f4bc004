/**
 * The wake benchmark's figures (wake-scenario.ts): each row counts, for one setting of the spotter, the
 * false spottings per hour of distractors and the trials spotted, split by voice set — the grammar
 * bench's ("tuning") voices, on which the settings are chosen, and the fresh ("held-out") voices, which
 * say how the choice carries over.
 */
import type { Spotting } from '../adapters/spotter/index.js';
import { DEFAULT_ACTIVATION_OPTIONS } from '../actors/activation-settings.js';
import type { WakePart } from './wake-corpus.js';

export interface WakeRow {
  scenario: 'wake';
  /**
   * `candidate`: read off one low-threshold pass; `chosen`: the candidate with the most tuning-voice wake
   * phrases at ≤ 1 tuning-voice false wake an hour; `configured`: a session's spotter at the defaults.
   */
  kind: 'candidate' | 'chosen' | 'configured';
  phrase: 'wake' | 'stop';
  threshold: number;
  /** How far the phrase must stand above the 300 ms before it (dB); null: no such check. */
  minLeadDb: number | null;
  /** The second stage's minimum confidence; null: not verified. */
  minConfidence: number | null;
  distractorHours: number;
  /** Spottings in the distractors (for `stop`: in sentences without a stop phrase), per hour, all voices. */
  falsePerHour: number;
  falseCount: number;
  /** The same in the tuning voices' sentences and the noise, and in the fresh voices' sentences and the noise. */
  tunedFalsePerHour: number;
  freshFalsePerHour: number;
  /** Trials spotted, by the grammar bench's voices and by the voices nothing was tuned on. */
  detected: number;
  trials: number;
  detectedPercent: number;
  freshDetected: number;
  freshTrials: number;
  freshDetectedPercent: number;
  /** CPU per second of audio (configured rows): the whole spotter, both stages. */
  cpuMsPerSecond?: number;
}

export interface Observed {
  part: WakePart;
  /** Said by a fresh (held-out) voice. */
  fresh: boolean;
  /** Spottings in the part (low-threshold pass). */
  spots: Spotting[];
  /** Phrases the session's spotter reported during the part. */
  reported: string[];
}

export interface RowContext {
  observed: Observed[];
  rateHz: number;
  /** Sentences that say a stop phrase (not distractors for the stop rows). */
  saysStop(text: string): boolean;
}

const pct = (n: number, of: number) => Math.round((1000 * n) / Math.max(1, of)) / 10;
const perHour = (n: number, hours: number) => Math.round((n / Math.max(1e-9, hours)) * 10) / 10;

type Setting = Pick<WakeRow, 'kind' | 'phrase' | 'threshold' | 'minLeadDb' | 'minConfidence'>;

export function wakeRow(context: RowContext, setting: Setting, hit: (o: Observed) => boolean): WakeRow {
  const { observed, rateHz } = context;
  const hours = (parts: Observed[]) =>
    parts.reduce((s, o) => s + o.part.samples.length + o.part.pauseSamples, 0) / rateHz / 3600;
  const distractors = observed.filter(
    (o) =>
      (o.part.kind === 'speech' || o.part.kind === 'noise') &&
      !(setting.phrase === 'stop' && context.saysStop(o.part.text)),
  );
  const noise = distractors.filter((o) => o.part.kind === 'noise');
  const tuned = [...distractors.filter((o) => o.part.kind === 'speech' && !o.fresh), ...noise];
  const fresh = [...distractors.filter((o) => o.part.kind === 'speech' && o.fresh), ...noise];
  const falseCount = distractors.filter(hit).length;
  const trials = observed.filter((o) => o.part.kind === setting.phrase);
  const mine = trials.filter((o) => !o.fresh);
  const theirs = trials.filter((o) => o.fresh);
  const detected = mine.filter(hit).length;
  const freshDetected = theirs.filter(hit).length;
  return {
    scenario: 'wake',
    ...setting,
    distractorHours: Math.round(hours(distractors) * 1000) / 1000,
    falsePerHour: perHour(falseCount, hours(distractors)),
    falseCount,
    tunedFalsePerHour: perHour(tuned.filter(hit).length, hours(tuned)),
    freshFalsePerHour: perHour(fresh.filter(hit).length, hours(fresh)),
    detected,
    trials: mine.length,
    detectedPercent: pct(detected, mine.length),
    freshDetected,
    freshTrials: theirs.length,
    freshDetectedPercent: pct(freshDetected, theirs.length),
  };
}

/** Why ≤ 1 an hour: the target; chosen on the tuning voices alone, so the fresh voices' figures are honest. */
const MAX_TUNED_FALSE_PER_HOUR = 1;

/** The candidate that detects the most tuning-voice trials at ≤ 1 tuning-voice false spotting an hour. */
export function chooseOnTuningVoices(rows: readonly WakeRow[], phrase: 'wake' | 'stop'): WakeRow | undefined {
  const ok = rows.filter(
    (r) => r.kind === 'candidate' && r.phrase === phrase && r.tunedFalsePerHour <= MAX_TUNED_FALSE_PER_HOUR,
  );
  // Ties: fewer tuning-voice false spottings, then the higher threshold (a narrower, cheaper search).
  ok.sort((a, b) => b.detected - a.detected || a.tunedFalsePerHour - b.tunedFalsePerHour || b.threshold - a.threshold);
  return ok[0] ? { ...ok[0], kind: 'chosen' } : undefined;
}

const setting = (r: WakeRow) =>
  `${r.threshold.toExponential(0)} | ${r.minLeadDb === null ? '—' : `${r.minLeadDb} dB`} | ` +
  `${r.minConfidence === null ? '—' : r.minConfidence}`;

export function printWake(rows: WakeRow[]): void {
  if (rows.length === 0) return;
  const hours = rows[0]!.distractorHours;
  console.log(
    `\nWake and stop phrases spotted offline (pocketsphinx keyphrase search, then the grammar-vs-phone-loop ` +
      `check; ${hours} h of distractors; targets: false wakes ≤ 1 / hour, wake phrases detected ≥ 95 %)\n`,
  );
  console.log(
    '| phrase | threshold | lead ≥ | confidence ≥ | false per hour (count) | false / h, tuning · fresh voices | ' +
      'detected, grammar-bench (tuning) voices | detected, fresh voices |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  // The wake candidates printed: the search alone, and with the default lead and confidence (the JSON has every one).
  const { wakeLeadDb, wakeConfidence } = DEFAULT_ACTIVATION_OPTIONS;
  const shown = (r: WakeRow) =>
    r.kind !== 'candidate' ||
    r.phrase === 'stop' ||
    (r.minLeadDb === null && r.minConfidence === null) ||
    (r.minLeadDb === wakeLeadDb && r.minConfidence === wakeConfidence);
  for (const r of rows.filter(shown)) {
    const mark =
      r.kind === 'configured'
        ? ' (default, as a session runs)'
        : r.kind === 'chosen'
          ? ' (chosen on the tuning voices)'
          : '';
    console.log(
      `| ${r.phrase}${mark} | ${setting(r)} | ${r.falsePerHour} (${r.falseCount}) | ${r.tunedFalsePerHour} · ` +
        `${r.freshFalsePerHour} | ${r.detected}/${r.trials} = ${r.detectedPercent} % | ` +
        `${r.freshDetected}/${r.freshTrials} = ${r.freshDetectedPercent} % |`,
    );
  }
  const cpu = rows.find((r) => r.cpuMsPerSecond !== undefined);
  if (cpu)
    console.log(`\nSpotting CPU per second of audio, as a session runs it (both stages): ${cpu.cpuMsPerSecond} ms`);
}
