/**
 * The session chart as a graph, read from the machine definition itself (never drawn by hand): one node
 * per state node (compound, parallel — its children are the regions — atomic, final), one edge per
 * transition target. The inspector lays it out (`chart-layout.ts`) and highlights the active states.
 *
 * Transitions of the machine root (the late `playback.stopped`) and, when the root is parallel, of its
 * regions (`control.end` → `dialog.ended`) apply in every state under them: they are listed in
 * `everywhere`, not drawn from every state.
 *
 * @example
 * ```ts
 * const graph = chartGraph();
 * graph.nodes.find((n) => n.id === 'session.dialog.speaking')?.type; // 'parallel'
 * const interruption = graph.edges.find(
 *   (e) => e.source === 'session.dialog.speaking.user.candidate' && e.target === 'session.dialog.listening',
 * );
 * interruption?.label; // 'after minInterruption'
 * ```
 */
import type { AnyStateNode } from 'xstate';
import { sessionMachine } from '../../machines/session.machine.js';

export interface ChartNode {
  /** The state node's id: `session.speaking.user.candidate`. */
  id: string;
  /** Its key: `candidate`. */
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** The parent's id; undefined for the root (`session`). */
  parent: string | undefined;
  /** The initial child's id (compound states). */
  initial: string | undefined;
}

export interface ChartEdge {
  /**
   * `<source id>|<event type>|<index>>` + target id: the same for a transition taken, as the inspection feed reports
   * it.
   */
  id: string;
  source: string;
  target: string;
  /** `vad.speech_start`, `after minInterruption`, `always`, with `[guard]` when there is one. */
  label: string;
  eventType: string;
}

export interface ChartGraph {
  root: string;
  nodes: ChartNode[];
  edges: ChartEdge[];
  /**
   * Transitions of a scope — the root, or a region of a parallel root (`session.dialog`) — which apply in
   * every state under it: their labels, targets, ids (an edge id, or the key alone without a target) and
   * the scope's id.
   */
  everywhere: Array<{ id: string; label: string; target: string | undefined; scope: string }>;
}

interface TransitionDefinition {
  eventType: string;
  source: AnyStateNode;
  target?: readonly AnyStateNode[];
  guard?: unknown;
}

/** `after minInterruption` for XState's `xstate.after.minInterruption.<state id>`; `always` for eventless. */
export function eventLabel(eventType: string): string {
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after) return `after ${after[1]}`;
  return eventType === '' ? 'always' : eventType;
}

/** A guard as text: its name, or XState's `and`/`or`/`not` helpers (functions holding their `guards`) spelled out. */
export function guardLabel(guard: unknown): string {
  if (!guard) return '';
  if (typeof guard === 'string') return guard;
  const helper = guard as { name?: string; guards?: unknown[]; type?: string };
  if (typeof guard === 'function' && Array.isArray(helper.guards)) {
    const parts = helper.guards.map(guardLabel);
    if (helper.name === 'not') return `!${parts[0]}`;
    return parts.join(helper.name === 'or' ? ' || ' : ' && ');
  }
  return helper.type ?? helper.name ?? 'guard';
}

const transitionsOf = (node: AnyStateNode): TransitionDefinition[] =>
  [...[...node.transitions.values()].flat(), ...(node.always ?? [])] as unknown as TransitionDefinition[];

/**
 * The key of a transition definition: `<source id>|<event type>|<index among the source's transitions for
 * that event>`. The inspection feed reports taken transitions with the same key.
 */
export function transitionKey(t: { source: AnyStateNode; eventType: string }): string {
  const list = (
    t.eventType === '' ? (t.source.always ?? []) : (t.source.transitions.get(t.eventType) ?? [])
  ) as unknown[];
  return `${t.source.id}|${t.eventType}|${list.indexOf(t)}`;
}

let cached: ChartGraph | undefined;

/** The session chart's graph (computed once: the machine does not change while the process runs). */
export function chartGraph(root: AnyStateNode = sessionMachine.root): ChartGraph {
  if (root === sessionMachine.root && cached) return cached;
  const nodes: ChartNode[] = [];
  const edges: ChartEdge[] = [];
  const everywhere: ChartGraph['everywhere'] = [];
  // The scopes whose own transitions apply everywhere under them: the root and a parallel root's regions.
  const scopes = new Set<AnyStateNode>([
    root,
    ...(root.type === 'parallel' ? (Object.values(root.states) as AnyStateNode[]) : []),
  ]);
  const visit = (node: AnyStateNode) => {
    const initial = (node.initial as unknown as { target?: readonly AnyStateNode[] } | undefined)?.target?.[0];
    nodes.push({ id: node.id, key: node.key, type: node.type, parent: node.parent?.id, initial: initial?.id });
    for (const t of transitionsOf(node)) {
      const guard = guardLabel(t.guard);
      const label = `${eventLabel(t.eventType)}${guard ? ` [${guard}]` : ''}`;
      const key = transitionKey(t as never);
      if (scopes.has(node)) {
        const target = t.target?.[0]?.id;
        everywhere.push({ id: target ? `${key}>${target}` : key, label, target, scope: node.id });
        continue;
      }
      for (const target of t.target ?? [])
        edges.push({ id: `${key}>${target.id}`, source: node.id, target: target.id, label, eventType: t.eventType });
    }
    for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
  };
  visit(root);
  const graph = { root: root.id, nodes, edges, everywhere };
  if (root === sessionMachine.root) cached = graph;
  return graph;
}
