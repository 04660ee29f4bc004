/**
 * Replay finds where a recording and today's chart part ways, at the right event, and never crashes:
 * an event removed from the log, the log renumbered around a lost event, another config, a delayed event
 * the chart never scheduled, a recording made by an older chart (other state names, an event type it no
 * longer knows, a config field it no longer has).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  chartVersion,
  formatReplay,
  openRecordStore,
  replayRecording,
  type RecordedEvent,
  type ReplayInput,
} from '../../server/records/index.js';
import { recordScriptedSession } from '../support/recorded-session.js';

let original: ReplayInput;

beforeAll(async () => {
  const store = openRecordStore({ file: ':memory:' });
  const { recordingId } = await recordScriptedSession(store);
  original = {
    recording: store.recording(recordingId),
    events: store.events(recordingId),
    emitted: store.emitted(recordingId),
  };
  await store.close();
});

const replay = (input: ReplayInput) => replayRecording(input, { toleranceMs: 0 });
const indexOf = (predicate: (e: RecordedEvent) => boolean) => original.events.findIndex(predicate);
/** The parts of the recorded chart options a test here changes. */
type ConfigPatch = { timeouts: Record<string, unknown>; bargeIn: Record<string, unknown>; vadSensitivity?: number };
const withConfig = (patch: (config: ConfigPatch) => void): ReplayInput => {
  const config = structuredClone(original.recording.config) as unknown as ConfigPatch;
  patch(config);
  return { ...original, recording: { ...original.recording, config } };
};

describe('replay divergence', () => {
  it('replays the untouched recording identically', () => {
    const result = replay(original);
    expect(result).toMatchObject({ identical: true, events: original.events.length });
    expect(formatReplay(result)).toBe(
      `replay: ${original.events.length} events, ${result.transitions} transitions, identical`,
    );
    expect(result.transitions).toBeGreaterThan(10);
  });

  it('reports an event missing from the log at its index', () => {
    const k = indexOf((e) => e.type === 'user.text');
    const result = replay({ ...original, events: original.events.filter((_, i) => i !== k) });
    expect(result.divergence).toMatchObject({
      index: k,
      reason: `event ${k} is missing from the recording (the log jumps to ${k + 1})`,
    });
  });

  it('reports a lost event where the chart first does something else, when the log was renumbered around it', () => {
    const k = indexOf((e) => e.type === 'user.text');
    const events = original.events.filter((_, i) => i !== k).map((e, i) => ({ ...e, seq: i }));
    const emitted = original.emitted
      .filter((e) => e.eventSeq !== k)
      .map((e) => ({ ...e, eventSeq: e.eventSeq > k ? e.eventSeq - 1 : e.eventSeq }));
    const result = replay({ ...original, events, emitted });
    // Without the typed message the chart stays idle, so the next event (the LLM's first token) finds it there.
    expect(result.divergence).toMatchObject({
      index: k,
      event: 'llm.started t1',
      expected: 'processing.reply.generating+user.silent',
      actual: 'idle.waiting',
    });
    expect(formatReplay(result)).toMatch(
      new RegExp(
        `^replay: divergence at event ${k} of ${events.length} \\(llm.started t1 at [\\d.]+ ms\\): the state ` +
          `after the event differs\\n  expected: processing.reply.generating\\+user.silent\\n  actual:   ` +
          `idle.waiting$`,
      ),
    );
  });

  it('reports another config where it first matters: a delay that had not run out', () => {
    const result = replay(withConfig((c) => (c.timeouts.noInputMs = 9000)));
    const k = indexOf((e) => e.type.startsWith('xstate.after.noInput'));
    expect(result.divergence).toMatchObject({
      index: k,
      expected: expect.stringContaining('at 8000.0 ms'),
      actual: 'its timer due at 9000.0 ms',
    });
    expect(result.divergence?.reason).toContain("fired before the chart's delay ran out");
  });

  it('reports another config where it first matters: barge-in disabled', () => {
    const result = replay(withConfig((c) => (c.bargeIn.enabled = false)));
    expect(result.divergence).toMatchObject({
      index: indexOf((e) => e.type === 'vad.speech_start' && e.turnId === 'u2'),
      expected: 'speaking.reply.playing+user.candidate.onset',
      actual: 'speaking.reply.playing+user.ignoring',
    });
  });

  it('reports a delayed event the chart never scheduled', () => {
    const k = indexOf((e) => e.type === 'vad.speech_start');
    const events = original.events.map((e, i) =>
      i === k
        ? {
            ...e,
            type: 'xstate.after.noInput.session.idle.waiting',
            event: { type: 'xstate.after.noInput.session.idle.waiting' },
          }
        : e,
    );
    const result = replay({ ...original, events });
    expect(result.divergence).toMatchObject({
      index: k,
      reason: 'the chart has no pending xstate.after.noInput.session.idle.waiting timer in idle.noInputNoticed',
    });
  });

  it("replays a stage actor's failure: the chart stops with an error, as recorded", () => {
    const k = indexOf((e) => e.type === 'stt.partial');
    const failure: RecordedEvent = {
      seq: k,
      atMs: original.events[k]!.atMs,
      type: 'xstate.error.actor.stt',
      turnId: null,
      state: original.events[k - 1]!.state,
      status: 'error',
      event: { type: 'xstate.error.actor.stt', error: { name: 'Error', message: 'engine crashed' } },
    };
    const input = {
      ...original,
      events: [...original.events.slice(0, k), failure],
      emitted: original.emitted.filter((e) => e.eventSeq < k),
    };
    expect(replay(input)).toMatchObject({ identical: true, events: k + 1 });
    const stillActive = replay({ ...input, events: [...input.events.slice(0, k), { ...failure, status: 'active' }] });
    expect(stillActive.divergence).toMatchObject({
      index: k,
      expected: 'listening.hearing.voiced',
      actual: 'listening.hearing.voiced (error)',
    });
  });

  it('reports a recording from an older chart as a divergence, naming both versions, never a crash', () => {
    const old = { ...original.recording, chartVersion: 'chart-000000000000' };
    const renamed = replay({
      ...original,
      recording: old,
      events: original.events.map((e) => ({ ...e, state: e.state.replace('idle.waiting', 'idle.quiet') })),
    });
    expect(renamed.divergence).toMatchObject({ index: 0, expected: 'idle.quiet', actual: 'idle.waiting' });
    expect(formatReplay(renamed).split('\n')[0]).toBe(
      `recorded with chart chart-000000000000; replayed on chart ${chartVersion()}`,
    );

    const k = indexOf((e) => e.type === 'vad.speech_start');
    const unknownEvent = original.events.map((e, i) =>
      i === k ? { ...e, type: 'vad.voice_began', event: { ...e.event, type: 'vad.voice_began' } } : e,
    );
    expect(replay({ ...original, recording: old, events: unknownEvent }).divergence).toMatchObject({
      index: k,
      expected: 'listening.hearing.voiced',
      actual: 'idle.noInputNoticed',
    });

    const oldConfig = replay(withConfig((c) => (c.vadSensitivity = 3)));
    expect(oldConfig.divergence).toMatchObject({ index: 0 });
    expect(oldConfig.divergence?.reason).toMatch(
      /the recorded config does not fit this chart's SessionConfig \(.*vadSensitivity/,
    );
  });
});
