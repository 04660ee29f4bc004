/**
 * `voice-agent run --db FILE`: a recording played into a session (the `run` path, a `file` sink) is
 * recorded as `serve` records, with its microphone and what a re-run needs; `voice-agent check FILE`
 * re-runs it with 0 differences. flite says "turn left", then "hello robot", into a WAV file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../adapters/audio/wav.js';
import { createFliteTts } from '../../adapters/tts/flite.js';
import { runRunCommand } from '../../bin/commands/run.js';
import { recordingsOf } from '../../server/records/check.js';
import { RerunMaterialSchema } from '../../server/records/rerun-material.js';
import { expectSameDecisions, runCheck } from '../support/check-command.js';

const dir = mkdtempSync(join(tmpdir(), 'va-check-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The phrases in flite's voice, each followed by `gapMs` of silence, after 300 ms of it. */
async function phrasesWav(file: string, phrases: string[], gapMs: number): Promise<void> {
  const tts = createFliteTts();
  const silence = (ms: number) => new Uint8Array(Math.round((tts.sampleRateHz * ms) / 1000) * 2);
  const parts: Uint8Array[] = [silence(300)];
  for (const text of phrases) {
    for await (const c of tts.synthesize({ text, signal: new AbortController().signal })) parts.push(c);
    parts.push(silence(gapMs));
  }
  writeFileSync(file, encodeWav(Buffer.concat(parts), tts.sampleRateHz));
}

describe('voice-agent run --db', () => {
  it('records the run, and check re-runs it with 0 differences', async () => {
    const input = join(dir, 'in.wav');
    const db = join(dir, 'run.db');
    await phrasesWav(input, ['turn left', 'hello robot'], 4000);
    const lines: string[] = [];
    await runRunCommand(
      ['--in', input, '--out', join(dir, 'reply.wav'), '--db', db, '--session', 'bench-run'],
      (line) => lines.push(line),
    );
    expect(lines.join('\n')).toContain(`recorded as session bench-run in ${db}`);
    const [recorded] = await recordingsOf(db);
    expect(recorded!.recording).toMatchObject({ sessionId: 'bench-run', endReason: 'end', audio: true });
    expect(recorded!.turns.map((t) => t.userText).filter(Boolean)).toEqual(['turn left', 'hello robot']);
    expect(RerunMaterialSchema.parse(recorded!.recording.rerun).sinkKind).toBe('file');

    expectSameDecisions(await runCheck([db]), 'bench-run');
  }, 120_000);
});
