// @ts-check
/**
 * Robot actions in the inspector: what the event log, the latency rows and the history say about them.
 * An action's lifecycle reaches the page two ways: the chart's own events (`llm.tool_call`,
 * `action.accepted|rejected|result|failed`, `control.estop` — log rows with their transitions) and the
 * `@voice-agent.bus` messages the chart's snapshots do not carry (`action.request`, `action.feedback`,
 * `action.cancel`, `action.cancelled`, the session's notices). Pure functions, no DOM.
 *
 * @example
 * describeBus({ type: 'action.request', turnId: 'r1', actionId: 'a1', name: 'turn', arguments: { direction: 'left' }
 * }); // { kind: 'action', icon: '⚙', text: 'requested turn(direction: left) · a1' }
 */
import { briefValue } from './page-actions.js';

/** @typedef {import('./inspect-hook.js').BusNote} BusNote */
/** @typedef {import('./inspect-hook.js').ChartEvent} ChartEvent */
/** @typedef {import('./inspect-hook.js').HistoryEntry} HistoryEntry */
/** @typedef {import('./inspect-hook.js').TurnAction} TurnAction */
/** @typedef {{ kind: 'action' | 'estop' | 'notice', icon: string, text: string }} Described */

/** Why 80 characters: a log cell, not a dump; the full value is in the row's tooltip. */
const MAX_VALUE_CHARS = 80;

/** `{ place: 'kitchen' }` → `place: kitchen`, cut to a log cell. @param {unknown} value */
export const brief = (value) => briefValue(value, MAX_VALUE_CHARS);

/** Notices about actions and the emergency stop, as the log tells them. */
const NOTICES = /** @type {Record<string, [Described['kind'], string, string]>} */ ({
  estop: ['estop', '⚠', 'EMERGENCY STOP'],
  action_refused: ['action', '⊘', 'refused'],
  action_confirming: ['action', '?', 'confirming'],
  action_ended: ['action', '■', 'action ended'],
});

/**
 * A `@voice-agent.bus` message as a log row: its icon and words; null for a notice that is not about actions.
 * @param {BusNote['message']} m
 * @returns {Described | null}
 */
export function describeBus(m) {
  const id = typeof m['actionId'] === 'string' ? ` · ${m['actionId']}` : '';
  switch (m.type) {
    case 'action.request':
      return { kind: 'action', icon: '⚙', text: `requested ${String(m['name'])}(${brief(m['arguments'])})${id}` };
    case 'action.accepted':
      return { kind: 'action', icon: '▶', text: `running (accepted)${id}` };
    case 'action.feedback':
      return { kind: 'action', icon: '…', text: `feedback ${brief(m['feedback'])}${id}` };
    case 'action.result':
      return { kind: 'action', icon: '✓', text: `result ${brief(m['result'])}${id}` };
    case 'action.failed':
      return { kind: 'action', icon: '✗', text: `failed: ${brief(m['error'])}${id}` };
    case 'action.rejected':
      return { kind: 'action', icon: '✗', text: `rejected: ${brief(m['reason'])}${id}` };
    case 'action.cancel':
      return {
        kind: m['reason'] === 'estop' ? 'estop' : 'action',
        icon: '■',
        text: `cancel (${String(m['reason'])})${id}`,
      };
    case 'action.cancelled':
      return { kind: 'action', icon: '■', text: `cancelled (executor)${id}` };
    case 'session.notice': {
      const known = NOTICES[String(m['code'])];
      return known ? { kind: known[0], icon: known[1], text: `${known[2]}: ${String(m['detail'])}` } : null;
    }
    default:
      return null;
  }
}

/**
 * A chart event about actions (a log row that also has its transitions): its icon and words, else null.
 * @param {ChartEvent} event
 * @returns {Described | null}
 */
export function describeActionEvent(event) {
  if (event.type === 'control.estop')
    return {
      kind: 'estop',
      icon: '⚠',
      text:
        `EMERGENCY STOP ` +
        `(${String(event['source'] ?? 'client')}${event['phrase'] ? `: “${String(event['phrase'])}”` : ''})`,
    };
  if (event.type === 'llm.tool_call')
    return { kind: 'action', icon: '⚙', text: `tool call ${String(event['name'])}(${brief(event['arguments'])})` };
  if (event.type.startsWith('action.'))
    return describeBus(/** @type {BusNote['message']} */ (/** @type {unknown} */ (event)));
  return null;
}

/** The statuses of an action in the order it passes them (the last one reached is shown). */
const ORDER = ['refused', 'confirming', 'requested', 'running', 'succeeded', 'failed', 'rejected', 'cancelled'];
/** @param {string} status */
const isFinal = (status) => ORDER.indexOf(status) >= ORDER.indexOf('succeeded') || status === 'refused';

/**
 * Every action by the turn that asked: from the history's action entries (the chart's own record: refused,
 * confirming, requested, running, succeeded, failed, rejected, cancelled) and the bus notes (requests,
 * feedback, cancels — the only source of feedback).
 * @param {HistoryEntry[]} history
 * @param {BusNote[]} notes
 * @returns {Map<string, TurnAction[]>}
 */
export function actionsByTurn(history, notes) {
  /** @type {Map<string, TurnAction>} */
  const byId = new Map();
  /** @param {string} actionId @param {string} turnId @param {string} name */
  const get = (actionId, turnId, name) => {
    let a = byId.get(actionId);
    if (!a)
      byId.set(
        actionId,
        (a = { actionId, turnId, name, status: 'requested', feedback: 0, lastFeedback: '', outcome: '' }),
      );
    return a;
  };
  for (const { message: m } of notes) {
    if (!m.type.startsWith('action.') || typeof m['actionId'] !== 'string') continue;
    const a = get(m['actionId'], m.turnId, String(m['name'] ?? ''));
    if (m.type === 'action.feedback') {
      a.feedback++;
      a.lastFeedback = brief(m['feedback']);
      if (!isFinal(a.status)) a.status = 'running';
    } else if (m.type === 'action.accepted' && !isFinal(a.status)) a.status = 'running';
    else if (m.type === 'action.result') {
      a.status = 'succeeded';
      a.outcome = brief(m['result']);
    } else if (m.type === 'action.failed') {
      a.status = 'failed';
      a.outcome = brief(m['error']);
    } else if (m.type === 'action.rejected') {
      a.status = 'rejected';
      a.outcome = brief(m['reason']);
    } else if (m.type === 'action.cancel' || (m.type === 'action.cancelled' && !isFinal(a.status))) {
      a.status = 'cancelled';
      if (m['reason']) a.outcome = String(m['reason']);
    }
  }
  for (const e of history) {
    if (e.role !== 'action' || !e.action) continue;
    const a = get(e.action.actionId, e.turnId, e.action.name);
    a.name = e.action.name;
    // The chart's record wins, but never steps an action back (feedback may have come after its last entry).
    if (ORDER.indexOf(e.action.status) >= ORDER.indexOf(a.status) || isFinal(e.action.status))
      a.status = e.action.status;
    if (e.action.outcome) a.outcome = brief(e.action.outcome);
  }
  /** @type {Map<string, TurnAction[]>} */
  const out = new Map();
  for (const a of byId.values()) out.set(a.turnId, [...(out.get(a.turnId) ?? []), a]);
  return out;
}

/** The icon of an action's status. */
export const STATUS_ICON = /** @type {Record<string, string>} */ ({
  refused: '⊘',
  confirming: '?',
  requested: '⚙',
  running: '▶',
  succeeded: '✓',
  failed: '✗',
  rejected: '✗',
  cancelled: '■',
});
