import type { StateValue } from 'xstate';

/**
 * Flattens the session's state value into one readable string: the dialog's state as it is
 * (`idle.waiting`, `speaking.reply.playing+user.candidate`: parallel regions joined by `+`), and the
 * actions region's after it while an action is under way (`idle.waiting+actions.running`).
 */
export function stateValueToString(value: StateValue): string {
  if (typeof value === 'object' && 'dialog' in value && 'actions' in value) {
    const dialog = flatten(value.dialog as StateValue);
    const actions = flatten(value.actions as StateValue);
    return actions === 'idle' || actions === 'ended' ? dialog : `${dialog}+actions.${actions}`;
  }
  return flatten(value);
}

/**
 * The session's state string back as a state value (the inverse of {@link stateValueToString} for the
 * session chart's values): what a recording stores is shown and compared as the chart has it.
 */
export function parseSessionState(text: string): { dialog: string; actions: string } {
  const at = text.indexOf('+actions.');
  return at < 0 ? { dialog: text, actions: 'idle' } : { dialog: text.slice(0, at), actions: text.slice(at + '+actions.'.length) };
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
