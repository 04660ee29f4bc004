/**
 * `voice-agent check` re-runs a session as it ran. A real Realtime session over a TLS socket, driven by
 * the `openai` package's own client with eSpeak NG's "turn left" at 24 kHz paced in real time, then a
 * typed question whose reply the same words interrupt (a barge-in, two actions), recorded with
 * `record.audio`: checked on the same build and configuration, every decision is the same; checked with
 * another grammar (no "left" in it), the differing decisions are reported. A second Realtime client commits its
 * turns itself (`turn_detection: null`, `input_audio_buffer.commit`) and sends `voice_agent.estop` over a
 * reply and a navigation: 0 differences. Then bad input: a truncated
 * and a foreign SQLite file, an MCAP file of another tool, a records database of an older schema and a
 * configuration whose grammar is missing each exit 2 with the file and what is missing, and nothing is
 * written to the file.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { McapWriter } from '@mcap/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resampleAll } from '../../adapters/audio/resample.js';
import { createEspeakTts } from '../../adapters/tts/espeak.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { recordingsOf } from '../../server/records/check.js';
import { decisionsOf } from '../../server/records/decisions.js';
import { RerunMaterialSchema } from '../../server/records/rerun-material.js';
import { serve } from '../../server/serve.js';
import { connectRealtimeClient } from '../support/realtime-client.js';
import { makeTestCertificate } from '../support/tls.js';
import { expectSameDecisions, runCheck } from '../support/check-command.js';

const API_KEY = 'test-key-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'va-check-faithful-'));
const db = join(dir, 'rec.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** eSpeak NG says it (22,050 Hz), at 24 kHz with 300 ms before and 900 ms after. */
async function words(text: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of createEspeakTts().synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  const speech = await resampleAll(new Uint8Array(Buffer.concat(parts)), 22_050, 24_000);
  const out = new Uint8Array(48 * 300 + speech.byteLength + 48 * 900);
  out.set(speech, 48 * 300);
  return out;
}

beforeAll(async () => {
  const tls = makeTestCertificate();
  const config = loadConfig({
    overrides: {
      record: { audio: true },
      server: { port: 0, apiKeys: [API_KEY], tls: { certPath: tls.certPath, keyPath: tls.keyPath } },
    },
  });
  const server = await serve({ config, db, log: silentLogger });
  try {
    const client = await connectRealtimeClient({ baseURL: `${server.http.url}/v1`, apiKey: API_KEY, ca: tls.ca });
    await client.waitFor('session.created');
    client.send({
      type: 'session.update',
      session: { type: 'realtime', audio: { input: { format: { type: 'audio/pcm', rate: 24000 } } } },
    });
    await client.waitFor('session.updated');
    const turnLeft = await words('turn left');
    await client.streamAudio(turnLeft);
    await client.waitFor('conversation.item.input_audio_transcription.completed');
    await client.waitFor('response.done');
    await sleep(1500);
    client.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello robot' }] },
    });
    client.send({ type: 'response.create' });
    await client.waitFor('response.output_audio.delta');
    await sleep(300);
    await client.streamAudio(turnLeft);
    await client.waitFor(
      'conversation.item.input_audio_transcription.completed',
      (e) => e.item_id !== client.ofType('conversation.item.input_audio_transcription.completed')[0]!.item_id,
    );
    await sleep(2500);
    expect(client.ofType('response.done').map((d) => d.response.status)).toContain('cancelled');
    client.close();
    await sleep(300);
  } finally {
    await server.stop();
  }
}, 60_000);

describe('voice-agent check re-runs the session as it ran', () => {
  it('a Realtime session (24 kHz, a typed question interrupted by speech, actions): 0 differences, twice', async () => {
    for (let i = 0; i < 2; i++) {
      expectSameDecisions(await runCheck([db]));
    }
  }, 60_000);

  it('another grammar: the differing decisions are reported, exit 1', async () => {
    const grammar = readFileSync('examples/robot-commands.jsgf', 'utf8').replace(/\bleft\b\s*\|?/g, '');
    writeFileSync(join(dir, 'no-left.jsgf'), grammar);
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ stt: { grammarPath: join(dir, 'no-left.jsgf') } }));
    const { code, stdout } = await runCheck([db, '--config', join(dir, 'other.json')]);
    expect(stdout).toMatch(/decisions? differs?/);
    expect(stdout).toMatch(/turn u1 {2}transcript {2}was "turn left"/);
    expect(stdout).toMatch(/build changed: stt\.grammarPath/);
    expect(code).toBe(1);
  }, 60_000);
});

describe('voice-agent check re-runs client-committed turns and a client e-stop', () => {
  const manualDb = join(dir, 'manual.db');

  beforeAll(async () => {
    const tls = makeTestCertificate();
    const config = loadConfig({
      overrides: {
        record: { audio: true },
        server: { port: 0, apiKeys: [API_KEY], tls: { certPath: tls.certPath, keyPath: tls.keyPath } },
      },
    });
    const server = await serve({ config, db: manualDb, log: silentLogger });
    try {
      const client = await connectRealtimeClient({ baseURL: `${server.http.url}/v1`, apiKey: API_KEY, ca: tls.ca });
      await client.waitFor('session.created');
      // No server VAD: each turn is the audio the client commits.
      client.send({
        type: 'session.update',
        session: {
          type: 'realtime',
          audio: { input: { format: { type: 'audio/pcm', rate: 24000 }, turn_detection: null } },
        },
      });
      await client.waitFor('session.updated');
      await client.streamAudio(await words('turn left'));
      client.send({ type: 'input_audio_buffer.commit' });
      await client.waitFor('conversation.item.input_audio_transcription.completed');
      const first = await client.waitFor('response.done');
      // The turn's follow-up ("Turned left.") when the simulated robot's action ends: before the second turn.
      const followUp = await client.waitFor('response.done', (e) => e.response.id !== first.response.id);
      const earlier = new Set([first.response.id, followUp.response.id]);
      await client.streamAudio(await words('go to the kitchen'));
      client.send({ type: 'input_audio_buffer.commit' });
      await client.waitFor('response.output_audio.delta', (e) => !earlier.has(e.response_id));
      await sleep(200);
      // The client's emergency stop, over the reply and the navigation.
      client.rt.socket.send(JSON.stringify({ type: 'voice_agent.estop' }));
      await client.waitFor('response.done', (e) => !earlier.has(e.response.id));
      await sleep(1000);
      client.close();
      await sleep(300);
    } finally {
      await server.stop();
    }
  }, 60_000);

  it(
    'turn_detection null, two committed turns, a voice_agent.estop over the second: recorded, and 0 ' + 'differences',
    async () => {
      const [recorded] = await recordingsOf(manualDb);
      const types = RerunMaterialSchema.parse(recorded!.recording.rerun).inputs.map((i) => i.message.type);
      expect(types.filter((t) => t === 'audio.commit')).toHaveLength(2);
      expect(types).toContain('control.estop');
      expectSameDecisions(await runCheck([manualDb]));
    },
    60_000,
  );

  it('the e-stop and the committed transcripts are among the decisions compared', async () => {
    const [recorded] = await recordingsOf(manualDb);
    const decisions = decisionsOf(recorded!);
    expect(decisions.filter((d) => d.kind === 'transcript').map((d) => d.value)).toEqual([
      '"turn left"',
      '"go to the kitchen"',
    ]);
    expect(decisions.filter((d) => d.kind === 'estop').map((d) => d.value)).toEqual(['client']);
  });
});

const REFUSALS =
  'voice-agent check refuses what it cannot re-run: exit 2, the file and what is missing, nothing written';

describe(REFUSALS, () => {
  const unchanged = (file: string) => {
    const before = { size: statSync(file).size, mtimeMs: statSync(file).mtimeMs };
    return () => expect({ size: statSync(file).size, mtimeMs: statSync(file).mtimeMs }).toEqual(before);
  };

  it('a truncated records database', async () => {
    const file = join(dir, 'truncated.db');
    copyFileSync(db, file);
    truncateSync(file, 1000);
    const same = unchanged(file);
    const { code, stderr } = await runCheck([file]);
    expect(stderr).toContain(file);
    expect(code).toBe(2);
    same();
  });

  it('a SQLite file of another program', async () => {
    const file = join(dir, 'foreign.db');
    const other = new Database(file);
    other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('hi')");
    other.close();
    const same = unchanged(file);
    const { code, stderr } = await runCheck([file]);
    expect(stderr).toMatch(new RegExp(`${file}: a SQLite database, but not a voice-agent records database`));
    expect(code).toBe(2);
    same();
  });

  it('an MCAP file another tool wrote', async () => {
    const file = join(dir, 'other-tool.mcap');
    const chunks: Uint8Array[] = [];
    let position = 0n;
    const writer = new McapWriter({
      writable: {
        position: () => position,
        write: (buffer: Uint8Array) => {
          chunks.push(buffer.slice());
          position += BigInt(buffer.byteLength);
          return Promise.resolve();
        },
      },
    });
    await writer.start({ profile: '', library: 'another tool' });
    await writer.end();
    writeFileSync(file, Buffer.concat(chunks));
    const same = unchanged(file);
    const { code, stderr } = await runCheck([file]);
    expect(stderr).toMatch(new RegExp(`${file} is an MCAP file but holds no voice-agent recording`));
    expect(code).toBe(2);
    same();
  });

  it('a records database of an older schema', async () => {
    const file = join(dir, 'older.db');
    copyFileSync(db, file);
    const old = new Database(file);
    old.pragma('user_version = 1');
    old.close();
    const same = unchanged(file);
    const { code, stderr } = await runCheck([file]);
    expect(stderr).toMatch(new RegExp(`${file}: records database of an older voice-agent \\(schema 1`));
    expect(code).toBe(2);
    same();
  });

  it('a configuration whose grammar is missing', async () => {
    writeFileSync(join(dir, 'missing.json'), JSON.stringify({ stt: { grammarPath: join(dir, 'nowhere.jsgf') } }));
    const same = unchanged(db);
    const { code, stderr } = await runCheck([db, '--config', join(dir, 'missing.json')]);
    expect(stderr).toMatch(
      new RegExp(
        `${db}: session s-[0-9a-f]+ cannot be re-run: the configuration's stt\\.grammarPath \\(.*nowhere\\.jsgf\\) ` +
          `is missing`,
      ),
    );
    expect(code).toBe(2);
    same();
  });
});
