/**
 * How readable a laid-out chart is, measured on its geometry: edge crossings (two drawn routes that cross
 * each other, counted once per crossing point), the routes drawn, routes that pass through a state they
 * neither leave nor enter, and the size. Used by the layout tests and the inspector's browser test, which
 * reads the same figures back from the SVG the page drew.
 *
 * @example
 * ```ts
 * const m = measureChart({ width: 100, height: 100, nodes: [], edges: [
 *   { id: 'a', points: [{ x: 0, y: 50 }, { x: 100, y: 50 }] },
 *   { id: 'b', points: [{ x: 50, y: 0 }, { x: 50, y: 100 }] },
 * ] });
 * m.crossings; // 1
 * ```
 */

export interface Point {
  x: number;
  y: number;
}

export interface MeasuredEdge {
  id: string;
  points: readonly Point[];
  source?: string;
  target?: string;
}

export interface MeasuredNode {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Atomic and final states are solid boxes; containers (compound, parallel) may hold routes. */
  leaf?: boolean;
}

export interface ChartGeometry {
  width: number;
  height: number;
  nodes: readonly MeasuredNode[];
  edges: readonly MeasuredEdge[];
}

export interface ChartMeasures {
  /** Points where two different routes cross (touching at a shared end is not a crossing). */
  crossings: number;
  /** Routes drawn. */
  edges: number;
  /** Routes that pass through a leaf state other than their own ends. */
  throughStates: number;
  width: number;
  height: number;
}

/** Why 0.5: coordinates come from a layout in px; closer than half a pixel is the same point. */
const EPSILON = 0.5;

const cross = (o: Point, a: Point, b: Point) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);

/** Where segments `a1a2` and `b1b2` cross in both their interiors (not at an end of either), if they do. */
export function segmentCrossing(a1: Point, a2: Point, b1: Point, b2: Point): Point | undefined {
  const d1 = cross(b1, b2, a1);
  const d2 = cross(b1, b2, a2);
  const d3 = cross(a1, a2, b1);
  const d4 = cross(a1, a2, b2);
  // Strictly on opposite sides, both ways: collinear overlaps and touching ends are not crossings.
  const lenA = Math.hypot(a2.x - a1.x, a2.y - a1.y) || 1;
  const lenB = Math.hypot(b2.x - b1.x, b2.y - b1.y) || 1;
  const opposite = (p: number, q: number, len: number) =>
    (p > EPSILON * len && q < -EPSILON * len) || (p < -EPSILON * len && q > EPSILON * len);
  if (!opposite(d1, d2, lenB) || !opposite(d3, d4, lenA)) return undefined;
  const t = d1 / (d1 - d2);
  return { x: a1.x + t * (a2.x - a1.x), y: a1.y + t * (a2.y - a1.y) };
}

const segments = (points: readonly Point[]) => points.slice(1).map((p, i) => [points[i]!, p] as const);

/** Crossing points between two routes, each counted once. */
function crossingsBetween(a: readonly Point[], b: readonly Point[]): number {
  const found: Point[] = [];
  for (const [a1, a2] of segments(a)) {
    for (const [b1, b2] of segments(b)) {
      const at = segmentCrossing(a1, a2, b1, b2);
      if (at && !found.some((p) => Math.abs(p.x - at.x) < 1 && Math.abs(p.y - at.y) < 1)) found.push(at);
    }
  }
  return found.length;
}

const inside = (p: Point, n: MeasuredNode) =>
  p.x > n.x + EPSILON && p.x < n.x + n.width - EPSILON && p.y > n.y + EPSILON && p.y < n.y + n.height - EPSILON;

/** A route passes through a box when a point sampled along it lies inside the box. */
function passesThrough(points: readonly Point[], n: MeasuredNode): boolean {
  for (const [a, b] of segments(points)) {
    const steps = Math.max(1, Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / 4));
    for (let i = 0; i <= steps; i++)
      if (inside({ x: a.x + ((b.x - a.x) * i) / steps, y: a.y + ((b.y - a.y) * i) / steps }, n)) return true;
  }
  return false;
}

export function measureChart(chart: ChartGeometry): ChartMeasures {
  let crossings = 0;
  const edges = chart.edges.filter((e) => e.points.length >= 2);
  for (let i = 0; i < edges.length; i++)
    for (let j = i + 1; j < edges.length; j++) crossings += crossingsBetween(edges[i]!.points, edges[j]!.points);
  const leaves = chart.nodes.filter((n) => n.leaf);
  const throughStates = edges.filter((e) =>
    leaves.some((n) => n.id !== e.source && n.id !== e.target && passesThrough(e.points, n)),
  ).length;
  return {
    crossings,
    edges: edges.length,
    throughStates,
    width: Math.round(chart.width),
    height: Math.round(chart.height),
  };
}
