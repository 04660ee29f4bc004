// @ts-check
/**
 * Robot actions on the page: the `voice_agent.action` lifecycle (requested → accepted → feedback* →
 * result | failed | rejected | cancelled) folded into the reply that asked, and the notices worth a line
 * of their own in the conversation (the emergency stop, a question before an action, a refused call).
 * Plain data, no DOM.
 *
 * @example
 * const actions = []; applyAction(actions, { type: 'voice_agent.action', action_id: 'a1', name: 'turn', turn_id: 'u1',
 * status: 'requested', call_id: null, detail: { direction: 'left' } }); actions[0]; // { actionId: 'a1', name: 'turn',
 * arguments: 'direction: left', status: 'requested', feedback: 0, detail: '' }
 */

/** @typedef {import('./page-hook.js').PageAction} PageAction */
/** @typedef {{ action_id: string, name: string, status: string, detail: unknown }} ActionEvent */

/** Why 60 characters: a chip in the conversation, not a dump. */
const MAX_CHARS = 60;

/**
 * `{ place: 'kitchen' }` → `place: kitchen`; other values as text, cut to `maxChars`.
 * @param {unknown} value
 * @param {number} [maxChars]
 */
export function briefValue(value, maxChars = MAX_CHARS) {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(/** @type {Record<string, unknown>} */ (value))
          .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(', ')
      : typeof value === 'string'
        ? value
        : JSON.stringify(value);
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

/** The lifecycle status → what the page shows; the last word of an action is final. */
const SHOWN = /** @type {Record<string, PageAction['status']>} */ ({
  requested: 'requested',
  accepted: 'running',
  feedback: 'running',
  result: 'succeeded',
  failed: 'failed',
  rejected: 'rejected',
  cancelled: 'cancelled',
});
const FINAL = new Set(['succeeded', 'failed', 'rejected', 'cancelled']);

/**
 * Folds one `voice_agent.action` event into a reply's actions.
 * @param {PageAction[]} actions the reply's actions (changed in place)
 * @param {ActionEvent} event
 */
export function applyAction(actions, event) {
  let action = actions.find((a) => a.actionId === event.action_id);
  if (!action) {
    action = {
      actionId: event.action_id,
      name: event.name,
      arguments: '',
      status: 'requested',
      feedback: 0,
      detail: '',
    };
    actions.push(action);
  }
  if (event.status === 'requested') return void (action.arguments = briefValue(event.detail));
  // A cancelled action's late words (the executor's acknowledgement, a late feedback) change nothing shown.
  if (FINAL.has(action.status)) return;
  const status = SHOWN[event.status];
  if (!status) return;
  action.status = status;
  if (event.status === 'feedback') action.feedback++;
  if (event.detail !== null && event.detail !== undefined) action.detail = briefValue(event.detail);
}

/** The notices the conversation shows, in words; the others stay in the event log. */
export const SHOWN_NOTICES = /** @type {Record<string, string>} */ ({
  estop: '⚠ Emergency stop: the reply and every action stopped',
  action_confirming: '? Waiting for a yes before acting',
  action_refused: '⊘ Action refused',
});
