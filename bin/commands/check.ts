/**
 * `voice-agent check RECORDING... [--update] [--config FILE]`: re-runs each recorded session's audio
 * through the current code and configuration (or `--config`) and compares what the agent decided —
 * transcripts, refused and not-understood commands, emergency stops, actions and how they ended, cut
 * replies, turn outcomes, what was heard — with what the recording says (server/records/check.ts). Exit
 * 0 when every recording decides the same, 1 with one line per difference otherwise (turn, kind, was,
 * is now). Timing figures are printed, never compared; engine deadlines are lifted to 10 s in a re-run
 * (`--strict-deadlines` keeps the configured ones). `--update` writes the new behaviour into each
 * recording that differs. A RECORDING is an MCAP file (`voice-agent export --mcap`) or a records
 * database (each session's newest recording with audio). A file that is not a recording, or a recording
 * that cannot be re-run (no microphone, an older schema, missing models), is said on stderr with the file
 * and what is missing; exit 2, nothing written.
 */
import { loadConfig } from '../../runtime/config.js';
import { CONFIG_OPTION, parseCommandArgs, UsageError } from './flags.js';

export async function runCheckCommand(
  args: string[],
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { update: { type: 'boolean' }, 'strict-deadlines': { type: 'boolean' }, ...CONFIG_OPTION },
    { min: 1, max: 10_000, names: 'recordings (MCAP files or records databases)' },
  );
  const { acceptRerun, checkRecordingFile, formatCheck } = await import('../../server/records/check.js');
  const { RecordStoreError } = await import('../../server/records/errors.js');
  const config = loadConfig({ env: process.env, ...(values.config ? { file: values.config } : {}) });
  let differing = 0;
  let checked = 0;
  let unusable = 0;
  for (const file of positionals) {
    let results: Awaited<ReturnType<typeof checkRecordingFile>>;
    try {
      results = await checkRecordingFile(file, config, { strictDeadlines: values['strict-deadlines'] === true });
    } catch (error) {
      // A file that is not a recording, or one that cannot be re-run: said, nothing written, exit 2.
      if (!(error instanceof RecordStoreError)) throw error;
      unusable++;
      err(`voice-agent: ${error.message}`);
      continue;
    }
    for (const result of results) {
      checked++;
      out(formatCheck(result));
      if (result.differences.length === 0) continue;
      differing++;
      if (values.update) {
        await acceptRerun(result);
        out(`  updated: ${file} now holds this behaviour`);
      }
    }
  }
  if (unusable > 0) {
    out(
      `${checked} recording${checked === 1 ? '' : 's'} checked, ${differing} with different decisions; ` +
        `${unusable} file${unusable === 1 ? '' : 's'} could not be checked`,
    );
    return 2;
  }
  if (checked === 0) throw new UsageError('no recordings in the files given');
  const summary = `${checked} recording${checked === 1 ? '' : 's'} checked, ${differing} with different decisions`;
  if (differing > 0 && values.update) {
    out(`${summary}: accepted (--update)`);
    return 0;
  }
  out(differing > 0 ? `${summary}: accept a deliberate change with --update` : summary);
  return differing > 0 ? 1 : 0;
}
