/**
 * `serve({ db })` records every session it hosts: live while it runs, ended with its reason afterwards,
 * its turns and history readable through `server.records` (the read API the inspector builds on), and
 * replayable. `record.enabled: false` records nothing.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { replayRecording } from '../../server/records/index.js';
import { serve } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';
import { until } from '../support/until.js';
import { DialogState } from '../../machines/states.js';

const config = (record: object = {}) =>
  loadConfig({
    overrides: {
      ...FAKE_ENGINES,
      llm: { engine: 'fake', fakeReply: 'Okay, done.' },
      server: { port: 0, drainTimeoutMs: 200 },
      record,
    },
  });

describe('serve with records', () => {
  it('records each session it hosts, live while it runs, and it replays identically', async () => {
    const server = await serve({ config: config(), db: ':memory:', log: silentLogger });
    const records = server.records!;
    const session = await server.manager.create({ sessionId: 'robot-7' });
    session.handle.sendText('open the door');
    await until('the reply to start', () => session.handle.matches(DialogState.speaking));
    await until('the reply to finish', () => session.handle.matches(DialogState.idle));
    records.flush();
    expect(records.recordings()).toMatchObject([{ sessionId: 'robot-7', live: true, endedAtMs: null }]);

    await server.manager.end('robot-7', 'client_closed');
    const [recording] = records.recordings();
    expect(recording).toMatchObject({ sessionId: 'robot-7', live: false, endReason: 'client_closed', turns: 1 });
    expect(records.turns(recording!.id)).toMatchObject([
      { turnId: 't1', userText: 'open the door', outcome: 'finished', heardText: 'Okay, done.' },
    ]);
    expect(
      records
        .emitted(recording!.id)
        .filter((e) => e.kind === 'history')
        .map((e) => (e.kind === 'history' ? `${e.role}: ${e.text}` : '')),
    ).toEqual(['user: open the door', 'assistant: Okay, done.']);
    const result = replayRecording({
      recording: records.recording(recording!.id),
      events: records.events(recording!.id),
      emitted: records.emitted(recording!.id),
    });
    expect(result).toMatchObject({ identical: true });
    await server.stop();
  }, 30_000);

  it('records nothing with record.enabled false', async () => {
    const server = await serve({ config: config({ enabled: false }), db: ':memory:', log: silentLogger });
    expect(server.records).toBeUndefined();
    await server.stop();
  });
});
