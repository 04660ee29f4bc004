import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../adapters/testing/index.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import { describeNotice, Notices } from '../../machines/notices.js';
import { clipText, createTimelineRecorder, formatTimelines } from '../../runtime/timeline.js';

describe('timeline', () => {
  it('records a TTS failover with its engines, reason and time, and shows it in the table', async () => {
    const clock = new ManualClock();
    const bus = createMessageBus(createMemoryTransport(), { clock });
    const recorder = createTimelineRecorder(bus, 's1');
    bus.publish({ type: 'vad.speech_end', sessionId: 's1', turnId: 'u1', speechMs: 800 });
    await clock.advance(300);
    bus.publish({
      type: 'tts.fallback',
      sessionId: 's1',
      turnId: 'u1',
      fromEngine: 'edge',
      toEngine: 'flite(kal16)',
      reason: 'first_chunk_deadline',
    });
    await clock.advance(40);
    bus.publish({ type: 'playback.started', sessionId: 's1', turnId: 'u1', kind: 'reply' });
    await bus.flush();
    const [turn] = recorder.turns();
    expect(turn?.fallbacks).toEqual([
      { atMs: 300, fromEngine: 'edge', toEngine: 'flite(kal16)', reason: 'first_chunk_deadline' },
    ]);
    const table = formatTimelines(recorder.turns());
    expect(table).toContain('tts failover');
    expect(table).toContain('edge→flite(kal16) (first_chunk_deadline) @300');
    recorder.close();
  });

  it(
    "puts the echo step's reports in the turn in progress: what it held that may have been the user, " +
      "what it spoke half duplex over, the stops it heard in the robot's voice",
    async () => {
      const clock = new ManualClock();
      const bus = createMessageBus(createMemoryTransport(), { clock });
      const recorder = createTimelineRecorder(bus, 's1');
      const echo = (
        notice:
          | ReturnType<typeof Notices.echo_half_duplex>
          | ReturnType<typeof Notices.echo_held_user>
          | ReturnType<typeof Notices.estop_own_voice>,
      ) =>
        bus.publish({
          type: 'session.notice',
          sessionId: 's1',
          turnId: '-',
          ...notice,
          detail: describeNotice(notice),
        });
      // Before any turn: nowhere to put it (the session's own row is not shown).
      echo(Notices.echo_held_user({ fromMs: 10, heldMs: 40 }));
      bus.publish({ type: 'playback.started', sessionId: 's1', turnId: 'u1', kind: 'reply' });
      echo(Notices.echo_half_duplex({ fromMs: 1000, durationMs: 2400 }));
      echo(Notices.echo_held_user({ fromMs: 5000, heldMs: 120 }));
      await clock.advance(6000);
      echo(Notices.estop_own_voice({ phrase: 'stop', explainedShare: 0.9 }));
      bus.publish({ type: 'playback.started', sessionId: 's1', turnId: 'u2', kind: 'reply' });
      echo(Notices.echo_half_duplex({ fromMs: 9000, durationMs: 300 }));
      await bus.flush();
      expect(recorder.turns()).toEqual([
        expect.objectContaining({
          turnId: 'u1',
          echoHalfDuplex: [{ fromMs: 1000, durationMs: 2400 }],
          echoHeldUser: [{ fromMs: 5000, heldMs: 120 }],
          ownVoiceStops: [{ atMs: 6000, phrase: 'stop', explainedShare: 0.9 }],
        }),
        expect.objectContaining({ turnId: 'u2', echoHalfDuplex: [{ fromMs: 9000, durationMs: 300 }] }),
      ]);
      expect(recorder.turns()[1]!.echoHeldUser).toBeUndefined();
      recorder.close();
    },
  );

  it(
    "keeps what the user heard of the reply, not an action's later steps (a cancel at the session's " + 'end)',
    async () => {
      const clock = new ManualClock();
      const bus = createMessageBus(createMemoryTransport(), { clock });
      const recorder = createTimelineRecorder(bus, 's1');
      const history = (role: 'assistant' | 'action', text: string) =>
        bus.publish({ type: 'session.history', sessionId: 's1', turnId: 'u1', role, text, interrupted: false });
      bus.publish({ type: 'vad.speech_end', sessionId: 's1', turnId: 'u1', speechMs: 800 });
      history('action', 'navigate {"place":"kitchen"} running');
      bus.publish({ type: 'playback.started', sessionId: 's1', turnId: 'u1', kind: 'reply' });
      history('assistant', 'Going to the kitchen.');
      history('action', 'navigate {"place":"kitchen"} cancelled');
      await bus.flush();
      expect(recorder.turns()[0]!.heardText).toBe('Going to the kitchen.');
      recorder.close();
    },
  );

  it('has no failover column when no turn failed over', () => {
    expect(formatTimelines([{ id: 's1#u1', turnId: 'u1', userText: 'hi' }])).not.toContain('failover');
  });

  it('clips long text at a word boundary', () => {
    expect(clipText('turn left and go to the kitchen please', 20)).toBe('turn left and go to…');
    expect(clipText('short', 20)).toBe('short');
    expect(clipText('Supercalifragilisticexpialidocious', 10)).toBe('Supercali…');
  });
});
