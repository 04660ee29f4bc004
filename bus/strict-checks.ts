/**
 * Checks that cost more than the work they guard, for test suites: every in-process bus message checked
 * against its schema, delivered messages frozen (a subscriber that mutates one fails loudly), and every
 * Realtime server event checked against the contract before it is sent. Off by default: in production
 * the producers' types already guarantee the shapes, and freezing alone costs more than the rest of a
 * delivery. A test suite turns them on once, in its setup file.
 *
 * @example
 * ```ts
 * // vitest.setup.ts
 * import { setStrictChecks } from 'voice-agent/testing';
 * setStrictChecks(true);
 * ```
 */

export interface StrictChecks {
  /** In-process bus messages are validated on publish (they skip the codec). */
  validateInProcess: boolean;
  /** The in-process transport freezes what it delivers. */
  freezeMessages: boolean;
  /** The Realtime server checks each event it sends against `ServerEventSchema`. */
  checkServerEvents: boolean;
}

const OFF: StrictChecks = { validateInProcess: false, freezeMessages: false, checkServerEvents: false };
let current: StrictChecks = OFF;

/**
 * Turns every check on (`true`), off (`false`), or the ones named. Applies to buses and servers made after the call.
 */
export function setStrictChecks(checks: boolean | Partial<StrictChecks>): void {
  if (typeof checks === 'boolean')
    current = { validateInProcess: checks, freezeMessages: checks, checkServerEvents: checks };
  else current = { ...current, ...checks };
}

/** The checks in force. */
export function strictChecks(): Readonly<StrictChecks> {
  return current;
}
