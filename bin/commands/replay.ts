/**
 * `voice-agent replay --db FILE [--session ID] [--rerun [--config FILE]]`:
 * - without `--session`: lists the recordings in the file, newest first;
 * - with it: re-drives the session chart from the recorded events on a simulated clock and compares
 *   every state, notice and history entry (server/records/replay.ts); exit 0 when identical, 1 at the
 *   first divergence;
 * - with `--rerun`: runs the recorded microphone audio through the engines of `--config` (or the
 *   current configuration) in real time and prints the old and new per-turn timelines side by side.
 *
 * `ID` is a session id (its newest recording) or a recording id.
 *
 * `voice-agent replay --mcap FILE`: the same replay from an MCAP file `voice-agent export --mcap` wrote,
 * from that file alone (its event log channel and recording metadata).
 */
import { loadConfig } from '../../runtime/config.js';
import {
  formatReplay,
  openRecordStore,
  readMcapRecording,
  replayRecording,
  type RecordStore,
} from '../../server/records/index.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from './flags.js';

function listRecordings(store: RecordStore, out: (line: string) => void): void {
  const recordings = store.recordings();
  if (recordings.length === 0) {
    out(`no recordings in ${store.file}`);
    return;
  }
  const rows = recordings.map((r) => [
    r.sessionId,
    r.id,
    new Date(r.startedWallMs).toISOString(),
    r.endedAtMs === null ? 'not ended' : `${Math.round(r.endedAtMs / 1000)} s, ${r.endReason}`,
    String(r.events),
    String(r.turns),
    r.audio ? 'yes' : 'no',
  ]);
  const header = ['session', 'recording', 'started', 'length', 'events', 'turns', 'audio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const cells of [header, ...rows])
    out(
      cells
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
  out(`\nreplay one with: voice-agent replay --db ${store.file} --session <session or recording>`);
}

export async function runReplayCommand(args: string[], out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseCommandArgs(args, {
    db: { type: 'string' },
    mcap: { type: 'string' },
    session: { type: 'string' },
    rerun: { type: 'boolean' },
    ...CONFIG_OPTION,
  });
  if (values.mcap !== undefined) {
    if (values.db || values.session || values.rerun || values.config)
      throw new UsageError('--mcap replays its one file: no --db, --session, --rerun or --config with it');
    const data = await readMcapRecording(values.mcap);
    const result = replayRecording(data);
    out(formatReplay(result));
    return result.identical ? 0 : 1;
  }
  if (!values.db)
    throw new UsageError(
      '--db is required: the records file `voice-agent serve --db` wrote (or --mcap FILE: a file `voice-agent ' +
        'export --mcap` wrote)',
    );
  if (values.rerun && !values.session) throw new UsageError('--rerun needs --session');
  if (values.config && !values.rerun)
    throw new UsageError('--config applies to --rerun only: replay always uses the recorded session config');
  const store = openRecordStore({ file: values.db, readonly: true });
  try {
    if (!values.session) {
      listRecordings(store, out);
      return 0;
    }
    if (values.rerun) {
      const { formatRerun, rerunRecording } = await import('../../server/records/rerun.js');
      const config = loadConfig({ env: process.env, ...(values.config ? { file: values.config } : {}) });
      const result = await rerunRecording(store, values.session, config, out);
      out(formatRerun(result, values.config ?? 'the current configuration'));
      return 0;
    }
    const recording = store.recording(values.session);
    const result = replayRecording({
      recording,
      events: store.events(recording.id),
      emitted: store.emitted(recording.id),
    });
    out(formatReplay(result));
    return result.identical ? 0 : 1;
  } finally {
    await store.close();
  }
}
