/**
 * Lays the session chart's graph out with ELK (`elkjs`, layered, hierarchical), on the server, once per
 * process: the page gets boxes and edge routes in absolute coordinates and only draws SVG, so it needs no
 * layout engine of its own (and no CDN). Compound and parallel states are containers; a parallel state's
 * regions are its children.
 *
 * @example
 * ```ts
 * const layout = await chartLayout();
 * layout.nodes.find((n) => n.id === 'session.idle'); // { id, key, type, x, y, width, height, … }
 * ```
 */
import elkModule, { type ElkExtendedEdge, type ElkNode } from 'elkjs/lib/elk.bundled.js';
import { chartGraph, type ChartEdge, type ChartGraph, type ChartNode } from './chart-graph.js';

export interface LaidOutNode extends ChartNode {
  x: number;
  y: number;
  width: number;
  height: number;
  depth: number;
}

export interface LaidOutEdge extends ChartEdge {
  /** The route: start, bend points, end (absolute). */
  points: Array<{ x: number; y: number }>;
}

export interface ChartLayout {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
  everywhere: ChartGraph['everywhere'];
}

/** Why these sizes: they match the page's SVG font (12 px state names) with a margin. */
const NAME_PX_PER_CHAR = 7.2;
const LEAF_HEIGHT = 30;
/** Room for a container's name above its children. */
const HEADER = 22;

/**
 * Top to bottom, edges without labels in the layout: with its 60 labelled edges the chart laid out
 * 5,400 px wide; unlabelled and downwards it is ~650 × 1,450 and fits a page column. The page names an
 * edge on hover and writes the last transition's label beside it.
 */
const LAYOUT_OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.edgeRouting': 'POLYLINE',
  'elk.layered.spacing.nodeNodeBetweenLayers': '30',
  'elk.spacing.nodeNode': '16',
};

/** elkjs is CommonJS: its constructor is the module itself at run time, `default` in its typings. */
type ElkConstructor = typeof elkModule.default;
const ELK = ((elkModule as unknown as { default?: ElkConstructor }).default ?? elkModule) as ElkConstructor;

let cached: Promise<ChartLayout> | undefined;

/** The laid-out session chart (computed on first use, then kept). */
export function chartLayout(): Promise<ChartLayout> {
  cached ??= layoutGraph(chartGraph());
  return cached;
}

export async function layoutGraph(graph: ChartGraph): Promise<ChartLayout> {
  const byParent = new Map<string | undefined, ChartNode[]>();
  for (const n of graph.nodes) byParent.set(n.parent, [...(byParent.get(n.parent) ?? []), n]);
  const toElk = (node: ChartNode): ElkNode => {
    const children = byParent.get(node.id) ?? [];
    if (children.length === 0) return { id: node.id, width: Math.max(64, node.key.length * NAME_PX_PER_CHAR + 20), height: LEAF_HEIGHT };
    return {
      id: node.id,
      layoutOptions: { 'elk.padding': `[top=${HEADER},left=10,bottom=10,right=10]` },
      children: children.map(toElk),
    };
  };
  const rootNode = graph.nodes.find((n) => n.id === graph.root)!;
  const elkEdges: ElkExtendedEdge[] = graph.edges.map((e) => ({
    id: e.id,
    sources: [e.source],
    targets: [e.target],
  }));
  const elk = new ELK();
  const laid = await elk.layout({ ...toElk(rootNode), layoutOptions: { ...LAYOUT_OPTIONS, 'elk.padding': '[top=12,left=12,bottom=12,right=12]' }, edges: elkEdges });

  const nodes: LaidOutNode[] = [];
  const offsets = new Map<string, { x: number; y: number }>();
  const info = new Map(graph.nodes.map((n) => [n.id, n]));
  const walk = (node: ElkNode, ox: number, oy: number, depth: number) => {
    const x = ox + (node.x ?? 0);
    const y = oy + (node.y ?? 0);
    offsets.set(node.id, { x, y });
    if (node.id !== graph.root) nodes.push({ ...info.get(node.id)!, x, y, width: node.width ?? 0, height: node.height ?? 0, depth });
    for (const child of node.children ?? []) walk(child, x, y, depth + 1);
  };
  walk(laid, 0, 0, 0);

  const edgeInfo = new Map(graph.edges.map((e) => [e.id, e]));
  const edges: LaidOutEdge[] = [];
  const collectEdges = (node: ElkNode) => {
    for (const e of node.edges ?? []) {
      // ELK gives an edge's coordinates relative to its container (the nodes' common ancestor).
      const container = (e as ElkExtendedEdge & { container?: string }).container ?? node.id;
      const o = offsets.get(container) ?? { x: 0, y: 0 };
      const points = (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]).map((p) => ({ x: p.x + o.x, y: p.y + o.y }));
      edges.push({ ...edgeInfo.get(e.id)!, points });
    }
    for (const child of node.children ?? []) collectEdges(child);
  };
  collectEdges(laid);
  return { width: laid.width ?? 0, height: laid.height ?? 0, nodes, edges, everywhere: graph.everywhere };
}
