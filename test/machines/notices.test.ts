/**
 * Notices are typed at both ends: each code's constructor makes what its schema accepts, `describeNotice`
 * says it as the text recordings hold, and the wire schemas refuse a notice without its fields.
 */
import { describe, expect, it } from 'vitest';
import { MessageSchemas } from '../../bus/messages.js';
import { NoticeSchema, type Notice } from '../../bus/notice-schema.js';
import { NOTICE_CODES } from '../../bus/notices.js';
import { describeNotice, Notices } from '../../machines/notices.js';
import { ServerEventSchema } from '../../server/realtime/server-events.js';

/** One notice of every code, and the text each is told as. */
const EXAMPLES: [Notice, string][] = [
  [Notices.early_end_of_turn('turn left'), 'turn left'],
  [Notices.utterance_dropped('too_short_to_interrupt'), 'too_short_to_interrupt'],
  [Notices.not_understood('go to the door', 0.12, 0.3), '"go to the door" confidence 0.12 < 0.3'],
  [Notices.reply_cancelled('barge_in'), 'barge_in'],
  [Notices.reply_resumed('t1', 'and then right.'), 't1 from "and then right."'],
  [Notices.speculation_started('what is'), 'what is'],
  [Notices.speculation_committed('what is the time'), 'what is the time'],
  [Notices.speculation_discarded('user_went_on'), 'user_went_on'],
  [Notices.stt_final_timeout(), 'used the last partial transcript'],
  [Notices.tts_first_chunk_deadline(1500), 'no audio within 1500 ms'],
  [Notices.llm_slow(), 'filler disabled'],
  [Notices.llm_slow_filler('Let me think.'), 'Let me think.'],
  [Notices.no_input(8000), '8000 ms'],
  [Notices.action_refused('fly', 'unknown_action', 'no action "fly"'), 'unknown_action: no action "fly"'],
  [Notices.action_confirming('a1', 'navigate'), 'a1 navigate'],
  [
    Notices.action_ended({ actionId: 'a1', name: 'turn', outcome: 'cancelled', reason: 'barge_in' }),
    'a1 turn cancelled: barge_in',
  ],
  [
    Notices.action_ended({ actionId: 'a2', name: 'turn', outcome: 'failed', error: 'motor stalled' }),
    'a2 turn motor stalled',
  ],
  [
    Notices.action_ended({ actionId: 'a3', name: 'turn', outcome: 'rejected', reason: 'busy' }),
    'a3 turn rejected: busy',
  ],
  [
    Notices.action_ended({
      actionId: 'a4',
      name: 'turn',
      outcome: 'timed_out',
      waitingFor: 'acceptance',
      afterMs: 2000,
    }),
    'a4 turn no executor accepted it within 2000 ms',
  ],
  [
    Notices.action_ended({ actionId: 'a5', name: 'turn', outcome: 'timed_out', waitingFor: 'result', afterMs: 5000 }),
    'a5 turn timed out after 5000 ms',
  ],
  [Notices.estop('phrase', 'stop'), 'phrase: stop'],
  [Notices.estop('client'), 'client'],
  [Notices.echo_held_user({ fromMs: 1200.4, heldMs: 340.6 }), '341 ms held from 1200 ms'],
  [
    Notices.echo_half_duplex({ fromMs: 2000, durationMs: 2980 }),
    '2980 ms from 2000 ms: only a user louder than the echo heard',
  ],
  [
    Notices.estop_recognizer_failed('pocketsphinx rejected its configuration'),
    "the emergency stop's local recognizer failed (pocketsphinx rejected its configuration): stops are left to " +
      "the spotter and the session's transcripts",
  ],
  [
    Notices.keyword_failed('ONNX run failed'),
    'the learned keyword heads failed (ONNX run failed): stops are left to the spotter and the transcripts',
  ],
  [
    Notices.estop_own_voice({ phrase: 'stop', explainedShare: 0.874 }),
    '"stop" heard in the robot\'s own voice (87 % its echo): not stopped',
  ],
  [Notices.noise_suppression({ on: true, floorDbfs: -31.26 }), "RNNoise on: the room's noise floor -31 dBFS"],
];

describe('notices', () => {
  it('every code has a constructor whose notice its schema accepts, told as the text recordings hold', () => {
    expect(new Set(EXAMPLES.map(([n]) => n.code))).toEqual(new Set(NOTICE_CODES));
    for (const [notice, text] of EXAMPLES) {
      expect(NoticeSchema.parse(notice), notice.code).toEqual(notice);
      expect(describeNotice(notice), notice.code).toBe(text);
    }
  });

  it('session.notice carries the fields beside detail, and is refused without them', () => {
    const envelope = { type: 'session.notice', sessionId: 's1', turnId: 'u1', atMs: 0 } as const;
    const notice = Notices.reply_cancelled('stop');
    expect(
      MessageSchemas['session.notice'].safeParse({ ...envelope, ...notice, detail: describeNotice(notice) }).success,
    ).toBe(true);
    expect(
      MessageSchemas['session.notice'].safeParse({ ...envelope, code: 'reply_cancelled', detail: 'stop' }).success,
    ).toBe(false);
    expect(
      MessageSchemas['session.notice'].safeParse({
        ...envelope,
        code: 'reply_cancelled',
        reason: 'bored',
        detail: 'bored',
      }).success,
    ).toBe(false);
    expect(
      MessageSchemas['session.notice'].safeParse({
        ...envelope,
        code: 'reply_resumed',
        resumes: '-',
        remaining: '',
        detail: '',
      }).success,
    ).toBe(false);
  });

  it('voice_agent.notice takes only a notice code, and voice_agent.session.state only a session state', () => {
    const notice = Notices.estop('client');
    const sent = {
      type: 'voice_agent.notice',
      event_id: 'evt_1',
      code: 'estop',
      detail: 'client',
      turn_id: '-',
      notice,
    };
    expect(ServerEventSchema.safeParse(sent).success).toBe(true);
    expect(ServerEventSchema.safeParse({ ...sent, code: 'estopped' }).success).toBe(false);
    const state = { type: 'voice_agent.session.state', event_id: 'evt_2', cause: 'connected', turn_id: '-' };
    expect(ServerEventSchema.safeParse({ ...state, value: 'idle.waiting+actions.running' }).success).toBe(true);
    expect(ServerEventSchema.safeParse({ ...state, value: 'dozing' }).success).toBe(false);
  });
});
