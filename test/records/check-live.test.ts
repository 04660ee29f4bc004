/**
 * `voice-agent check` on a `live` session: `voice-agent live --record-mcap DIR` with `record.audio` in a
 * virtual room on a real PulseAudio daemon (sim/pulse-room.ts: the agent's speaker comes back
 * into its microphone 100 ms later, so its echo canceller works on the room's echo), a user (flite's
 * `slt`) says "hello robot" and, over the agent's answer, "turn left". The recording keeps what the input
 * conditioner was given (each frame's capture stamp, the sink's play positions, the echo return, the echo
 * path's moves): checked, every decision is the same; checked with a grammar without "left", the
 * differing decisions are reported (exit 1).
 *
 * Skipped only when the PulseAudio binaries are missing.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMcapRecording } from '../../server/records/index.js';
import { RerunMaterialSchema } from '../../server/records/rerun-material.js';
import { pulseMissing } from '../../sim/pulse-room.js';
import { spawnLive, usePulseRoom, writeUserRecordings } from '../support/live-room-setup.js';
import { until } from '../support/until.js';
import { expectSameDecisions, runCheck } from '../support/check-command.js';

/** Why 60 s: tsx, the engines' warm-up and a loaded two-core machine; it is ready in ~5 s. */
const READY_TIMEOUT_MS = 60_000;
/** Why 30 s: the turn takes ~4 s (speech, hangover, reply) and its action ~2 s; the rest is a stalled machine. */
const TURN_TIMEOUT_MS = 30_000;

const missing = pulseMissing();

describe.skipIf(missing)(`voice-agent check on a live session${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const room = usePulseRoom({ echoDelayMs: 100 });
  let file = '';

  it('records a live session in the room with its microphone and what the conditioner was given', async () => {
    const [hello, turnLeft] = await writeUserRecordings(room().dir, ['hello robot', 'turn left']);
    const dir = join(room().dir, 'mcap');
    const { child, out, stderr, exited } = spawnLive(
      room(),
      ['--timeline', join(room().dir, 't.json'), '--record-mcap', dir],
      { VA_RECORD__AUDIO: 'true' },
    );
    const stdout = () => out.seen.join('\n');
    try {
      await until('the ready line', () => stdout().includes('live on '), {
        timeoutMs: READY_TIMEOUT_MS,
        detail: () => stdout() + stderr(),
      });
      await room().play(hello!);
      // Over the answer ("Hello! What can I do for you?", about 2 s): the canceller works on its echo meanwhile.
      await new Promise((r) => setTimeout(r, 1200));
      await room().play(turnLeft!);
      await out.waitFor(
        (lines) => lines.some((l) => /^agent: Turned left/.test(l)),
        TURN_TIMEOUT_MS,
        'the outcome of "turn left"',
      );
      // Quiet after the reply: a late echo that starts a turn is a decision too, and is checked.
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited, stderr()).toBe(0);
    file = join(dir, readdirSync(dir)[0]!);
    const data = await readMcapRecording(file);
    const said = data.turns.filter((t) => t.userText !== undefined).map((t) => t.userText);
    expect(said).toContain('hello robot');
    expect(said).toContain('turn left');
    const material = RerunMaterialSchema.parse(data.recording.rerun);
    expect(material.sinkKind).toBe('device');
    // One capture stamp per microphone frame the conditioner was given, a play position per frame written.
    const feed = material.conditioner!;
    expect(feed.stamps).toHaveLength(material.blocks.length);
    expect(feed.runStarts.length).toBeGreaterThan(0);
    const arrival = material.blocks.map((b) => b[0] + material.originMs);
    const lead = feed.stamps.map((s, i) => arrival[i]! - s).sort((a, b) => a - b);
    console.log(
      `live feed: ${feed.stamps.length} stamps (arrival − stamp: median ${lead[lead.length >> 1]!.toFixed(1)} ms, ` +
        `range ${lead[0]!.toFixed(1)}…${lead.at(-1)!.toFixed(1)} ms), ${feed.runStarts.length} play positions, ` +
        `${feed.echoReturn.length} echo returns, ${feed.moved.length} echo path moves; turns: ${said.join(', ')}`,
    );
  }, 180_000);

  it('checked: the same decisions, exit 0', async () => {
    expectSameDecisions(await runCheck([file]));
  }, 120_000);

  it('checked with a grammar without "left": the differences are reported, exit 1', async () => {
    const grammar = readFileSync('examples/robot-commands.jsgf', 'utf8').replace(/\bleft\b\s*\|?/g, '');
    writeFileSync(join(room().dir, 'no-left.jsgf'), grammar);
    writeFileSync(
      join(room().dir, 'other.json'),
      JSON.stringify({ stt: { grammarPath: join(room().dir, 'no-left.jsgf') } }),
    );
    const { code, stdout } = await runCheck([file, '--config', join(room().dir, 'other.json')]);
    expect(stdout).toMatch(/turn u\d+ {2}transcript {2}was "turn left"/);
    expect(stdout).toMatch(/build changed: stt\.grammarPath/);
    expect(code).toBe(1);
  }, 120_000);
});
