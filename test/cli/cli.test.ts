/**
 * The CLI as a newcomer runs it: a child process through tsx, with a timeout. `demo --fast` runs the
 * real session (host, chart, actors, bus) on a simulated clock, so its output is deterministic.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { replyTo } from '../../bin/commands/demo.js';

const run = promisify(execFile);
const tsx = (script: string, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', script, ...args], { timeout: 60_000 });
const cli = (...args: string[]) => tsx('bin/voice-agent.ts', ...args);

/** `[ 6660 ms] state  <from> → <to>  (<event>)` lines, parsed. */
function transitions(stdout: string) {
  return [...stdout.matchAll(/^\[\s*(\d+) ms\] state\s+(\S+)\s+→ (\S+)\s+\((.*)\)$/gm)].map((m) => ({
    atMs: Number(m[1]),
    from: m[2]!,
    to: m[3]!,
    event: m[4]!,
  }));
}

describe('voice-agent demo --fast', () => {
  let stdout = '';
  let stderr = '';
  beforeAll(async () => {
    ({ stdout, stderr } = await cli('demo', '--fast'));
  }, 60_000);

  it('completes without noise on stderr and ends the session', () => {
    expect(stderr).toBe('');
    const steps = transitions(stdout);
    expect(steps[0]).toMatchObject({ from: '(start)', to: 'idle.waiting', event: 'start' });
    expect(steps.at(-1)).toMatchObject({ to: 'ended', event: 'control.end' });
  });

  it('prints every transition with the event that caused it', () => {
    const steps = transitions(stdout);
    // The user's trailing silence is first a pause (adaptive end of turn), then, the words not being a
    // complete command, the full hangover.
    expect(steps.map((s) => `${s.to} (${s.event})`).slice(1, 12)).toEqual([
      'listening.hearing.voiced (vad.speech_start u1)',
      'listening.hearing.paused.short (vad.pause u1)',
      'listening.hearing.paused.long (after completePause)',
      'listening.finalizing (vad.speech_end u1)',
      'processing.reply.thinking+user.silent (stt.final u1)',
      'processing.reply.generating+user.silent (llm.started u1)',
      'processing.reply.synthesizing+user.silent (tts.requested u1)',
      'processing.reply.buffering+user.silent (tts.first_chunk u1)',
      'speaking.reply.playing+user.silent (playback.started u1)',
      'idle.waiting (playback.finished u1)',
      'listening.hearing.voiced (vad.speech_start u2)',
    ]);
    // Each line's `from` is the previous line's `to`: no transition is missing.
    for (let i = 1; i < steps.length; i++) expect(steps[i]!.from).toBe(steps[i - 1]!.to);
  });

  it('shows the barge-in: the reply is cancelled bargeIn.minSpeechMs (500 ms) after the user starts', () => {
    expect(stdout).toMatch(/notice reply_cancelled: barge_in \(u2\)/);
    const steps = transitions(stdout);
    const start = steps.find((s) => s.event === 'vad.speech_start u3');
    const bargeIn = steps.find((s) => s.event === 'after minInterruption');
    expect(start).toMatchObject({
      from: 'speaking.reply.playing+user.silent',
      to: 'speaking.reply.playing+user.candidate.onset',
    });
    expect(bargeIn).toMatchObject({
      from: 'speaking.reply.playing+user.candidate.sustained',
      to: 'listening.hearing.voiced',
    });
    expect(bargeIn!.atMs - start!.atMs).toBe(500);
  });

  it('prints the per-turn timeline table', () => {
    expect(stdout).toMatch(
      /^turn\s+user said\s+transcript\s+first token\s+first clause\s+first audio\s+outcome\s+heard$/m,
    );
    expect(stdout).toMatch(/^demo#u1\s+what can you do\s+\d+\s+\d+\s+\d+\s+\d+\s+finished @\d+/m);
    expect(stdout).toMatch(
      /^demo#u2\s+tell me about the weather\s+\d+\s+\d+\s+\d+\s+\d+\s+interrupted \(barge_in\) @\d+/m,
    );
    expect(stdout).toMatch(/^demo#u3\s+wait, that's enough\s.*finished @\d+/m);
    expect(stdout).toMatch(/^demo#t1\s+What is your battery level\?\s+—\s.*finished @\d+/m);
  });

  it('remembers only what was heard of the interrupted reply, marked interrupted', () => {
    const full = replyTo('tell me about the weather');
    const heard = /^\s+u2\s+assistant\s+(.+?)\s+\[interrupted\]$/m.exec(stdout)?.[1];
    expect(heard).toBeDefined();
    expect(full.startsWith(heard!)).toBe(true);
    expect(heard!.length).toBeGreaterThan(0);
    expect(heard!.length).toBeLessThan(full.length);
    // The finished replies are remembered whole and not marked.
    expect(stdout).toMatch(new RegExp(`^\\s+u1\\s+assistant\\s+${escape(replyTo('what can you do'))}$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^\\s+t1\\s+assistant\\s+${escape(replyTo('battery'))}$`, 'm'));
  });
});

describe('voice-agent CLI', () => {
  it('demo --json prints the timelines and the history as JSON', async () => {
    const { stdout } = await cli('demo', '--fast', '--json');
    const parsed = JSON.parse(stdout) as {
      turns: Array<{ id: string; outcome: string; reason?: string }>;
      history: Array<{ role: string; turnId: string; text: string; interrupted: boolean }>;
    };
    expect(parsed.turns.map((t) => [t.id, t.outcome])).toEqual([
      ['demo#u1', 'finished'],
      ['demo#u2', 'interrupted'],
      ['demo#u3', 'finished'],
      ['demo#t1', 'finished'],
    ]);
    expect(parsed.turns[1]!.reason).toBe('barge_in');
    expect(parsed.history.map((h) => `${h.turnId} ${h.role}${h.interrupted ? ' interrupted' : ''}`)).toEqual([
      'u1 user',
      'u1 assistant',
      'u2 user',
      'u2 assistant interrupted',
      'u3 user',
      'u3 assistant',
      't1 user',
      't1 assistant',
    ]);
  }, 60_000);

  it('an unknown command exits 2 naming the valid commands', async () => {
    await expect(cli('bogus')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining(
        'unknown command "bogus": use one of demo, run, live, devices, say, serve, worker, robot-sim',
      ),
    });
  });

  it('an unknown option exits 2 with the command usage', async () => {
    await expect(cli('demo', '--slow')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('usage: voice-agent demo [--fast] [--json]'),
    });
  });

  it('every command parses strictly: an unknown option or a missing value exits 2 with its usage', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['run', '--in'], /Option '--in <value>' argument missing/],
      [['say', 'hi', '--out', 'x.wav', '--loud'], /Unknown option '--loud'/],
      [['serve', '--port'], /Option '--port <value>' argument missing/],
      [['serve', '--port=http'], /--port http is not a port number/],
      [['serve', '--foxglove=ws'], /--foxglove ws is not a port number/],
      [['worker', 'tts', 'extra'], /unexpected argument "extra"/],
      [['worker'], /missing the stage/],
      [
        ['worker', 'tts'],
        /a worker serves sessions over NATS: give --nats URL or set nats\.servers \(VA_NATS__SERVERS\)/,
      ],
      [['demo', 'now'], /Unexpected argument 'now'|unexpected argument/],
      [['live', '--input'], /Option '--input <value>' argument missing/],
      [['live', '--playback-latency', 'soon'], /--playback-latency takes a positive number of milliseconds/],
      [['devices', 'all'], /Unexpected argument 'all'|unexpected argument/],
      [['models', 'whisper'], /unknown model whisper: known models are silero/],
    ];
    await Promise.all(
      cases.map(async ([args, message]) => {
        const failure = (await cli(...args).then(
          () => undefined,
          (e: unknown) => e,
        )) as { code: number; stderr: string } | undefined;
        expect(failure?.code).toBe(2);
        expect(failure?.stderr).toMatch(message);
        expect(failure?.stderr).toContain(`usage: voice-agent ${args[0]}`);
      }),
    );
  }, 60_000);

  it('--help lists the commands; <command> --help shows its usage', async () => {
    const { stdout } = await cli('--help');
    for (const command of [
      'demo',
      'run',
      'live',
      'devices',
      'say',
      'serve',
      'worker',
      'robot-sim',
      'replay',
      'watch',
      'export',
    ])
      expect(stdout).toMatch(new RegExp(`^ {2}${command} +\\S.+$`, 'm'));
    expect((await cli('demo', '--help')).stdout).toContain('--fast');
  });

  it('the committed chart diagram matches the machine (npm run diagram -- --check)', async () => {
    const { stdout } = await tsx('bin/diagram.ts', '--check');
    expect(stdout).toContain('docs/session-chart.mmd matches the machine');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
