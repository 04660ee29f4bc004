/**
 * `voice-agent replay` and `voice-agent export` as a user runs them, on a real records file: the list of
 * recordings, an identical replay (exit 0), a replay of a file whose log lost an event (exit 1, the
 * divergence named), the JSON Lines / CSV / WAV export, and the usage errors.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWav } from '../../adapters/audio/wav.js';
import { openRecordStore } from '../../server/records/index.js';
import { recordScriptedSession } from '../support/recorded-session.js';

const run = promisify(execFile);
const cli = (args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', ...args], { timeout: 60_000 });
const dir = mkdtempSync(join(tmpdir(), 'va-replay-cli-'));
const file = join(dir, 'records.db');
let recordingId = '';
let microphoneBytes = 0;
let events = 0;

beforeAll(async () => {
  const store = openRecordStore({ file });
  ({ recordingId, microphoneBytes } = await recordScriptedSession(store, { recorder: { audio: true } }));
  events = store.events(recordingId).length;
  await store.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('voice-agent replay / export', () => {
  it('lists the recordings, and replays one identically (exit 0)', async () => {
    const list = await cli(['replay', '--db', file]);
    expect(list.stdout).toMatch(
      new RegExp(`^live +${recordingId} +\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z +11 s, end +${events} +3 +yes$`, 'm'),
    );
    const replay = await cli(['replay', '--db', file, '--session', 'live']);
    expect(replay.stdout.trim()).toMatch(new RegExp(`^replay: ${events} events, \\d+ transitions, identical$`));
    // A recording id works as well as a session id.
    expect((await cli(['replay', '--db', file, '--session', recordingId])).stdout).toContain('identical');
  }, 60_000);

  it('exports the session as JSON Lines, the timeline as CSV and the microphone as WAV', async () => {
    const out = join(dir, 'export');
    const { stdout } = await cli(['export', '--db', file, '--session', 'live', '--out', out]);
    const base = join(out, `live-${recordingId.slice(0, 8)}`);
    expect(stdout).toContain(`${base}.jsonl:`);
    const lines = readFileSync(`${base}.jsonl`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { kind: string; [k: string]: unknown });
    expect(lines[0]).toMatchObject({
      kind: 'recording',
      id: recordingId,
      sessionId: 'live',
      endReason: 'end',
      config: { bargeIn: { minSpeechMs: 500 } },
    });
    const kinds = lines.map((l) => l.kind);
    expect(kinds.filter((k) => k === 'event')).toHaveLength(events);
    expect(kinds.filter((k) => k === 'turn')).toHaveLength(3);
    // Each notice follows the event that caused it.
    const noInput = kinds.indexOf('notice');
    expect(lines[noInput]).toMatchObject({ code: 'no_input', eventSeq: 1 });
    expect(lines[noInput - 1]).toMatchObject({
      kind: 'event',
      seq: 1,
      type: 'xstate.after.noInput.session.dialog.idle.waiting',
    });

    const csv = readFileSync(`${base}.timeline.csv`, 'utf8').split('\r\n');
    expect(csv[0]).toBe(
      'turn_id,user_text,speech_end_ms,transcript_ms,llm_request_ms,first_token_ms,first_clause_ms,' +
        'tts_first_chunk_ms,first_audio_ms,ended_ms,outcome,reason,heard_text,tts_failovers',
    );
    // The answer's first frame is written at the sink's next refill after the filler (pipeline.refillBelowMs):
    // it is heard right after the filler either way.
    expect(csv[1]).toMatch(
      /^u1,hello robot,8000,8000,8000,9200,9200,9200,9400,\d+,finished,,"Okay then, here it is.",$/,
    );
    expect(csv[2]).toMatch(/^t1,what is up,,,\d+,\d+,\d+,\d+,\d+,\d+,interrupted,barge_in,Sure,$/);
    expect(csv[3]).toMatch(/^r1,,,,,,,,,\d+,interrupted,end,,$/);

    const wav = readWav(readFileSync(`${base}.microphone.wav`));
    expect(wav.sampleRateHz).toBe(16_000);
    // The recorded frames, with the pause between the two utterances kept as silence.
    expect(wav.pcm.byteLength).toBeGreaterThan(microphoneBytes);
  }, 60_000);

  it('exits 1 and names the event when the recording no longer replays', async () => {
    const tampered = join(dir, 'tampered.db');
    const db = new Database(file, { readonly: true });
    await db.backup(tampered);
    db.close();
    const edit = new Database(tampered);
    edit.prepare("UPDATE events SET state = 'listening.hearing' WHERE recording_id = ? AND seq = 1").run(recordingId);
    await edit.close();
    await expect(cli(['replay', '--db', tampered, '--session', 'live'])).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringMatching(
        new RegExp(
          String.raw`^replay: divergence at event 1 of \d+ \(after noInput at 8000\.0 ms\): ` +
            String.raw`the state after the event differs\n {2}expected: listening\.hearing\n` +
            String.raw` {2}actual: {3}idle\.noInputNoticed\n$`,
        ),
      ),
    });
  }, 60_000);

  it('says what is wrong with the command line or the file', async () => {
    await expect(cli(['replay'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--db is required'),
    });
    await expect(cli(['replay', '--db', file, '--rerun'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--rerun needs --session'),
    });
    await expect(cli(['export', '--db', file])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--db and --session are required'),
    });
    await expect(cli(['replay', '--db', join(dir, 'nope.db'), '--session', 'x'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`records database ${join(dir, 'nope.db')} does not exist`),
    });
    await expect(cli(['replay', '--db', file, '--session', 'nobody'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        `no recording "nobody" in ${file}: list the recordings with \`voice-agent replay --db ${file}\``,
      ),
    });
  }, 60_000);
});
