/**
 * `voice-agent check` run in this process, as the records tests run it on what a session recorded: its
 * exit code and what it printed on each stream, and the verdict every "checked clean" test asserts.
 *
 * @example
 * ```ts
 * const checked = await runCheck([db]);
 * expectSameDecisions(checked, 'robot-1'); // one recording, the same decisions, exit 0
 * ```
 */
import { expect } from 'vitest';
import { runCheckCommand } from '../../bin/commands/check.js';

export interface CheckRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCheck(args: string[]): Promise<CheckRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCheckCommand(
    args,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** One recording checked, its session (`session`: its id, or any) with the same decisions, exit 0. */
export function expectSameDecisions(checked: CheckRun, session = ''): void {
  expect(checked.stdout, checked.stderr).toMatch(new RegExp(`${session}: same decisions \\(\\d+ turns`));
  expect(checked.stdout).toMatch(/1 recording checked, 0 with different decisions$/);
  expect(checked.code).toBe(0);
}
