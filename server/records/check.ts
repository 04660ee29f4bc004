/**
 * `voice-agent check`: re-runs recorded sessions through the current code and configuration and
 * compares what the agent decided (server/records/decisions.ts) with what each recording says it
 * decided. The session is re-run as it ran (faithful-rerun.ts, from the material rerun-material.ts
 * describes): its microphone blocks, outside inputs and engine answer times, on a simulated clock; the
 * re-run is recorded the way `serve` records, so both sides are read the same way. Timing figures (each
 * turn's first audio after the user's voice ended) are reported beside, never compared. `update` writes
 * the re-run's behaviour into the recording (the recorded audio and material kept as they were),
 * deliberately accepting a change. A recording that cannot be re-run is a {@link RecordingUnusableError}.
 *
 * A recording is an MCAP file (`voice-agent export --mcap`) or a SQLite records file (each session's
 * newest recording with audio).
 *
 * @example
 * ```ts
 * const [result] = await checkRecordingFile('suite/turn-left.mcap', loadConfig({}));
 * console.log(formatCheck(result));
 * // 'suite/turn-left.mcap turn-left: same decisions (2 turns; first audio u1 230 → 241 ms)'
 * ```
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { AppConfig } from '../../runtime/config.js';
import { compareDecisions, decisionsOf, formatDifferences, type DecisionDifference } from './decisions.js';
import { RecordStoreError } from './errors.js';
import { readMcapRecording } from './mcap/read.js';
import type { RecordingData } from './mcap/topics.js';
import { recordingData, writeMcapFile } from './mcap/write.js';
import { createSessionRecorder, type SessionRecorder } from './recorder.js';
import { openRecordStore, type RecordStore } from './store.js';
import Database from 'better-sqlite3';
import { rerunFaithfully } from './faithful-rerun.js';
import {
  buildChanges,
  buildFingerprint,
  RERUN_MATERIAL_VERSION,
  RerunMaterialSchema,
  type RerunMaterial,
} from './rerun-material.js';
import { SCHEMA_VERSION } from './schema.js';

/**
 * A recording `check` cannot re-run as it ran: no microphone, no re-run material (an older schema), models
 * the re-run needs are missing. The message names the file and what is missing; `check` exits 2 and writes nothing.
 */
export class RecordingUnusableError extends RecordStoreError {
  override name = 'RecordingUnusableError';
}

export interface CheckResult {
  /** The recording's file, and the session in it. */
  file: string;
  sessionId: string;
  recordingId: string;
  differences: DecisionDifference[];
  /**
   * What differs between the recording's build (engines, models, versions) and today's: reported, the decisions say
   * whether it matters.
   */
  buildChanges: string[];
  turns: number;
  /** Per turn with audio: first audio after the user's voice ended, recorded → now (ms); reported, not compared. */
  latencies: Array<{ turnId: string; wasMs?: number; isNowMs?: number }>;
  /** The re-run, to write back with `update`. */
  rerun: RecordingData;
  recorded: RecordingData;
}

const MCAP_MAGIC = Buffer.from([0x89, 0x4d, 0x43, 0x41, 0x50]);

/** MCAP by its magic bytes, whatever the name; anything else is opened as a records database. */
export function isMcapFile(file: string): boolean {
  if (!existsSync(file)) return file.endsWith('.mcap');
  const head = readFileSync(file).subarray(0, MCAP_MAGIC.length);
  return head.equals(MCAP_MAGIC);
}

/** The recordings of a file to check: the one of an MCAP file; each session's newest of a records database. */
export async function recordingsOf(file: string): Promise<RecordingData[]> {
  if (isMcapFile(file)) return [await readMcapRecording(file)];
  const version = schemaVersionOf(file);
  if (version === 0) {
    throw new RecordingUnusableError(
      `${file}: a SQLite database, but not a voice-agent records database (no records schema): give a file ` +
        `\`voice-agent serve --db\` wrote`,
      file,
    );
  }
  if (version !== undefined && version < SCHEMA_VERSION) {
    throw new RecordingUnusableError(
      `${file}: records database of an older voice-agent (schema ${version}; this one writes ${SCHEMA_VERSION}): ` +
        `its recordings lack what a re-run needs (the microphone's arrival blocks, the inputs, the build), so they ` +
        `cannot be checked: record them again with record.audio true`,
      file,
    );
  }
  const store = openRecordStore({ file, readonly: true });
  try {
    const sessions = [...new Set(store.recordings().map((r) => r.sessionId))];
    return sessions.map((sessionId) => recordingData(store, sessionId));
  } finally {
    await store.close();
  }
}

/** The file's records schema version; undefined where it does not open (the store's own open says why). */
function schemaVersionOf(file: string): number | undefined {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    return db.pragma('user_version', { simple: true }) as number;
  } catch {
    return undefined;
  } finally {
    db?.close();
  }
}

/** The recording's re-run material, or an error naming the file and what is missing. */
export function materialOf(recorded: RecordingData, file: string): RerunMaterial {
  const { recording } = recorded;
  const which = `session ${recording.sessionId} (recording ${recording.id})`;
  if (recorded.audio.length === 0) {
    throw new RecordingUnusableError(
      `${file}: ${which} has no microphone audio, so it cannot be checked: record with record.audio true ` +
        `(VA_RECORD__AUDIO=true)`,
      file,
    );
  }
  if (recording.rerun === undefined) {
    throw new RecordingUnusableError(
      `${file}: ${which} was recorded by an older voice-agent, without what a re-run needs (the microphone's ` +
        `arrival blocks, the inputs, the build), or its session never ended: record it again`,
      file,
    );
  }
  const parsed = RerunMaterialSchema.safeParse(recording.rerun);
  if (!parsed.success || parsed.data.version !== RERUN_MATERIAL_VERSION) {
    const found = parsed.success
      ? `version ${parsed.data.version}, not ${RERUN_MATERIAL_VERSION}`
      : parsed.error.issues[0]?.message;
    throw new RecordingUnusableError(
      `${file}: ${which} holds re-run material this voice-agent does not read (${found}): record it again`,
      file,
    );
  }
  const bytes = recorded.audio.reduce((n, a) => n + a.pcm.byteLength, 0);
  const blockBytes = parsed.data.blocks.reduce((n, b) => n + b[1], 0);
  if (bytes !== blockBytes) {
    throw new RecordingUnusableError(
      `${file}: ${which}: its microphone holds ${bytes} bytes but its arrival blocks ${blockBytes}: the ` +
        `recording is damaged`,
      file,
    );
  }
  return parsed.data;
}

/** Files the configuration loads that are not there: a re-run without them would not be this build's. */
export function missingModels(config: AppConfig): string[] {
  const build = buildFingerprint(config);
  return Object.entries(build.engines)
    .filter(([, v]) => v === 'missing')
    .map(([k]) => k);
}

/**
 * The recorded session run again as it ran (faithful-rerun.ts) through the engines of `config`, recorded as `serve`
 * records it.
 */
async function rerun(recorded: RecordingData, config: AppConfig, file: string): Promise<RecordingData> {
  const { recording } = recorded;
  const material = materialOf(recorded, file);
  const missing = missingModels(config);
  if (missing.length > 0) {
    throw new RecordingUnusableError(
      `${file}: session ${recording.sessionId} cannot be re-run: the configuration's ` +
        `${missing.map((k) => `${k} (${settingValue(config, k)})`).join(', ')} ` +
        `${missing.length === 1 ? 'is' : 'are'} missing: fetch the models or fix the paths`,
      file,
    );
  }
  const microphone = new Uint8Array(Buffer.concat(recorded.audio.map((a) => a.pcm)));
  const store = openRecordStore({ file: ':memory:' });
  try {
    let recorder: SessionRecorder | undefined;
    await rerunFaithfully(
      recorded,
      material,
      config,
      ({ bus, clock }) => (recorder = createSessionRecorder(store, { bus, clock, audio: false })).attach,
      microphone,
    );
    recorder!.close(recording.endReason ?? 'end');
    store.flush();
    const now = recordingData(store, recording.sessionId);
    // The recorded audio stays the recording's: a re-run pads it with the silence it waits through.
    return {
      ...now,
      recording: { ...now.recording, audio: true, rerun: { ...material, build: buildFingerprint(config) } },
      audio: recorded.audio,
    };
  } finally {
    await store.close();
  }
}

const firstAudioMs = (data: RecordingData) =>
  new Map(
    data.turns
      .filter((t) => t.voiceEndAtMs !== undefined && t.firstAudioAtMs !== undefined)
      .map((t) => [t.turnId, t.firstAudioAtMs! - t.voiceEndAtMs!]),
  );

/**
 * Engine deadlines in a re-run (`session.timeouts` `sttFinalMs`, `llmGiveUpMs`, `ttsFirstChunkMs`). Why
 * 10 s: a deadline guards a live conversation against an engine that hangs; in a re-run it would turn
 * the load of a CI machine into another decision (on 2 cores at a load average of 20, flite's first chunk
 * often came after the 800 ms default, three re-runs in a row). 10 s is past any engine that answers at all, and well
 * within the 60 s a run waits for its last reply. `strictDeadlines` keeps the configured ones.
 */
export const RERUN_DEADLINE_MS = 10_000;

/** `config` with its engine deadlines raised to at least `deadlineMs`. */
export function lenientDeadlines(config: AppConfig, deadlineMs = RERUN_DEADLINE_MS): AppConfig {
  const t = config.session.timeouts;
  const timeouts = {
    ...t,
    sttFinalMs: Math.max(t.sttFinalMs, deadlineMs),
    llmGiveUpMs: Math.max(t.llmGiveUpMs, deadlineMs),
    ttsFirstChunkMs: Math.max(t.ttsFirstChunkMs, deadlineMs),
  };
  return { ...config, session: { ...config.session, timeouts } };
}

export interface CheckOptions {
  /** Re-run with the configured engine deadlines instead of {@link RERUN_DEADLINE_MS}. */
  strictDeadlines?: boolean;
}

export async function checkRecording(
  recorded: RecordingData,
  config: AppConfig,
  file: string,
  _options: CheckOptions = {},
): Promise<CheckResult> {
  // On the simulated clock engines take no time: the configured deadlines are kept (a re-run meets them as the session
  // did).
  const now = await rerun(recorded, config, file);
  const material = RerunMaterialSchema.parse(recorded.recording.rerun);
  const was = firstAudioMs(recorded);
  const isNow = firstAudioMs(now);
  return {
    file,
    sessionId: recorded.recording.sessionId,
    recordingId: recorded.recording.id,
    differences: compareDecisions(decisionsOf(recorded), decisionsOf(now)),
    buildChanges: buildChanges(material.build, buildFingerprint(config)),
    turns: recorded.turns.length,
    latencies: [...new Set([...was.keys(), ...isNow.keys()])].map((turnId) => ({
      turnId,
      ...(was.has(turnId) ? { wasMs: was.get(turnId)! } : {}),
      ...(isNow.has(turnId) ? { isNowMs: isNow.get(turnId)! } : {}),
    })),
    rerun: now,
    recorded,
  };
}

/** Every recording of `file`, checked one after the other (each re-run is real time). */
export async function checkRecordingFile(
  file: string,
  config: AppConfig,
  options: CheckOptions = {},
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const recorded of await recordingsOf(file)) results.push(await checkRecording(recorded, config, file, options));
  return results;
}

/**
 * Writes the re-run into the recording: an MCAP file is rewritten; a records database gets it as the session's newest
 * recording.
 */
export async function acceptRerun(result: Pick<CheckResult, 'file' | 'rerun'>): Promise<void> {
  const { rerun: data, file } = result;
  if (isMcapFile(file)) {
    await writeMcapFile(data, file, { rawAudio: false });
    return;
  }
  const store: RecordStore = openRecordStore({ file });
  try {
    const recordingId = randomUUID();
    const { recording } = data;
    const { startedWallMs, sessionId, chartVersion, config } = recording;
    store.write({
      table: 'recording',
      recordingId,
      sessionId,
      startedWallMs: Math.max(startedWallMs, Date.now()),
      chartVersion,
      config,
      audio: true,
    });
    for (const e of data.events)
      store.write({
        table: 'event',
        recordingId,
        seq: e.seq,
        atMs: e.atMs,
        event: e.event,
        state: e.state,
        status: e.status,
      });
    for (const e of data.emitted) {
      const { seq, eventSeq, atMs, ...emitted } = e;
      store.write({ table: 'emitted', recordingId, seq, eventSeq, atMs, emitted });
    }
    data.turns.forEach((turn, ordinal) => store.write({ table: 'turn', recordingId, ordinal, turn }));
    for (const a of data.audio)
      store.write({ table: 'audio', recordingId, seq: a.seq, atMs: a.atMs, sampleRateHz: a.sampleRateHz, pcm: a.pcm });
    const rerun = RerunMaterialSchema.safeParse(recording.rerun);
    if (recording.endedAtMs !== null)
      store.write({
        table: 'recordingEnd',
        recordingId,
        endedAtMs: recording.endedAtMs,
        endReason: recording.endReason ?? 'end',
        ...(rerun.success ? { rerun: rerun.data } : {}),
      });
    store.flush();
  } finally {
    await store.close();
  }
}

/** The report of one recording: one line when the decisions are the same, then a line per difference. */
export function formatCheck(result: CheckResult): string {
  const figures = result.latencies.map(
    (l) =>
      `${l.turnId} ${l.wasMs === undefined ? '–' : Math.round(l.wasMs)} → ` +
      `${l.isNowMs === undefined ? '–' : Math.round(l.isNowMs)} ms`,
  );
  const timing = figures.length > 0 ? `; first audio after the voice ended: ${figures.join(', ')}` : '';
  const head = `${result.file} ${result.sessionId}`;
  const build = result.buildChanges.map((line) => `\n  build changed: ${line}`).join('');
  if (result.differences.length === 0) return `${head}: same decisions (${result.turns} turns${timing})${build}`;
  const count =
    result.differences.length === 1 ? '1 decision differs' : `${result.differences.length} decisions differ`;
  return `${head}: ${count}${timing}${build}\n${formatDifferences(result.differences)}`;
}

/** A dotted setting's value, for a message. */
function settingValue(config: AppConfig, key: string): string {
  let value: unknown = config;
  for (const part of key.split('.'))
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return String(value);
}
