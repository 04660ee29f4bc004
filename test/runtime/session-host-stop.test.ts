import { describe, expect, it } from 'vitest';
import { driveTextTurn, setupSessions, type Sessions } from '../support/session-pair.js';

/** Garbage on subjects session a's host and its VAD/STT children parse; returns how many parses failed. */
async function poke(s: Sessions): Promise<number> {
  const before = s.bus.stats.invalid;
  for (const subject of [
    'va.a.user.text',
    'va.a.control.end',
    'va.a.audio.frame',
    'va.a.vad.speech_start',
    'va.a.tts.stopped',
    'va.a.tts.chunk',
  ]) {
    s.bus.transport.publish(subject, new Uint8Array([9]));
  }
  await s.flush();
  return s.bus.stats.invalid - before;
}

describe('session host: stop()', () => {
  it('ends the session, leaves no child, and unsubscribes everything', async () => {
    const s = await setupSessions();
    // Idle session a: the host (user.text, control.end, vad.speech_start, tts.stopped), the VAD
    // (audio.frame), the STT (vad.*) and the e-stop (vad.speech_start) parse these; no reply children
    // exist to read tts.*.
    expect(await poke(s)).toBe(7);
    expect(Object.keys(s.a.session.actor.getSnapshot().children).sort()).toEqual(['estop', 'stt', 'vad']);
    const errorsBefore = s.errorsOf('a').length;

    await s.a.session.stop();
    expect(s.a.session.state()).toBe('ended');
    expect(s.a.session.actor.getSnapshot().status).toBe('done');
    expect(s.a.session.actor.getSnapshot().children).toEqual({});

    // Nobody of session a reads its subjects any more.
    expect(await poke(s)).toBe(0);
    expect(s.errorsOf('a')).toHaveLength(errorsBefore);
    s.a.session.sendText('are you there?');
    await s.flush();
    await s.clock.advance(100);
    expect(s.a.llm.requests).toEqual([]);
    expect(s.a.session.history()).toEqual([]);

    // Session b is unaffected and still answers.
    expect(s.b.session.state()).toBe('idle.waiting');
    await driveTextTurn(s, s.b, 'hi', 'Hello.');
    expect(s.b.session.history().map((e) => [e.role, e.text])).toEqual([
      ['user', 'hi'],
      ['assistant', 'Hello.'],
    ]);
    expect(s.errorsOf('b')).toEqual([]);
    expect(s.handlerErrors).toEqual([]);
    await s.b.session.stop();
  });

  it('mid-reply: stops the LLM and TTS requests and clears the sink', async () => {
    const s = await setupSessions();
    s.a.session.sendText('tell me a story');
    await s.flush();
    s.a.llm.emit('Once upon a time,');
    s.a.llm.emit(' there');
    await s.flush();
    s.a.tts.activeRequests()[0]!.channel.push(new Uint8Array(16_000).fill(1)); // 500 ms of audio
    await s.flush();
    expect(s.a.session.state()).toBe('speaking.reply.playing+user.silent');
    expect(Object.keys(s.a.session.actor.getSnapshot().children).sort()).toEqual([
      'estop',
      'llm',
      'playback',
      'stt',
      'tts',
      'vad',
    ]);
    await s.clock.advance(100);
    const writes = s.a.sink.frames.length;

    await s.a.session.stop();
    expect(s.a.session.state()).toBe('ended');
    expect(s.a.session.actor.getSnapshot().children).toEqual({});
    expect(s.a.llm.requests[0]!.signal.aborted).toBe(true);
    expect(s.a.tts.activeRequests()).toEqual([]);
    expect(s.a.sink.clears).toEqual([{ atMs: 100, framesDropped: 10, droppedMs: 200 }]);
    expect(s.a.sink.bufferedMs()).toBe(0);
    await s.clock.advance(1000);
    expect(s.a.sink.frames).toHaveLength(writes);
    expect(await poke(s)).toBe(0);
    expect(s.handlerErrors).toEqual([]);
    await s.b.session.stop();
  });
});
