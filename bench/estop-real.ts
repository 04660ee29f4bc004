/**
 * The emergency stop on recordings of real people as a session decides it: the microphone's stop spotter
 * and the transcripts' stop gate (`actors/estop/stop-gate.ts`) both listen, and either one stops the robot. Each
 * clip is conditioned as the session's microphone is (the `audio.highPassHz` high-pass, and
 * `audio.noiseSuppression` after hearing the clip's room: `conditionedInRoom`), then given to the
 * spotter (one stream, as `human-spotting.ts` runs it) and, framed as the VAD passes an utterance, to
 * pocketsphinx with the robot grammar, whose partials and final go through the stop gate at the shipped
 * `session.estop` thresholds. Rows: stops delivered and false stops by the spotter, by the transcripts,
 * and by either (what the session does), per speaker group.
 *
 * @example
 * ```ts
 * const rows = await combinedStopRows(clips, spotterHeard, config, progress); // one row per speaker group and 'all'
 * ```
 */
import { createPocketsphinxStt } from '../adapters/stt/pocketsphinx.js';
import { DEFAULT_GRAMMAR_MLLR, type AppConfig } from '../runtime/config.js';
import { firstStop, transcripts } from './estop-false.js';
import { asVadUtterance } from '../sim/vad-utterance.js';
import type { Clip } from '../sim/clip.js';
import type { Heard } from './human-spotting.js';
import { conditionedInRoom, microphoneConditioning } from '../sim/microphone-conditioning.js';

/** What the spotter, the transcripts and either stopped in a set of clips (a speaker group, or `all`). */
export interface StopCounts {
  group: string;
  /** Clips with a stop phrase, and how many each path stopped. */
  stops: number;
  bySpotter: number;
  byTranscripts: number;
  byEither: number;
  /**
   * Clips without a stop phrase (words, commands, sentences, wake words, noise; `all` only), and how many each path
   * stopped.
   */
  others: number;
  falseBySpotter: number;
  falseByTranscripts: number;
  falseByEither: number;
  falsePercent: number;
  missed: string[];
  /** Clips without a stop phrase that stopped, with what the transcripts made of them. */
  falseStops: string[];
}

export interface EstopRealRow extends StopCounts {
  scenario: 'estop-real';
  voices: 'real';
}

/** One clip's fate: stopped by the spotter, by the transcripts, and what the transcripts heard. */
export interface StopOutcome {
  clip: Clip;
  spotter: boolean;
  transcripts: boolean;
  heard: string;
}

/** The counts per speaker group with a stop phrase, then `all` (with the false stops), each with `extra`'s fields. */
export function countStops<O extends StopOutcome, R>(
  outcomes: O[],
  extra: (mine: O[], stops: O[]) => R,
): Array<StopCounts & R> {
  const groups = [...new Set(outcomes.filter((o) => o.clip.phrase).map((o) => o.clip.group)), 'all'];
  const either = (o: O) => o.spotter || o.transcripts;
  return groups.map((group) => {
    const mine = outcomes.filter((o) => group === 'all' || o.clip.group === group);
    const stops = mine.filter((o) => o.clip.phrase);
    const others = group === 'all' ? mine.filter((o) => !o.clip.phrase) : [];
    const falseByEither = others.filter(either).length;
    return {
      group,
      stops: stops.length,
      bySpotter: stops.filter((o) => o.spotter).length,
      byTranscripts: stops.filter((o) => o.transcripts).length,
      byEither: stops.filter(either).length,
      others: others.length,
      falseBySpotter: others.filter((o) => o.spotter).length,
      falseByTranscripts: others.filter((o) => o.transcripts).length,
      falseByEither,
      falsePercent: Math.round((1000 * falseByEither) / Math.max(1, others.length)) / 10,
      missed: stops.filter((o) => !either(o)).map((o) => `${o.clip.name}${o.heard ? ` → "${o.heard}"` : ''}`),
      falseStops: others
        .filter(either)
        .map((o) => `${o.clip.name}${o.heard ? ` → "${o.heard}"` : ''}${o.spotter ? ' (spotter)' : ''}`),
      ...extra(mine, stops),
    };
  });
}

/** Whether the transcripts' gate stops each clip (a fresh gate and conditioner per clip: one utterance each). */
async function transcriptStops(
  clips: Clip[],
  config: AppConfig,
  progress: (line: string) => void,
): Promise<Array<{ stopped: boolean; heard: string }>> {
  const stt = createPocketsphinxStt({
    grammarPath: config.stt.grammarPath,
    mllrPath: config.stt.mllrPath ?? DEFAULT_GRAMMAR_MLLR,
  });
  await stt.warmUp?.();
  progress(`  estop, real speech: ${clips.length} recordings through the recognizer and the transcripts' stop gate`);
  const outcomes: Array<{ stopped: boolean; heard: string }> = [];
  for (const clip of clips) {
    const condition = await microphoneConditioning(config);
    const audio = asVadUtterance(condition ? conditionedInRoom(clip, condition) : clip.samples);
    const heard = await transcripts(stt, audio, clip.speaker ?? clip.group);
    const hit = firstStop(heard, config.session.estop);
    const final = heard.at(-1)!;
    outcomes.push({
      stopped: hit !== undefined,
      heard: hit ? `${hit.text} ${hit.confidence ?? ''}`.trim() : `${final.text} ${final.confidence ?? ''}`.trim(),
    });
  }
  return outcomes;
}

/** The rows: per speaker group with a stop phrase, then `all` (with the false stops). */
export async function combinedStopRows(
  clips: Clip[],
  spotterHeard: Heard[],
  config: AppConfig,
  progress: (line: string) => void,
): Promise<EstopRealRow[]> {
  const fromTranscripts = await transcriptStops(clips, config, progress);
  const outcomes: StopOutcome[] = clips.map((clip, i) => ({
    clip,
    spotter: spotterHeard[i]!.spots.length > 0,
    transcripts: fromTranscripts[i]!.stopped,
    heard: fromTranscripts[i]!.heard,
  }));
  return countStops(outcomes, () => ({ scenario: 'estop-real' as const, voices: 'real' as const }));
}

export function printCombinedStops(rows: EstopRealRow[]): void {
  if (rows.length === 0) return;
  console.log(
    '\nThe emergency stop on real speech, as a session decides it (the spotter or the transcripts; false: clips ' +
      'without a stop phrase)',
  );
  console.log('| speakers | stops: spotter / transcripts / either | false stops: spotter / transcripts / either |');
  console.log('| --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.group} | ${r.bySpotter} / ${r.byTranscripts} / ${r.byEither} of ${r.stops} | ` +
        `${
          r.others > 0
            ? `${r.falseBySpotter} / ${r.falseByTranscripts} / ${r.falseByEither} of ${r.others} = ${r.falsePercent} %`
            : '—'
        } ` +
        `` +
        `|`,
    );
  const all = rows.find((r) => r.group === 'all');
  for (const m of all?.missed ?? []) console.log(`  missed: ${m}`);
  for (const f of all?.falseStops ?? []) console.log(`  false stop: ${f}`);
}
