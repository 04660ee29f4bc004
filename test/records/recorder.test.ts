/**
 * The session recorder on a live session (real host, chart, actors, bus; controlled fakes; ManualClock):
 * what it writes is checked against what the session itself published on the bus, not against itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../adapters/testing/manual-clock.js';
import { parseBusMessage } from '../../bus/message-bus.js';
import { createSessionRecorder, openRecordStore, type SessionRecorder } from '../../server/records/index.js';
import { createTimelineBuilder } from '../../runtime/timeline.js';
import { createLiveHarness } from '../support/live-session.js';
import { recordScriptedSession } from '../support/recorded-session.js';

const dir = mkdtempSync(join(tmpdir(), 'va-recorder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('session recorder', () => {
  it(
    'records every event the chart processed, in order, with its time and the state after it — its ' +
      'own delayed events too',
    async () => {
      const store = openRecordStore({ file: ':memory:' });
      const { h, recordingId } = await recordScriptedSession(store);
      const events = store.events(recordingId);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
      expect(events[0]).toMatchObject({ type: 'xstate.init', atMs: 0, state: 'idle.waiting', status: 'active' });
      expect(events.at(-1)).toMatchObject({ type: 'control.end', state: 'ended', status: 'done' });
      for (let i = 1; i < events.length; i++) expect(events[i]!.atMs).toBeGreaterThanOrEqual(events[i - 1]!.atMs);
      expect(events.find((e) => e.type === 'xstate.after.noInput.session.dialog.idle.waiting')).toMatchObject({
        atMs: 8000,
        state: 'idle.noInputNoticed',
      });
      expect(events.find((e) => e.type.startsWith('xstate.after.llmFirstToken'))).toMatchObject({
        atMs: 9200,
        state: 'processing.reply.stalled+user.silent',
      });
      expect(events.find((e) => e.type.startsWith('xstate.after.minInterruption'))).toMatchObject({
        state: 'listening.hearing.voiced',
      });
      // Bus messages are stored whole, so replay can send them again.
      expect(events.find((e) => e.type === 'stt.final' && e.turnId === 'u1')?.event).toMatchObject({
        sessionId: 'live',
        text: 'hello robot',
      });
      // The states the host published on `session.state` (only on change) are exactly the recorded states where they
      // change.
      const published = h.messages
        .filter((m) => m.type === 'session.state')
        .map((m) => (m.type === 'session.state' ? m.value : ''));
      const changes = events.map((e) => e.state).filter((s, i, all) => i === 0 || s !== all[i - 1]);
      expect(changes).toEqual(published);
      await store.close();
    },
  );

  it('ties each notice and history entry to the event that caused it, as the host published them', async () => {
    const store = openRecordStore({ file: ':memory:' });
    const { h, recordingId } = await recordScriptedSession(store);
    const events = store.events(recordingId);
    const emitted = store.emitted(recordingId);
    const notices = h.messages.flatMap((m) =>
      m.type === 'session.notice' ? [{ turnId: m.turnId, code: m.code, detail: m.detail }] : [],
    );
    expect(
      emitted
        .filter((e) => e.kind === 'notice')
        .map((e) => (e.kind === 'notice' ? { turnId: e.turnId, code: e.code, detail: e.detail } : {})),
    ).toEqual(notices);
    const history = h.messages.flatMap((m) =>
      m.type === 'session.history'
        ? [{ turnId: m.turnId, role: m.role, text: m.text, interrupted: m.interrupted }]
        : [],
    );
    expect(
      emitted.flatMap((e) =>
        e.kind === 'history' ? [{ turnId: e.turnId, role: e.role, text: e.text, interrupted: e.interrupted }] : [],
      ),
    ).toEqual(history);
    const causeOf = (code: string) =>
      events[emitted.find((e) => e.kind === 'notice' && e.code === code)!.eventSeq]!.type;
    expect(causeOf('no_input')).toBe('xstate.after.noInput.session.dialog.idle.waiting');
    expect(causeOf('llm_slow_filler')).toMatch(/^xstate\.after\.llmFirstToken\./);
    expect(causeOf('reply_cancelled')).toMatch(/^xstate\.after\.minInterruption\./);
    const heard = emitted.find((e) => e.kind === 'history' && e.interrupted)!;
    expect(events[heard.eventSeq]).toMatchObject({ type: 'playback.stopped', turnId: 't1' });
    await store.close();
  });

  it(
    'writes each turn once it is settled: the timeline of the bus messages, times from the start of ' + 'the recording',
    async () => {
      const store = openRecordStore({ file: ':memory:' });
      const { h, recordingId } = await recordScriptedSession(store);
      const fromBus = createTimelineBuilder('live');
      for (const m of h.messages) fromBus.add(m);
      const turns = store.turns(recordingId);
      expect(turns).toEqual(fromBus.turns());
      expect(turns.map((t) => [t.turnId, t.outcome, t.reason, t.heardText])).toEqual([
        ['u1', 'finished', undefined, 'Okay then, here it is.'],
        ['t1', 'interrupted', 'barge_in', 'Sure'],
        // The user said nothing over t1: the chart resumed it as r1, which END cut.
        ['r1', 'interrupted', 'end', undefined],
      ]);
      expect(turns[0]).toMatchObject({ speechEndAtMs: 8000, firstTokenAtMs: 9200, userText: 'hello robot' });
      expect(store.recording(recordingId)).toMatchObject({
        sessionId: 'live',
        endReason: 'end',
        turns: 3,
        audio: false,
      });
      expect(store.audio(recordingId)).toEqual([]);
      await store.close();
    },
  );

  it('keeps the microphone audio in chunks of at most one second with record.audio', async () => {
    const store = openRecordStore({ file: ':memory:' });
    const { recordingId, microphoneBytes } = await recordScriptedSession(store, { recorder: { audio: true } });
    const chunks = store.audio(recordingId);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.sampleRateHz === 16_000 && c.pcm.byteLength <= 32_000)).toBe(true);
    expect(chunks.reduce((n, c) => n + c.pcm.byteLength, 0)).toBe(microphoneBytes);
    expect(store.recording(recordingId).audio).toBe(true);
    await store.close();
  });

  it('writes an outbox row per settled turn: a valid record.turn message with a stable message id', async () => {
    const store = openRecordStore({ file: ':memory:' });
    const { recordingId } = await recordScriptedSession(store, { recorder: { outbox: true } });
    const rows = store.outbox.pending(10);
    expect(rows.map((r) => r.msgId)).toEqual([`${recordingId}.u1`, `${recordingId}.t1`, `${recordingId}.r1`]);
    const turns = store.turns(recordingId);
    rows.forEach((row, i) => {
      expect(row.subject).toBe('va.live.record.turn');
      const message = parseBusMessage('va', row.subject, row.payload);
      expect(message).toMatchObject({
        type: 'record.turn',
        sessionId: 'live',
        turnId: turns[i]!.turnId,
        recordingId,
        turn: turns[i],
      });
    });
    await store.close();
  });

  it('never writes on the turn path: rows reach the file only at the store tick, one transaction each', async () => {
    const file = join(dir, 'batched.db');
    const storeClock = new ManualClock();
    const store = openRecordStore({ file, clock: storeClock, flushEveryMs: 50 });
    const reader = new Database(file, { readonly: true });
    const count = () => reader.prepare('SELECT COUNT(*) FROM events').pluck().get() as number;
    let recorder: SessionRecorder | undefined;
    const h = await createLiveHarness({
      attach: ({ bus, clock }) => (recorder = createSessionRecorder(store, { bus, clock })).attach,
    });
    await h.advance(8000);
    await h.text('hello');
    expect(count()).toBe(0);
    await storeClock.advance(50);
    expect(count()).toBe(3); // start, the noInput timeout, the typed message
    expect(store.stats.transactions).toBe(1);
    expect(store.recordings()[0]).toMatchObject({ live: true, endedAtMs: null });
    await h.end();
    recorder!.close('end');
    expect(count()).toBe(4);
    expect(store.recordings()[0]).toMatchObject({ live: false, endReason: 'end' });
    reader.close();
    await store.close();
  });
});
