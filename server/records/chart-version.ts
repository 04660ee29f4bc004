/**
 * The session chart's version: a hash of its structure — states, transitions, and the guards, actions
 * and delays they use, by name. Stored with every recording, so replay can say that a recording was made
 * by another chart before it says where the two part ways. Function bodies are left out on purpose: the
 * same chart built by tsc (`dist/`) and run from source by tsx has different function text, and a
 * changed body still shows up where it matters, as a replay divergence.
 *
 * @example
 * ```ts
 * chartVersion(); // 'chart-95a1e6c582d5'
 * ```
 */
import { createHash } from 'node:crypto';
import type { AnyStateMachine } from 'xstate';
import { sessionMachine } from '../../machines/session.machine.js';

const isStateNode = (value: object): value is { id: string } => 'machine' in value && 'path' in value && 'id' in value;

/** A state node referenced from a transition becomes `#<id>` (the definition lists every node anyway). */
const replacer = (_key: string, value: unknown): unknown => {
  if (typeof value === 'function') return `<function ${value.name}>`;
  if (typeof value === 'object' && value !== null && isStateNode(value)) return `#${value.id}`;
  return value;
};

/** Version of any machine; {@link chartVersion} is the session chart's. */
export function machineVersion(machine: AnyStateMachine): string {
  const text = JSON.stringify(machine.definition, replacer);
  // Why 12 hex digits: 48 bits, no collision between the handful of chart versions a deployment sees.
  return `chart-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}

let cached: string | undefined;
export function chartVersion(): string {
  return (cached ??= machineVersion(sessionMachine));
}
