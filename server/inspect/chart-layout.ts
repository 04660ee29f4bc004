/**
 * Lays the session chart out with ELK (`elkjs`, layered, hierarchical), on the server, once per process:
 * the page gets boxes and orthogonal routes in absolute coordinates and only draws SVG, so it needs no
 * layout engine of its own (and no CDN). Compound and parallel states are containers; a parallel state's
 * regions are its children. What is drawn is `chart-drawn.ts`'s: parallel transitions merged, the ones
 * every state has in a legend.
 *
 * The flow runs top to bottom in the machine's own order (`idle → listening → processing → speaking` by
 * {@link FLOW_HINT}, the rest as declared): ELK is given every edge pointing forward in that order — a
 * transition back to an earlier state is handed over reversed and turned round again here — so ELK's
 * cycle breaking never decides that `idle` belongs at the bottom. Edges into the same state share their
 * last stretch (`mergeEdges`), so ten transitions into `idle` end in one arrowhead, not ten.
 *
 * Labels are not part of the layout (with them the chart is 1,300 × 1,600 px instead of ~530 × 970): the
 * page writes them beside the routes that leave the active states and the last transition.
 *
 * @example
 * ```ts
 * const layout = await chartLayout();
 * layout.nodes.find((n) => n.id === 'session.idle'); // { id, key, type, x, y, width, height, … }
 * ```
 */
import elkModule, { type ElkExtendedEdge, type ElkNode } from 'elkjs/lib/elk.bundled.js';
import { chartGraph, type ChartNode } from './chart-graph.js';
import { drawnChart, type DrawnChart, type DrawnEdge, type LegendEntry } from './chart-drawn.js';

export interface LaidOutNode extends ChartNode {
  x: number;
  y: number;
  width: number;
  height: number;
  depth: number;
}

export interface LaidOutEdge extends DrawnEdge {
  /** The route: start, bend points, end (absolute), from the source to the target. */
  points: Array<{ x: number; y: number }>;
}

export interface ChartLayout {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
  legend: LegendEntry[];
}

/**
 * The conversation's flow, top to bottom, where these states exist among siblings (at any depth, so it
 * still holds when they move under a region of their own); other states follow in the machine's order,
 * final states last.
 */
export const FLOW_HINT = ['idle', 'listening', 'processing', 'speaking'];

/** Why these sizes: the page's SVG font is 11 px (≈ 6.2 px a character) with a margin around the name. */
const NAME_PX_PER_CHAR = 6.2;
const LEAF_HEIGHT = 20;
const LEAF_MIN_WIDTH = 48;
/** Room for a container's name above its children. */
const HEADER = 16;

const LAYOUT_OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'ORTHOGONAL',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  'elk.layered.mergeEdges': 'true',
  'elk.layered.nodePlacement.strategy': 'LINEAR_SEGMENTS',
  'elk.layered.spacing.nodeNodeBetweenLayers': '14',
  'elk.layered.spacing.edgeNodeBetweenLayers': '6',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '6',
  'elk.spacing.nodeNode': '10',
  'elk.spacing.edgeNode': '10',
  'elk.spacing.edgeEdge': '6',
};

/** elkjs is CommonJS: its constructor is the module itself at run time, `default` in its typings. */
type ElkConstructor = typeof elkModule.default;
const ELK = ((elkModule as unknown as { default?: ElkConstructor }).default ?? elkModule) as ElkConstructor;

let cached: Promise<ChartLayout> | undefined;

/** The laid-out session chart (computed on first use, then kept). */
export function chartLayout(): Promise<ChartLayout> {
  cached ??= layoutChart(drawnChart(chartGraph()));
  return cached;
}

const info = (chart: DrawnChart, id: string) => chart.nodes.find((n) => n.id === id);

/**
 * The regions of a parallel root side by side as lanes, their tops aligned: ELK centres the smaller one
 * beside the larger (they share no edge, so each is its own component), which hides it mid-chart. A
 * region holds its own routes (none crosses into another), so moving one moves them along.
 */
function alignRegions(laid: ElkNode): void {
  const regions = laid.children ?? [];
  if (regions.length < 2) return;
  const top = Math.min(...regions.map((r) => r.y ?? 0));
  for (const r of regions) r.y = top;
  laid.height = Math.max(...regions.map((r) => (r.y ?? 0) + (r.height ?? 0))) + 8;
}

/** Children in flow order: the hint's states first as it orders them, the others as declared, finals last. */
function flowOrdered(children: ChartNode[]): ChartNode[] {
  const rank = (n: ChartNode) => {
    const hinted = FLOW_HINT.indexOf(n.key);
    return n.type === 'final' ? FLOW_HINT.length + 1 : hinted >= 0 ? hinted : FLOW_HINT.length;
  };
  return children
    .map((n, i) => ({ n, i }))
    .sort((a, b) => rank(a.n) - rank(b.n) || a.i - b.i)
    .map(({ n }) => n);
}

/** Lays a drawn chart out; `options` override ELK's layout options (for experiments). */
export async function layoutChart(chart: DrawnChart, options: Record<string, string> = {}): Promise<ChartLayout> {
  const byParent = new Map<string | undefined, ChartNode[]>();
  for (const n of chart.nodes) byParent.set(n.parent, [...(byParent.get(n.parent) ?? []), n]);
  for (const [parent, children] of byParent) byParent.set(parent, flowOrdered(children));
  // Every state's place in the flow: a depth-first walk of the ordered tree.
  const order = new Map<string, number>();
  const toElk = (node: ChartNode): ElkNode => {
    order.set(node.id, order.size);
    const children = byParent.get(node.id) ?? [];
    if (children.length === 0)
      return {
        id: node.id,
        width: Math.max(LEAF_MIN_WIDTH, node.key.length * NAME_PX_PER_CHAR + 12),
        height: LEAF_HEIGHT,
      };
    return {
      id: node.id,
      layoutOptions: { 'elk.padding': `[top=${HEADER},left=8,bottom=10,right=8]` },
      children: children.map(toElk),
    };
  };
  const root = toElk(chart.nodes.find((n) => n.id === chart.root)!);
  const reversed = new Set<string>();
  const elkEdges: ElkExtendedEdge[] = chart.edges.map((e) => {
    const back = order.get(e.target)! < order.get(e.source)!;
    if (back) reversed.add(e.id);
    return { id: e.id, sources: [back ? e.target : e.source], targets: [back ? e.source : e.target] };
  });
  const laid = await new ELK().layout({
    ...root,
    layoutOptions: { ...LAYOUT_OPTIONS, ...options, 'elk.padding': '[top=8,left=8,bottom=8,right=8]' },
    edges: elkEdges,
  });
  if (info(chart, chart.root)?.type === 'parallel') alignRegions(laid);

  const nodes: LaidOutNode[] = [];
  const offsets = new Map<string, { x: number; y: number }>();
  const byId = new Map(chart.nodes.map((n) => [n.id, n]));
  const walk = (node: ElkNode, ox: number, oy: number, depth: number) => {
    const x = ox + (node.x ?? 0);
    const y = oy + (node.y ?? 0);
    offsets.set(node.id, { x, y });
    if (node.id !== chart.root)
      nodes.push({ ...byId.get(node.id)!, x, y, width: node.width ?? 0, height: node.height ?? 0, depth });
    for (const child of node.children ?? []) walk(child, x, y, depth + 1);
  };
  walk(laid, 0, 0, 0);

  const drawn = new Map(chart.edges.map((e) => [e.id, e]));
  const edges: LaidOutEdge[] = [];
  const collectEdges = (node: ElkNode) => {
    for (const e of node.edges ?? []) {
      // ELK gives an edge's coordinates relative to its container (the nodes' common ancestor).
      const container = (e as ElkExtendedEdge & { container?: string }).container ?? node.id;
      const o = offsets.get(container) ?? { x: 0, y: 0 };
      const points = (e.sections ?? [])
        .flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint])
        .map((p) => ({ x: p.x + o.x, y: p.y + o.y }));
      edges.push({ ...drawn.get(e.id)!, points: reversed.has(e.id) ? points.reverse() : points });
    }
    for (const child of node.children ?? []) collectEdges(child);
  };
  collectEdges(laid);
  return { width: laid.width ?? 0, height: laid.height ?? 0, nodes, edges, legend: chart.legend };
}
