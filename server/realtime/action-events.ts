/**
 * The `voice_agent.action` lifecycle a client sees for every action of its session, from the bus's
 * `action.*` messages: `requested` → `accepted` | `rejected` → `feedback`* → `result` | `failed` |
 * `cancelled`. `detail` carries what the message says (the feedback object, the result, the error or the
 * reason), `null` otherwise.
 *
 * @example
 * ```ts
 * actionStatusOf({ type: 'action.failed', error: 'blocked', ... }); // { status: 'failed', detail: 'blocked' }
 * ```
 */
import { ACTION_MESSAGE_TYPES, type MessageOf } from '../../bus/messages.js';

export const ACTION_STATUSES = [
  'requested',
  'accepted',
  'rejected',
  'feedback',
  'result',
  'failed',
  'cancelled',
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

export { ACTION_MESSAGE_TYPES };
export type ActionMessage = MessageOf<(typeof ACTION_MESSAGE_TYPES)[number]>;

/** The lifecycle step an action message is, and its detail. */
export function actionStatusOf(m: ActionMessage): { status: ActionStatus; detail: unknown } {
  switch (m.type) {
    case 'action.request':
      return { status: 'requested', detail: m.arguments };
    case 'action.accepted':
      return { status: 'accepted', detail: null };
    case 'action.rejected':
      return { status: 'rejected', detail: m.reason };
    case 'action.feedback':
      return { status: 'feedback', detail: m.feedback };
    case 'action.result':
      return { status: 'result', detail: m.result ?? null };
    case 'action.failed':
      return { status: 'failed', detail: m.error };
    case 'action.cancel':
      return { status: 'cancelled', detail: m.reason };
    case 'action.cancelled':
      return { status: 'cancelled', detail: null };
  }
}

/** The statuses after which an action takes no output and says nothing more. */
export const isFinalStatus = (status: ActionStatus): boolean =>
  status === 'rejected' || status === 'result' || status === 'failed' || status === 'cancelled';
