/**
 * Re-run: the recorded microphone audio of a session goes through the engines of a (possibly changed)
 * configuration, on the same path as `voice-agent run` (runtime/run-audio.ts), in real time; the old and
 * new per-turn timelines are printed side by side — what a new VAD threshold, grammar or rule set would
 * have done on yesterday's session. Typed turns are not re-run: only audio was recorded.
 *
 * @example
 * ```ts
 * const result = await rerunRecording(store, 's1', loadConfig({ file: 'new.json' }));
 * console.log(formatRerun(result));
 * ```
 */
import type { TurnTimeline } from '../../bus/messages.js';
import { MOVED_KEYS, type AppConfig } from '../../runtime/config.js';
import { runAudio } from '../../runtime/run-audio.js';
import { formatTimelines, rebaseTimeline } from '../../runtime/timeline.js';
import { RecordStoreError } from './errors.js';
import { recordedMicrophone } from './microphone.js';
import type { Recording } from './read.js';
import type { RecordStore } from './store.js';

export interface RerunResult {
  recording: Recording;
  /** The recorded turns, ms since the recording started. */
  recorded: TurnTimeline[];
  /** The turns of the re-run, ms since its audio started. */
  rerun: TurnTimeline[];
  /** Session settings that differ between the recording and the re-run, `path: old → new`. */
  configChanges: string[];
  audioMs: number;
}

/** Leaf settings that differ between two plain objects, as `path: old → new`. */
export function configChanges(before: unknown, after: unknown, path = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => configChanges(before[k], after[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(before) === JSON.stringify(after)
    ? []
    : [`${path}: ${JSON.stringify(before)} → ${JSON.stringify(after)}`];
}

export async function rerunRecording(
  store: RecordStore,
  ref: string,
  config: AppConfig,
  onError?: (line: string) => void,
): Promise<RerunResult> {
  const recording = store.recording(ref);
  const chunks = store.audio(recording.id);
  if (chunks.length === 0) {
    throw new RecordStoreError(
      `recording ${recording.id} (session ${recording.sessionId}) has no microphone audio: record with ` +
        `record.audio true (VA_RECORD__AUDIO=true) to re-run sessions`,
      store.file,
    );
  }
  const pcm = await recordedMicrophone(chunks, config.audio.inputRateHz);
  const result = await runAudio({ config, pcm, sessionId: recording.sessionId, ...(onError ? { onError } : {}) });
  return {
    recording,
    recorded: store.turns(recording.id),
    rerun: result.turns.map((t) => rebaseTimeline(t, result.startedAtMs)),
    // Both as the chart ran them (runtime options: feature flags and engine-derived settings applied).
    // Named by the application's keys: the chart's `bargeIn.enabled` is what `features.bargeIn` sets.
    configChanges: configChanges(recording.config, result.sessionConfig).map((c) => {
      const moved = Object.entries(MOVED_KEYS).find(
        ([chart, app]) => !app.includes('<') && `session.${c}`.startsWith(`${chart}:`),
      );
      return moved ? `${moved[1]}${`session.${c}`.slice(moved[0].length)}` : `session.${c}`;
    }),
    audioMs: Math.round((pcm.byteLength / 2 / config.audio.inputRateHz) * 1000),
  };
}

/** Two tables as columns, line by line. */
function sideBySide(left: string, right: string): string {
  const l = left.split('\n');
  const r = right.split('\n');
  const width = Math.max(...l.map((line) => line.length));
  return Array.from({ length: Math.max(l.length, r.length) }, (_, i) =>
    `${(l[i] ?? '').padEnd(width)}  │  ${r[i] ?? ''}`.trimEnd(),
  ).join('\n');
}

export function formatRerun(result: RerunResult, configName = 'the current configuration'): string {
  const { recording } = result;
  const started = new Date(recording.startedWallMs).toISOString();
  const changes =
    result.configChanges.length === 0
      ? 'session settings as recorded'
      : `session settings changed: ${result.configChanges.join(', ')}`;
  return [
    `re-ran ${Math.round(result.audioMs / 100) / 10} s of microphone audio of session ${recording.sessionId} ` +
      `(recording ${recording.id}, ${started}) with ${configName}; ${changes}`,
    '',
    sideBySide(`recorded\n${formatTimelines(result.recorded)}`, `re-run\n${formatTimelines(result.rerun)}`),
  ].join('\n');
}
