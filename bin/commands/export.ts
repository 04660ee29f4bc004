/**
 * `voice-agent export --db FILE --session ID [--out DIR]`: writes one recorded session as JSON Lines
 * (`<session>-<recording>.jsonl`), its per-turn timeline as CSV (`.timeline.csv`) and, when it was
 * recorded, the microphone as WAV (`.microphone.wav`) into DIR (default: the current directory).
 */
import { exportRecording, openRecordStore } from '../../server/records/index.js';
import { parseCommandArgs, UsageError } from './flags.js';

export async function runExportCommand(args: string[], out: (line: string) => void = console.log): Promise<void> {
  const { values } = parseCommandArgs(args, { db: { type: 'string' }, session: { type: 'string' }, out: { type: 'string' } });
  if (!values.db || !values.session) throw new UsageError('--db and --session are required (list the sessions with `voice-agent replay --db FILE`)');
  const store = openRecordStore({ file: values.db, readonly: true });
  try {
    const files = await exportRecording(store, values.session, values.out ?? '.');
    out(`${files.jsonl}: ${files.lines} lines`);
    out(`${files.csv}: the per-turn timeline`);
    if (files.wav) out(`${files.wav}: the microphone`);
  } finally {
    await store.close();
  }
}
