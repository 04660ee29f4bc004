/**
 * `voice-agent check` over the repository's suite (test/records/suite/: flite saying a command with its
 * action, a greeting and the emergency stop, recorded on the default configuration and kept as MCAP):
 * every recording re-runs through today's code and configuration in real time and must decide the same.
 * Then a deliberately changed setting (the `turn` rule's reply) makes it fail with the report a reviewer
 * reads — the turn, what it was, what it is now — and `--update` accepts it into the recording, which
 * then replays and checks clean under the new setting. A records database is checked the same way.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { acceptRerun } from '../../server/records/check.js';
import { readMcapRecording } from '../../server/records/index.js';

const run = promisify(execFile);
const cli = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', ...args], { timeout: 280_000 }).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: '' }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
const SUITE = ['emergency-stop', 'hello-robot', 'turn-left'].map((name) => join('test/records/suite', `${name}.mcap`));
const dir = mkdtempSync(join(tmpdir(), 'va-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The example rules with the `turn` rule answering otherwise: the deliberate change. */
function changedConfig(): string {
  const rules = JSON.parse(readFileSync('examples/robot-rules.json', 'utf8')) as {
    rules: Array<{ id: string; reply?: string }>;
  };
  rules.rules.find((r) => r.id === 'turn')!.reply = 'Rotating {direction}.';
  writeFileSync(join(dir, 'rules.json'), JSON.stringify(rules));
  writeFileSync(join(dir, 'changed.json'), JSON.stringify({ llm: { rulesPath: join(dir, 'rules.json') } }));
  return join(dir, 'changed.json');
}

describe('voice-agent check', () => {
  it("passes over the repository's suite: every recording decides the same on today's code", async () => {
    const { code, stdout } = await cli(['check', ...SUITE]);
    expect(stdout).toMatch(/^test\/records\/suite\/emergency-stop\.mcap emergency-stop: same decisions \(0 turns/m);
    expect(stdout).toMatch(
      new RegExp(
        String.raw`^test/records/suite/hello-robot\.mcap hello-robot: same decisions ` +
          String.raw`\(1 turns; first audio after the voice ended: u1 \d+ → \d+ ms`,
        'm',
      ),
    );
    expect(stdout).toMatch(
      new RegExp(
        String.raw`^test/records/suite/turn-left\.mcap turn-left: same decisions ` +
          String.raw`\(2 turns; first audio after the voice ended: u1 \d+ → \d+ ms`,
        'm',
      ),
    );
    expect(stdout).toMatch(/^3 recordings checked, 0 with different decisions$/m);
    expect(code).toBe(0);
  }, 300_000);

  it(
    'fails on a deliberately changed setting with the turn, what it was and what it is now; --update ' + 'accepts it',
    async () => {
      const file = join(dir, 'turn-left.mcap');
      copyFileSync('test/records/suite/turn-left.mcap', file);
      const config = changedConfig();
      const failed = await cli(['check', file, '--config', config]);
      expect(failed.stdout).toMatch(
        new RegExp(
          `^${file} turn-left: 1 decision differs; first audio after the voice ended: u1 \\d+ → \\d+ ms\\n` +
            '  build changed: llm\\.rulesPath: [0-9a-f]{16} → [0-9a-f]{16}\\n' +
            '  turn u1  heard  was "Turning left\\."  is now "Rotating left\\."\\n' +
            '1 recording checked, 1 with different decisions: accept a deliberate change with --update\\n$',
        ),
      );
      expect(failed.code).toBe(1);

      const updated = await cli(['check', file, '--config', config, '--update']);
      expect(updated.stdout).toContain(`  updated: ${file} now holds this behaviour`);
      expect(updated.code).toBe(0);
      // The file is a whole recording again: it replays, and holds the new reply.
      expect((await cli(['replay', '--mcap', file])).stdout).toMatch(/identical/);
      expect((await readMcapRecording(file)).turns[0]).toMatchObject({ turnId: 'u1', heardText: 'Rotating left.' });
      const again = await cli(['check', file, '--config', config]);
      expect(again.stdout).toMatch(/turn-left: same decisions/);
      expect(again.code).toBe(0);
    },
    300_000,
  );

  it(
    'checks a records database (each session’s newest recording), and says when a recording has no ' + 'audio',
    async () => {
      const hello = await readMcapRecording('test/records/suite/hello-robot.mcap');
      // Into a database as `--update` writes a re-run: the session's newest recording, with its audio.
      const db = join(dir, 'records.db');
      await acceptRerun({ file: db, rerun: hello });
      const checked = await cli(['check', db]);
      expect(checked.stdout).toMatch(new RegExp(`^${db} hello-robot: same decisions \\(1 turns`, 'm'));
      expect(checked.code).toBe(0);

      const silent = join(dir, 'silent.db');
      await acceptRerun({ file: silent, rerun: { ...hello, audio: [] } });
      const refused = await cli(['check', silent]);
      expect(refused).toMatchObject({ code: 2 });
      expect(refused.stderr).toMatch(
        new RegExp(
          `voice-agent: ${silent}: session hello-robot \\(recording [0-9a-f-]{36}\\) has no microphone audio, so ` +
            `it cannot be checked: record with record\\.audio true`,
        ),
      );
    },
    300_000,
  );
});
