/**
 * What of the chart graph is drawn, and how: the graph read from the machine (`chart-graph.ts`) has one
 * edge per transition target, 73 for the session chart, most of them parallel (the same source and target
 * under several guards or events) or repeated from every state (`user.text → processing`). Drawn as they
 * are, they tangle. So, from the graph alone (no state names):
 *
 * - a transition that every top-level state has (the same event to the same target from each of them, or
 *   one of the root's own) is listed once in a legend, not drawn from every state; for a parallel root,
 *   the same per region (`every dialog state`);
 * - transitions with the same source and target are one drawn edge, its label their events
 *   (`stt.final · after sttFinal`), each event's guards kept for its tooltip;
 * - every drawn edge remembers the graph edges it stands for, so a transition taken (reported by its graph
 *   edge id) marks its drawn edge, or its legend entry.
 *
 * @example
 * ```ts
 * const drawn = drawnChart(chartGraph());
 * drawn.legend.find((l) => l.label === 'user.text')?.target; // 'session.dialog.processing'
 * const final = drawn.edges.find(
 *   (e) => e.source === 'session.dialog.listening.finalizing' && e.target === 'session.dialog.processing',
 * );
 * final?.label; // 'stt.final · after sttFinal'
 * ```
 */
import type { ChartGraph, ChartNode } from './chart-graph.js';

export interface DrawnEvent {
  /** `stt.final`, `after sttFinal`, `always`. */
  label: string;
  /** The guards it is taken under (`isUserTurn && eventHasText`); empty when unguarded. */
  guards: string[];
}

export interface DrawnEdge {
  /** `<source id>><target id>`. */
  id: string;
  source: string;
  target: string;
  /** The events, joined: `stt.final · after sttFinal`. */
  label: string;
  events: DrawnEvent[];
  /** The graph edge ids (`<source>|<event>|<index>><target>`) this edge stands for. */
  members: string[];
}

export interface LegendEntry {
  /** The event with its guard: `user.text`, `control.end`. */
  label: string;
  /** The target state id; undefined for a transition that only runs actions. */
  target: string | undefined;
  /**
   * `every state` for the root's own transitions and those every top-level state has; `every dialog
   * state` for a region's (of a parallel root) and those every state of that region has.
   */
  from: string;
  /** The scope: the root's id, or the region's (`session.dialog`). */
  scope: string;
  /** The graph edge ids it stands for (a root transition without a target: its key alone). */
  members: string[];
}

export interface DrawnChart {
  root: string;
  nodes: ChartNode[];
  edges: DrawnEdge[];
  legend: LegendEntry[];
}

/** The event part of a graph edge's label, and its guard (`stt.final [isUserTurn]` → `stt.final`, `isUserTurn`). */
function splitLabel(label: string): { event: string; guard: string } {
  const at = label.indexOf(' [');
  return at < 0 ? { event: label, guard: '' } : { event: label.slice(0, at), guard: label.slice(at + 2, -1) };
}

export function drawnChart(graph: ChartGraph): DrawnChart {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const rootNode = byId.get(graph.root);
  // The scopes: the root, or each region of a parallel root.
  const scopes =
    rootNode?.type === 'parallel' ? graph.nodes.filter((n) => n.parent === graph.root).map((n) => n.id) : [graph.root];
  const fromOf = (scope: string) =>
    scope === graph.root ? 'every state' : `every ${byId.get(scope)?.key ?? scope} state`;
  /** The scope a state is under and its top-level state there (`session.dialog`, `session.dialog.speaking`). */
  const placeOf = (id: string): { scope: string; top: string } | undefined => {
    let at = id;
    for (let up = byId.get(at)?.parent; up !== undefined; up = byId.get(at)?.parent) {
      if (scopes.includes(up)) return { scope: up, top: at };
      at = up;
    }
    return undefined;
  };
  const finals = new Set(graph.nodes.filter((n) => n.type === 'final').map((n) => n.id));

  // The scopes' own transitions, and every (event, target) that each top-level state of a scope has.
  const legend: LegendEntry[] = graph.everywhere.map((t) => ({
    label: t.label,
    target: t.target,
    from: fromOf(t.scope),
    scope: t.scope,
    members: [t.id],
  }));
  const everywhere = new Set<string>();
  const byEventTarget = new Map<string, typeof graph.edges>();
  for (const e of graph.edges) {
    const place = placeOf(e.source);
    if (!place) continue;
    const key = `${e.label}\u0000${e.target}\u0000${place.scope}`;
    byEventTarget.set(key, [...(byEventTarget.get(key) ?? []), e]);
  }
  for (const [key, edges] of byEventTarget) {
    const scope = key.split('\u0000')[2]!;
    const tops = graph.nodes.filter((n) => n.parent === scope && !finals.has(n.id)).map((n) => n.id);
    if (tops.length < 2) continue;
    const from = new Set(edges.map((e) => placeOf(e.source)!.top));
    if (!tops.every((t) => from.has(t))) continue;
    for (const e of edges) everywhere.add(e.id);
    legend.push({
      label: edges[0]!.label,
      target: edges[0]!.target,
      from: fromOf(scope),
      scope,
      members: edges.map((e) => e.id),
    });
  }

  const drawn = new Map<string, DrawnEdge>();
  for (const e of graph.edges) {
    if (everywhere.has(e.id)) continue;
    const id = `${e.source}>${e.target}`;
    let edge = drawn.get(id);
    if (!edge) drawn.set(id, (edge = { id, source: e.source, target: e.target, label: '', events: [], members: [] }));
    edge.members.push(e.id);
    const { event, guard } = splitLabel(e.label);
    let entry = edge.events.find((x) => x.label === event);
    if (!entry) edge.events.push((entry = { label: event, guards: [] }));
    if (guard && !entry.guards.includes(guard)) entry.guards.push(guard);
  }
  const edges = [...drawn.values()].map((e) => ({ ...e, label: e.events.map((x) => x.label).join(' · ') }));
  return { root: graph.root, nodes: graph.nodes, edges, legend };
}
