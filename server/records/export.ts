/**
 * Export of one recording for users' own tools: the whole session as JSON Lines (the recording, then
 * every event with the notices and history entries it caused right after it, then the turns), the
 * per-turn timeline as CSV, and the microphone as a WAV file when it was recorded. Times are ms since
 * the recording started (`startedAt` in the first line).
 *
 * @example
 * ```ts
 * const files = await exportRecording(store, 'robot-1', 'exports');
 * files.jsonl; // 'exports/robot-1-3f9a0c1d.jsonl'
 * ```
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeWav } from '../../adapters/audio/wav.js';
import type { TurnTimeline } from '../../bus/messages.js';
import { recordedMicrophone } from './microphone.js';
import type { RecordStore } from './store.js';

export interface ExportedFiles {
  jsonl: string;
  csv: string;
  /** The microphone, when it was recorded. */
  wav: string | undefined;
  lines: number;
}

const CSV_COLUMNS: Array<[string, (t: TurnTimeline) => string | number | undefined]> = [
  ['turn_id', (t) => t.turnId],
  ['user_text', (t) => t.userText],
  ['speech_end_ms', (t) => t.speechEndAtMs],
  ['transcript_ms', (t) => t.transcriptAtMs],
  ['llm_request_ms', (t) => t.llmRequestAtMs],
  ['first_token_ms', (t) => t.firstTokenAtMs],
  ['first_clause_ms', (t) => t.firstClauseAtMs],
  ['tts_first_chunk_ms', (t) => t.ttsFirstChunkAtMs],
  ['first_audio_ms', (t) => t.firstAudioAtMs],
  ['ended_ms', (t) => t.endedAtMs],
  ['outcome', (t) => t.outcome],
  ['reason', (t) => t.reason],
  ['heard_text', (t) => t.heardText],
  ['tts_failovers', (t) => (t.fallbacks ?? []).map((f) => `${f.fromEngine}>${f.toEngine}@${f.atMs}`).join(' ')],
];

/** RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
const csvCell = (value: string | number | undefined): string => {
  const text = value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function timelineCsv(turns: readonly TurnTimeline[]): string {
  const rows = [CSV_COLUMNS.map(([name]) => name), ...turns.map((t) => CSV_COLUMNS.map(([, get]) => csvCell(get(t))))];
  return `${rows.map((r) => r.join(',')).join('\r\n')}\r\n`;
}

export async function exportRecording(store: RecordStore, ref: string, outDir: string): Promise<ExportedFiles> {
  const recording = store.recording(ref);
  const { id } = recording;
  const base = join(outDir, `${recording.sessionId}-${id.slice(0, 8)}`);
  mkdirSync(outDir, { recursive: true });

  const emitted = store.emitted(id);
  const byEvent = new Map<number, typeof emitted>();
  for (const e of emitted) byEvent.set(e.eventSeq, [...(byEvent.get(e.eventSeq) ?? []), e]);
  const turns = store.turns(id);
  const { config, ...summary } = recording;
  const lines: object[] = [
    { kind: 'recording', ...summary, startedAt: new Date(recording.startedWallMs).toISOString(), config },
  ];
  for (const event of store.events(id)) {
    lines.push({ kind: 'event', ...event });
    for (const e of byEvent.get(event.seq) ?? []) lines.push(e);
  }
  for (const turn of turns) lines.push({ kind: 'turn', ...turn });
  writeFileSync(`${base}.jsonl`, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(`${base}.timeline.csv`, timelineCsv(turns));

  let wav: string | undefined;
  const chunks = store.audio(id);
  if (chunks.length > 0) {
    const rateHz = chunks[0]!.sampleRateHz;
    wav = `${base}.microphone.wav`;
    writeFileSync(wav, encodeWav(await recordedMicrophone(chunks, rateHz), rateHz));
  }
  return { jsonl: `${base}.jsonl`, csv: `${base}.timeline.csv`, wav, lines: lines.length };
}
