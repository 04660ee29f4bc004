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
