/**
 * Which events the chart's current states act on. Several bus events arrive every clause of a reply
 * (`tts.requested`, `tts.first_chunk`) but matter only at the first one; a chart event costs ~50 µs of
 * transition selection even when nothing happens, which at a thousand sessions is a busy loop. The
 * session host asks here first and skips events no active state handles: exactly the events xstate would
 * ignore (the same rule as its `ownEvents`: a transition with no target, no actions and no re-entry is
 * inert), so the chart's behaviour is unchanged.
 *
 * @example
 * ```ts
 * const actor = createActor(sessionMachine, { input }).start();
 * acceptsEvent(actor.getSnapshot(), 'tts.first_chunk'); // false while idle
 * ```
 */
import type { AnyMachineSnapshot, AnyStateNode } from 'xstate';

/** Per state configuration (xstate keeps one `_nodes` array per configuration): the event types handled. */
const acceptedByConfiguration = new WeakMap<readonly AnyStateNode[], Set<string> | 'any'>();
/** Per state node: its own event descriptors (xstate's getter recomputes them on every read). */
const ownEventsByNode = new WeakMap<AnyStateNode, readonly string[]>();

export function acceptsEvent(snapshot: AnyMachineSnapshot, type: string): boolean {
  const nodes = snapshot._nodes;
  let accepted = acceptedByConfiguration.get(nodes);
  if (accepted === undefined) {
    accepted = acceptedEventsOf(nodes);
    acceptedByConfiguration.set(nodes, accepted);
  }
  return accepted === 'any' || accepted.has(type);
}

function acceptedEventsOf(nodes: readonly AnyStateNode[]): Set<string> | 'any' {
  const accepted = new Set<string>();
  for (const node of nodes) {
    let own = ownEventsByNode.get(node);
    if (own === undefined) ownEventsByNode.set(node, (own = node.ownEvents));
    for (const descriptor of own) {
      // A wildcard (`*`, `tts.*`) could match anything: let every event through rather than re-implement
      // xstate's matching.
      if (descriptor.includes('*')) return 'any';
      accepted.add(descriptor);
    }
  }
  return accepted;
}
