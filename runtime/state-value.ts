import type { StateValue } from 'xstate';
import { ActionsState, ActivationState, STATE_PART_MARKS } from '../machines/states.js';

/** Region states a published value leaves out: nothing under way, no gate in use, the session over. */
const QUIET_ACTIONS: ReadonlySet<string> = new Set([ActionsState.idle, ActionsState.ended]);
const QUIET_ACTIVATION: ReadonlySet<string> = new Set([
  ActivationState.routing,
  ActivationState.ungated,
  ActivationState.ended,
]);

/**
 * Flattens the session's state value into one readable string: the dialog's state as it is
 * (`idle.waiting`, `speaking.reply.playing+user.candidate`: parallel regions joined by `+`), the actions
 * region's after it while an action is under way (`idle.waiting+actions.running`), and the activation
 * region's while a gate is in use (`idle.waiting+activation.open.window`, `session.activation` `wake` or
 * `push`). `splitSessionState` (machines/states.ts) reads it back.
 */
export function stateValueToString(value: StateValue): string {
  if (typeof value === 'object' && 'dialog' in value && 'actions' in value) {
    const actions = flatten(value.actions as StateValue);
    const activation = 'activation' in value ? flatten(value.activation as StateValue) : ActivationState.ungated;
    return [
      flatten(value.dialog as StateValue),
      QUIET_ACTIONS.has(actions) ? '' : `${STATE_PART_MARKS.actions}${actions}`,
      QUIET_ACTIVATION.has(activation) ? '' : `${STATE_PART_MARKS.activation}${activation}`,
    ].join('');
  }
  return flatten(value);
}

function flatten(value: StateValue): string {
  if (typeof value === 'string') return value;
  const entries = Object.entries(value);
  return entries
    .map(([key, child]) => {
      if (child === undefined) return key;
      const inner = flatten(child as StateValue);
      if (typeof child === 'object' && Object.keys(child).length > 1) return `${key}.${inner}`;
      return inner ? `${key}.${inner}` : key;
    })
    .join('+');
}

/**
 * The event that caused a transition, readable: `vad.speech_start u1`, `after minInterruption`,
 * `user.text`, `start`. What `session.state` carries as its `event`.
 */
export function describeEvent(event: { type: string; turnId?: unknown }): string {
  if (event.type === 'xstate.init') return 'start';
  const after = /^xstate\.after\.([^.]+)\./.exec(event.type);
  if (after) return `after ${after[1]}`;
  return typeof event.turnId === 'string' && event.turnId !== '-' ? `${event.type} ${event.turnId}` : event.type;
}
