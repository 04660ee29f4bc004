/**
 * The emergency stop on recordings of real people as a session's transcripts decide it, with no reply
 * playing: each clip through a session of its own (sim/estop-session.ts: the session's VAD, STT and
 * emergency-stop actors with its local grammar recognizer, on a simulated clock), for two stacks
 * (`grammar`: the shipped pocketsphinx recognizer and the local recognizer at each pause; `whisper`: the
 * local recognizer alone, before a Whisper-class recognizer answers). The microphone's stop spotter is
 * the spotting rows' (the same clips, `human-spotting.ts`); a session stops on either. The offline rows
 * (`estop-real.ts`) decode a clip whole and judge every partial, as a session did before it judged
 * partials over a reply only.
 *
 * @example
 * ```ts
 * // One row per speaker group and 'all':
 * const rows = await sessionStopRows(real.clips, real.heard, loadConfig(), 'whisper', progress);
 * ```
 */
import { execFileSync } from 'node:child_process';
import type { SttEngine } from '../adapters/stt/types.js';
import type { AppConfig } from '../runtime/config.js';
import type { Clip } from '../sim/clip.js';
import { estopStack, hearClipInSession, type ClipStop, type SessionStack } from '../sim/estop-session.js';
import type { Heard } from './human-spotting.js';
import { countStops, type StopCounts, type StopOutcome } from './estop-real.js';
import { percentile, round } from './stats.js';

export type { SessionStack } from '../sim/estop-session.js';

export interface EstopSessionRow extends StopCounts {
  scenario: 'estop-session';
  voices: 'real';
  stack: SessionStack;
  /** The VAD's pauses of every clip (each a fresh decode when the utterance is short). */
  pauses: number;
  /** The transcripts' stops from the phrase's last sample, in audio time (20 ms frames): p50 / p95 / max. */
  transcriptsAfterEndMs: { p50: number; p95: number; max: number } | undefined;
  /**
   * CPU the local recognizer took, ms per second of the session's audio (speech and silence, every clip):
   * one session's cost of it (`all` rows). The grammar stack's own recognizer is not counted.
   */
  localRecognizerCpuMsPerAudioS?: number;
  /**
   * Memory of one set of the local recognizer's decoders (the grammar decoder, its phone loop, the grammar
   * decoder without the transform), MB of resident memory its warm-up added (`all` rows). Sets are pooled per
   * process: one per utterance decoded at once across its sessions.
   */
  localRecognizerMbPerDecoderSet?: number;
}

type Outcome = StopOutcome & ClipStop;

/** CPU spent in `engine`'s calls, µs (pocketsphinx decodes on the calling thread, inside push and finish). */
interface CpuMeter {
  us: number;
}

/** `engine` with the CPU of its calls added to `meter`. */
function metered(engine: SttEngine, meter: CpuMeter): SttEngine {
  const timed = <T>(call: () => T): T => {
    const started = process.cpuUsage();
    try {
      return call();
    } finally {
      const used = process.cpuUsage(started);
      meter.us += used.user + used.system;
    }
  };
  return {
    name: engine.name,
    ...(engine.warmUp ? { warmUp: () => engine.warmUp!() } : {}),
    createStream(options) {
      const stream = timed(() => engine.createStream(options));
      return {
        push: (audio) => timed(() => stream.push(audio)),
        ...(stream.flushPartial ? { flushPartial: () => timed(() => stream.flushPartial!()) } : {}),
        finish: () => timed(() => stream.finish()),
      };
    },
  };
}

/**
 * The resident memory one set of the local recognizer's decoders adds, MB, measured in a fresh process as
 * `stack` builds it: in this one, memory the earlier rows freed is reused and hides most of it.
 */
const WHISPER_OVERRIDES = "{ overrides: { stt: { engine: 'openai' } } }";

function decoderSetMemoryMb(stack: SessionStack): number {
  const script = [
    `import { loadConfig } from '${new URL('../runtime/config.js', import.meta.url).href}';`,
    `import { buildStopStt } from '${new URL('../runtime/engines.js', import.meta.url).href}';`,
    `const stt = buildStopStt(loadConfig(${stack === 'whisper' ? WHISPER_OVERRIDES : ''}));`,
    'const before = process.memoryUsage().rss;',
    'await stt.warmUp();',
    'console.log((process.memoryUsage().rss - before) / 1e6);',
    'process.exit(0);',
  ].join('\n');
  return round(
    Number(
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
      }).trim(),
    ),
    0,
  );
}

/** The rows: per speaker group with a stop phrase, then `all` (with the false stops). */
export async function sessionStopRows(
  clips: Clip[],
  spotterHeard: Heard[],
  shipped: AppConfig,
  stack: SessionStack,
  progress: (line: string) => void,
): Promise<EstopSessionRow[]> {
  const cpu: CpuMeter = { us: 0 };
  const { config, engines } = await estopStack(shipped, stack, (engine) => metered(engine, cpu));
  const decoderSetMb = decoderSetMemoryMb(stack);
  progress(`  estop, real speech: ${clips.length} recordings through a session's VAD and transcripts (${stack} stack)`);
  const outcomes: Outcome[] = [];
  for (const [i, clip] of clips.entries()) {
    outcomes.push({
      ...(await hearClipInSession(clip, config, engines)),
      clip,
      spotter: spotterHeard[i]!.spots.length > 0,
    });
    if ((i + 1) % 40 === 0) progress(`    ${i + 1}/${clips.length}`);
  }
  const audioS = outcomes.reduce((sum, o) => sum + o.audioS, 0);
  return countStops(outcomes, (mine, stops) => ({
    scenario: 'estop-session' as const,
    voices: 'real' as const,
    stack,
    pauses: mine.reduce((n, o) => n + o.pauses, 0),
    transcriptsAfterEndMs: spread(stops.flatMap((o) => (o.afterEndMs === undefined ? [] : [o.afterEndMs]))),
    // The session's cost, on the `all` row (every clip).
    ...(mine.length === outcomes.length
      ? {
          localRecognizerCpuMsPerAudioS: round(cpu.us / 1000 / audioS, 2),
          localRecognizerMbPerDecoderSet: decoderSetMb,
        }
      : {}),
  }));
}

const spread = (ms: number[]) =>
  ms.length === 0
    ? undefined
    : { p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), max: round(Math.max(...ms)) };

export function printSessionStopRows(rows: EstopSessionRow[]): void {
  if (rows.length === 0) return;
  console.log(
    "\nThe emergency stop on real speech through a session's VAD and transcripts, no reply playing (the spotter, " +
      "or the transcripts: the grammar stack's, or a Whisper-class session's local recognizer)",
  );
  console.log(
    "| stack | speakers | stops: spotter / transcripts / either | transcripts' stops from the phrase's last " +
      'sample p50 / p95 / max | false stops: spotter / transcripts / either | local recognizer CPU ms per s of ' +
      'audio | MB per decoder set |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const after = r.transcriptsAfterEndMs
      ? `${r.transcriptsAfterEndMs.p50} / ${r.transcriptsAfterEndMs.p95} / ${r.transcriptsAfterEndMs.max}`
      : '—';
    const falseStops =
      r.others > 0
        ? `${r.falseBySpotter} / ${r.falseByTranscripts} / ${r.falseByEither} of ${r.others} = ${r.falsePercent} %`
        : '—';
    console.log(
      `| ${r.stack} | ${r.group} | ${r.bySpotter} / ${r.byTranscripts} / ${r.byEither} of ${r.stops} | ${after} ` +
        `| ${falseStops} | ${r.localRecognizerCpuMsPerAudioS ?? '—'} | ${r.localRecognizerMbPerDecoderSet ?? '—'} |`,
    );
  }
  for (const r of rows.filter((row) => row.group === 'all')) {
    for (const m of r.missed) console.log(`  ${r.stack}: missed: ${m}`);
    for (const f of r.falseStops) console.log(`  ${r.stack}: false stop: ${f}`);
  }
}
