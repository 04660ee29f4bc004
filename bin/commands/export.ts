/**
 * `voice-agent export --db FILE --session ID [--out DIR]`: writes one recorded session as JSON Lines
 * (`<session>-<recording>.jsonl`), its per-turn timeline as CSV (`.timeline.csv`) and, when it was
 * recorded, the microphone as WAV (`.microphone.wav`) into DIR (default: the current directory).
 *
 * `voice-agent export --db FILE --session ID --mcap OUT.mcap [--topic-prefix /robot1/voice_agent] [--no-raw-audio]`:
 * writes it as one MCAP file instead (profile `ros2`; docs/records.md#mcap-for-foxglove-and-ros-2), which Foxglove and
 * `ros2 bag` open and `voice-agent replay --mcap` / `voice-agent check` read back.
 */
import {
  exportRecording,
  mcapTopics,
  openRecordStore,
  recordingData,
  writeMcapFile,
} from '../../server/records/index.js';
import { parseCommandArgs, UsageError } from './flags.js';

export async function runExportCommand(args: string[], out: (line: string) => void = console.log): Promise<void> {
  const { values } = parseCommandArgs(args, {
    db: { type: 'string' },
    session: { type: 'string' },
    out: { type: 'string' },
    mcap: { type: 'string' },
    'topic-prefix': { type: 'string' },
    'no-raw-audio': { type: 'boolean' },
  });
  if (!values.db || !values.session)
    throw new UsageError('--db and --session are required (list the sessions with `voice-agent replay --db FILE`)');
  if (values.mcap && values.out)
    throw new UsageError('--out is for the JSON Lines / CSV / WAV export; --mcap names its one file');
  if (!values.mcap && (values['topic-prefix'] !== undefined || values['no-raw-audio']))
    throw new UsageError('--topic-prefix and --no-raw-audio apply to --mcap only');
  let topics: ReturnType<typeof mcapTopics> | undefined;
  try {
    topics = values.mcap
      ? mcapTopics({ ...(values['topic-prefix'] !== undefined ? { prefix: values['topic-prefix'] } : {}) })
      : undefined;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const store = openRecordStore({ file: values.db, readonly: true });
  try {
    if (values.mcap) {
      const written = await writeMcapFile(recordingData(store, values.session), values.mcap, {
        ...(topics ? { topics } : {}),
        rawAudio: !values['no-raw-audio'],
      });
      out(
        `${written.file}: ${written.messages} messages on ${Object.keys(written.byTopic).length} of ` +
          `${written.channels} topics (profile ros2)`,
      );
      for (const [topic, count] of Object.entries(written.byTopic)) out(`  ${topic}  ${count}`);
      return;
    }
    const files = await exportRecording(store, values.session, values.out ?? '.');
    out(`${files.jsonl}: ${files.lines} lines`);
    out(`${files.csv}: the per-turn timeline`);
    if (files.wav) out(`${files.wav}: the microphone`);
  } finally {
    await store.close();
  }
}
