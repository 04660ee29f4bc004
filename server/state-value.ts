import type { StateValue } from 'xstate';

/**
 * Flattens an XState state value into one readable string: `idle.waiting`,
 * `speaking.reply.playing+user.candidate` (parallel regions joined by `+`).
 */
export function stateValueToString(value: StateValue): string {
  if (typeof value === 'string') return value;
  const entries = Object.entries(value);
  return entries
    .map(([key, child]) => {
      if (child === undefined) return key;
      const inner = stateValueToString(child as StateValue);
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
