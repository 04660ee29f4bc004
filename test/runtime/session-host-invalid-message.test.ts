import { describe, expect, it } from 'vitest';
import { encodeMessage } from '../../bus/codec.js';
import { driveTextTurn, setupSessions } from '../support/session-pair.js';

describe('session host: an invalid message on one session', () => {
  it(
    'is reported on that session only, counted, and the session keeps working; the other session is ' + 'untouched',
    async () => {
      const s = await setupSessions();
      const bState = s.b.session.state();
      const bHistory = s.b.session.history();
      const bMessages = s.messagesOf('b').length;
      expect(bState).toBe('idle.waiting');
      expect(s.bus.stats.invalid).toBe(0);

      // 1. Garbage bytes on a subject session a listens to.
      s.bus.transport.publish('va.a.user.text', new Uint8Array([1, 2, 3]));
      await s.flush();
      expect(s.bus.stats.invalid).toBe(1);
      expect(s.errorsOf('a')).toEqual([
        {
          type: 'session.error',
          sessionId: 'a',
          turnId: '-',
          atMs: 0,
          code: 'invalid_message',
          message: 'payload of 3 bytes on va.a.user.text is too short: publish with encodeMessage().',
          subject: 'va.a.user.text',
        },
      ]);

      // 2. A well-formed message with a wrong field.
      s.bus.transport.publish(
        'va.a.user.text',
        encodeMessage({ type: 'user.text', sessionId: 'a', turnId: '-', atMs: 0, text: 42 }),
      );
      await s.flush();
      expect(s.bus.stats.invalid).toBe(2);
      const second = s.errorsOf('a')[1]!;
      expect(second).toMatchObject({ sessionId: 'a', turnId: '-', code: 'invalid_message', subject: 'va.a.user.text' });
      expect(second.message).toMatch(/^invalid user\.text on va\.a\.user\.text: text: /);

      // 3. A valid message for session b sent on session a's subject is a's problem, not b's.
      s.bus.transport.publish(
        'va.a.control.stop',
        encodeMessage({ type: 'control.stop', sessionId: 'b', turnId: '-', atMs: 0 }),
      );
      await s.flush();
      expect(s.bus.stats.invalid).toBe(3);
      expect(s.errorsOf('a')[2]).toMatchObject({
        sessionId: 'a',
        code: 'invalid_message',
        subject: 'va.a.control.stop',
        message:
          'message for session b arrived on va.a.control.stop: the subject and the payload must name the same ' +
          'session.',
      });
      expect(s.errorsOf('a')).toHaveLength(3);

      // None of it reached the chart.
      expect(s.a.session.state()).toBe('idle.waiting');
      expect(s.a.session.history()).toEqual([]);
      expect(s.a.session.actor.getSnapshot().status).toBe('active');

      // Session a still answers.
      await driveTextTurn(s, s.a, 'hello', 'Hi there.');
      expect(s.a.session.history()).toEqual([
        { role: 'user', turnId: 't1', text: 'hello', interrupted: false, pending: false },
        { role: 'assistant', turnId: 't1', text: 'Hi there.', interrupted: false, pending: false },
      ]);
      expect(s.a.session.state()).toBe('idle.waiting');
      expect(s.a.sink.playedMs()).toBe(100);
      expect(s.errorsOf('a')).toHaveLength(3);
      expect(s.bus.stats.invalid).toBe(3);

      // Session b: same state, same history, nothing new on its subjects, its engines never used.
      expect(s.b.session.state()).toBe(bState);
      expect(s.b.session.history()).toBe(bHistory);
      expect(s.messagesOf('b')).toHaveLength(bMessages);
      expect(s.errorsOf('b')).toEqual([]);
      expect(s.b.llm.requests).toEqual([]);
      expect(s.b.tts.requests).toEqual([]);
      expect(s.b.sink.frames).toEqual([]);
      expect(s.handlerErrors).toEqual([]);

      await s.a.session.stop();
      await s.b.session.stop();
    },
  );
});
