/**
 * A notice as `code:what` for tests that compare sequences of notices: its typed reason, or the reply it
 * resumes; the code alone for the rest.
 */
import type { MessageOf } from '../../bus/messages.js';

export function noticeKey(m: MessageOf<'session.notice'>): string {
  switch (m.code) {
    case 'utterance_dropped':
    case 'reply_cancelled':
    case 'speculation_discarded':
    case 'action_refused':
      return `${m.code}:${m.reason}`;
    case 'reply_resumed':
      return `${m.code}:${m.resumes}`;
    default:
      return m.code;
  }
}
