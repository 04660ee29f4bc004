/**
 * `npm run bench -- --scenario check`: how faithfully `voice-agent check` re-runs recorded sessions, per
 * entry, and what a check costs. For each entry it can run here (headless), it records `sessions`
 * sessions with `record.audio`, each its own words, and checks every one on the same build and
 * configuration: the differences on re-run (any is a re-run that is not faithful; 0 is the goal).
 *
 * - `realtime`: a Realtime client on `/v1/realtime` (a plain WebSocket), 24 kHz: a spoken command, then a
 *   typed question whose answer a spoken "turn left" interrupts.
 * - `run`: `voice-agent run --db` on a WAV file of two commands 4 s apart.
 * - `nats`: `serve --nats` with a session listed at start, a device on its own NATS connection streaming
 *   a command, the reference robot on another, a typed question and a stop over its answer.
 * - `live`: `voice-agent live` in the virtual PulseAudio room (skipped without PulseAudio): a command,
 *   then "hello robot". Also `live, without the conditioner feed`: the same recordings re-run with the
 *   far end of a plain device sink and the blocks' arrival times as the conditioner's times, as a
 *   re-run has them without what the recording keeps of the sound server's clocks.
 *
 * Then the cost: a 60 s `run` recording (15 commands) checked by the CLI in a process of its own, wall
 * and CPU time, node and tsx start included (`/usr/bin/time`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeWav } from '../adapters/audio/wav.js';
import { createFliteTts } from '../adapters/tts/flite.js';
import { recordingsOf } from '../server/records/check.js';
import { round } from './stats.js';
import { liveEntries, natsEntry, realtimeEntry, runEntry, type CheckRow } from './check-entries.js';
import { command, runCommand, speech } from './check-speech.js';

/** A process of its own (`/usr/bin/time` timing the CLI's check). */
const run = promisify(execFile);

export interface CheckCostRow {
  scenario: 'check-cost';
  entry: 'run';
  recordingS: number;
  turns: number;
  differences: number;
  /**
   * `voice-agent check FILE` in a process of its own: wall and CPU (user + system) seconds, node and tsx start
   * included.
   */
  wallS: number;
  cpuS: number;
}

/** A 60 s `run` recording of 15 commands, checked by the CLI in a process of its own. */
async function costRow(dir: string, progress: (line: string) => void): Promise<CheckCostRow> {
  const db = join(dir, 'long.db');
  const tts = createFliteTts();
  const second = tts.sampleRateHz * 2;
  // 15 slots of 4 s: 0.6 s of silence, the command (at most 2.4 s of it), silence.
  const parts: Uint8Array[] = [];
  for (let i = 0; i < 15; i++) {
    const words = await speech(command(i), tts.sampleRateHz, 0, 0);
    const slot = new Uint8Array(4 * second);
    const lead = Math.round(0.6 * tts.sampleRateHz) * 2;
    slot.set(words.subarray(0, Math.min(words.byteLength, slot.byteLength - lead - second)), lead);
    parts.push(slot);
  }
  const input = join(dir, 'long.wav');
  writeFileSync(input, encodeWav(Buffer.concat(parts), tts.sampleRateHz));
  progress('  cost: a 60 s run recording (15 commands, 4 s apart), in real time');
  await runCommand(['run', '--in', input, '--out', join(dir, 'long.reply.wav'), '--db', db, '--session', 'long']);
  const [recorded] = await recordingsOf(db);
  const timed = await run(
    '/usr/bin/time',
    ['-f', 'TIME %e %U %S', process.execPath, '--import', 'tsx', 'bin/voice-agent.ts', 'check', db],
    {
      timeout: 600_000,
    },
  ).catch((error: { stdout: string; stderr: string }) => error);
  const [wall, user, system] = (/TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(timed.stderr) ?? []).slice(1).map(Number);
  const differences = /(\d+) decisions? differs?/.exec(timed.stdout)?.[1];
  progress(`  cost: ${timed.stdout.trim().split('\n')[0]}`);
  return {
    scenario: 'check-cost',
    entry: 'run',
    recordingS: round((recorded!.recording.endedAtMs ?? 0) / 1000, 1),
    turns: recorded!.turns.length,
    differences: differences ? Number(differences) : 0,
    wallS: round(wall ?? Number.NaN, 1),
    cpuS: round((user ?? Number.NaN) + (system ?? Number.NaN), 1),
  };
}

export const CHECK_PARTS = ['realtime', 'run', 'nats', 'live', 'cost'] as const;

/** `parts`: the entries to record and check, and `cost` (the 60 s recording); default all. */
export async function runCheckScenario(
  options: { sessions: number; parts?: ReadonlyArray<(typeof CHECK_PARTS)[number]> },
  progress: (line: string) => void,
): Promise<Array<CheckRow | CheckCostRow>> {
  const dir = mkdtempSync(join(tmpdir(), 'va-bench-check-'));
  const rows: Array<CheckRow | CheckCostRow> = [];
  const parts = options.parts ?? CHECK_PARTS;
  const n = options.sessions;
  try {
    for (const part of parts) {
      progress(part === 'cost' ? 'check: the time to check a 60 s recording' : `check: ${part}, ${n} sessions`);
      if (part === 'realtime') rows.push(await realtimeEntry(dir, n, progress));
      else if (part === 'run') rows.push(await runEntry(dir, n, progress));
      else if (part === 'nats') rows.push(await natsEntry(dir, n, progress));
      else if (part === 'live') rows.push(...(await liveEntries(dir, n, progress)));
      else rows.push(await costRow(dir, progress));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function printCheck(rows: Array<CheckRow | CheckCostRow>): void {
  console.log('\n## voice-agent check: differences on re-run (same build and configuration)\n');
  console.log(
    '| entry | sessions | failed to record | turns | decisions | sessions with differences | differing decisions | ' +
      'check per session p50 / p99 |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    if (r.scenario !== 'check') continue;
    console.log(
      `| ${r.entry} | ${r.sessions} | ${r.failed} | ${r.turns} | ${r.decisions} | ${r.differing} | ` +
        `${r.differences} | ${Math.round(r.checkMs.p50)} / ${Math.round(r.checkMs.p99)} ms |`,
    );
  }
  for (const r of rows) {
    if (r.scenario !== 'check-cost') continue;
    console.log(
      `\n\`voice-agent check\` of a ${r.recordingS} s ${r.entry} recording (${r.turns} turns, ${r.differences} ` +
        `differences): ${r.wallS} s wall, ${r.cpuS} s CPU (node and tsx start included)`,
    );
  }
}
