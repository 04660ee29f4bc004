/**
 * One computation for every latency figure: a turn's figures count from the user's real end of speech (the
 * VAD's speech end less the silence it waited through), and `/metrics` observes exactly the figures the
 * page and the inspector are sent — once each, for the sessions this process hosts. A reply cut when the
 * session ended keeps what was heard, from its playback report, even though the chart no longer says.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../adapters/testing/index.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import { createServerMetrics, observeSessions } from '../../server/http/metrics.js';
import { createSessionTimelines } from '../../server/session-timelines.js';
import { turnLatency, type TurnLatency } from '../../runtime/turn-latency.js';

describe('turn latency', () => {
  it('counts from the last voiced frame, else the VAD’s end of speech, else the request', () => {
    expect(
      turnLatency({
        id: 's#u1',
        turnId: 'u1',
        voiceEndAtMs: 1000,
        speechEndAtMs: 1600,
        transcriptAtMs: 1630.4,
        firstAudioAtMs: 1800,
        userText: 'hi',
      }),
    ).toEqual({
      id: 's#u1',
      turnId: 'u1',
      words: 'hi',
      from: 'voice_end',
      originAtMs: 1000,
      endOfTurnMs: 600,
      transcriptMs: 630,
      firstAudioMs: 800,
    });
    expect(turnLatency({ id: 's#u1', turnId: 'u1', speechEndAtMs: 1600, transcriptAtMs: 1630 })).toMatchObject({
      from: 'speech_end',
      transcriptMs: 30,
    });
    expect(turnLatency({ id: 's#t1', turnId: 't1', llmRequestAtMs: 50, firstTokenAtMs: 90 })).toMatchObject({
      from: 'request',
      firstTokenMs: 40,
    });
    expect(turnLatency({ id: 's#s1', turnId: 's1', firstAudioAtMs: 90 })).toBeUndefined();
  });

  it('gives /metrics the figures the page and the inspector get, once per turn, for hosted sessions only', async () => {
    const clock = new ManualClock();
    const bus = createMessageBus(createMemoryTransport(), { clock });
    const timelines = createSessionTimelines({ bus, isHosted: (id) => id === 'mine' });
    const metrics = createServerMetrics();
    const observer = observeSessions(metrics, bus, (id) => id === 'mine', timelines);
    const sent: TurnLatency[] = [];
    timelines.watch('mine', (l) => sent.push(l));
    for (const sessionId of ['mine', 'theirs']) {
      const at = (ms: number) => ({ sessionId, turnId: 'u1', atMs: ms });
      // The voice stopped at 400 ms; the VAD waited 600 ms of silence.
      bus.publish({ type: 'vad.speech_end', ...at(1000), speechMs: 900, silenceMs: 600 });
      bus.publish({ type: 'stt.final', ...at(1030), text: 'hello robot' });
      bus.publish({ type: 'llm.started', ...at(1100), firstTokenMs: 60 });
      bus.publish({ type: 'llm.clause', ...at(1120), index: 0, text: 'Hello!' });
      bus.publish({ type: 'playback.started', ...at(1180), kind: 'reply' });
      bus.publish({ type: 'playback.started', ...at(1400), kind: 'reply' });
    }
    await bus.flush();
    expect(sent.at(-1)).toMatchObject({
      turnId: 'u1',
      from: 'voice_end',
      endOfTurnMs: 600,
      transcriptMs: 630,
      firstTokenMs: 700,
      firstClauseMs: 720,
      firstAudioMs: 780,
    });
    expect(timelines.turns('theirs')).toEqual([]);
    const observed = async (h: keyof typeof metrics) => {
      const values = (await (metrics[h] as typeof metrics.endOfTurn).get()).values;
      return [
        values.find((v) => v.metricName?.endsWith('_count'))?.value,
        values.find((v) => v.metricName?.endsWith('_sum'))?.value,
      ];
    };
    expect(await observed('endOfTurn')).toEqual([1, 600]);
    expect(await observed('speechEndToTranscript')).toEqual([1, 630]);
    expect(await observed('speechEndToFirstToken')).toEqual([1, 700]);
    expect(await observed('speechEndToFirstClause')).toEqual([1, 720]);
    expect(await observed('speechEndToFirstAudio')).toEqual([1, 780]);
    observer.unsubscribe();
    timelines.close();
  });

  it('keeps what was heard of a reply cut by the session’s end, from its playback report', async () => {
    const clock = new ManualClock();
    const bus = createMessageBus(createMemoryTransport(), { clock });
    const timelines = createSessionTimelines({ bus, isHosted: () => true });
    const at = { sessionId: 's', turnId: 't1' };
    bus.publish({ type: 'llm.started', ...at, firstTokenMs: 20 });
    bus.publish({ type: 'session.notice', ...at, code: 'reply_cancelled', reason: 'end', detail: 'end' });
    const segment = {
      segmentIndex: 0,
      kind: 'reply',
      text: 'one two three four',
      durationMs: 800,
      complete: true,
    } as const;
    bus.publish({ type: 'playback.stopped', ...at, segments: [{ ...segment, playedMs: 400 }], framesCleared: 2 });
    await bus.flush();
    expect(timelines.turns('s')[0]).toMatchObject({
      turnId: 't1',
      outcome: 'interrupted',
      reason: 'end',
      heard: 'one two',
    });
    timelines.close();
  });
});
