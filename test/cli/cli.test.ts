import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', ...args], { timeout: 60_000 });

describe('voice-agent CLI', () => {
  it('demo --fast plays the scripted conversation with a barge-in and prints the timeline', async () => {
    const { stdout } = await cli('demo', '--fast');
    expect(stdout).toContain('notice reply_cancelled: barge_in (u2)');
    expect(stdout).toMatch(/speaking\.reply\.playing\+user\.candidate → listening\.hearing\s+\(after minInterruption\)/);
    expect(stdout).toMatch(/demo#u2 .* interrupted \(barge_in\)/);
    const interrupted = /assistant u2 {3}\[interrupted\] (.+)/.exec(stdout)?.[1];
    const full = 'Today is sunny and warm, with a light breeze from the west. In the evening it cools down, so take a jacket if you go out late, and maybe an umbrella for tomorrow.';
    expect(interrupted).toBeDefined();
    expect(full.startsWith(interrupted!)).toBe(true);
    expect(interrupted!.length).toBeLessThan(full.length);
  });

  it('demo --json prints timelines and history as JSON', async () => {
    const { stdout } = await cli('demo', '--fast', '--json');
    const parsed = JSON.parse(stdout) as { turns: Array<{ id: string; outcome: string }>; history: unknown[] };
    expect(parsed.turns.map((t) => [t.id, t.outcome])).toEqual([
      ['demo#u1', 'finished'],
      ['demo#u2', 'interrupted'],
      ['demo#u3', 'finished'],
      ['demo#t1', 'finished'],
    ]);
    expect(parsed.history).toHaveLength(8);
  });

  it('an unknown command exits 2 naming the valid commands', async () => {
    await expect(cli('bogus')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "bogus": use one of demo') });
  });

  it('the committed chart diagram matches the machine', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bin/diagram.ts', '--check'], { timeout: 60_000 });
    expect(stdout).toContain('matches the machine');
  });
});
