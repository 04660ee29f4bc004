// @ts-check
/**
 * Where the chart's transition labels go: each beside its own route, clear of the state boxes and of the
 * labels placed before it. The last transition's label is placed first (at the middle of its route), then
 * those of the transitions leaving the active states (near where they leave). Greedy: a label tries
 * points along its route, right of it then left of it, and takes the first free spot; with none free it
 * takes its first choice anyway (a label is never dropped). Inside the chart: never clipped at an edge.
 *
 * @example
 * const placed = placeLabels(layout, [{ edge, last: true }]);
 * placed[0]; // { edge, text: 'after minInterruption', x, y, width, last: true }
 */

/** @typedef {import('./inspect-hook.js').ChartLayout} ChartLayout */
/** @typedef {import('./inspect-hook.js').LaidOutEdge} LaidOutEdge */
/** @typedef {{x: number, y: number, width: number, height: number}} Box */
/** @typedef {{edge: LaidOutEdge, text: string, x: number, y: number, width: number, last: boolean}} PlacedLabel */

/** Why: the labels' fonts (10 px, the last one bold 11 px) average these widths per character. */
const PX_PER_CHAR = 5.6;
const LAST_PX_PER_CHAR = 6.6;
const HEIGHT = 12;
const GAP = 4;

/** @param {Box} a @param {Box} b */
const overlaps = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * Points along a route, `step` px apart from `from` (px from its start), at most `count`.
 * @param {Array<{x: number, y: number}>} points
 * @param {number} from
 * @param {number} step
 * @param {number} count
 * @returns {Array<{x: number, y: number, vertical: boolean}>}
 */
function along(points, from, step, count) {
  /** @type {Array<{x: number, y: number, vertical: boolean}>} */
  const out = [];
  let walked = 0;
  let want = from;
  for (let i = 1; i < points.length && out.length < count; i++) {
    const a = /** @type {{x: number, y: number}} */ (points[i - 1]);
    const b = /** @type {{x: number, y: number}} */ (points[i]);
    const length = Math.hypot(b.x - a.x, b.y - a.y);
    while (want <= walked + length && out.length < count) {
      const t = length ? (want - walked) / length : 0;
      out.push({
        x: a.x + (b.x - a.x) * t,
        y: a.y + (b.y - a.y) * t,
        vertical: Math.abs(b.x - a.x) < Math.abs(b.y - a.y),
      });
      want += step;
    }
    walked += length;
  }
  return out;
}

/** @param {Array<{x: number, y: number}>} points */
const lengthOf = (points) =>
  points
    .slice(1)
    .reduce(
      (sum, p, i) =>
        sum +
        Math.hypot(p.x - /** @type {{x: number}} */ (points[i]).x, p.y - /** @type {{y: number}} */ (points[i]).y),
      0,
    );

/**
 * @param {ChartLayout} layout
 * @param {Array<{edge: LaidOutEdge, last: boolean}>} requests in order of importance
 * @returns {PlacedLabel[]}
 */
export function placeLabels(layout, requests) {
  /** @type {Box[]} */
  const taken = layout.nodes.map((n) =>
    // A state's box, or a container's name above its children (its header is where its name is written).
    n.type === 'atomic' || n.type === 'final'
      ? { x: n.x, y: n.y, width: n.width, height: n.height }
      : { x: n.x, y: n.y, width: Math.min(n.width, 16 + n.key.length * 6.6), height: 16 },
  );
  /** @type {PlacedLabel[]} */
  const placed = [];
  for (const { edge, last } of requests) {
    const text = last ? edge.label : edge.events.map((e) => e.label).join(' · ');
    const width = text.length * (last ? LAST_PX_PER_CHAR : PX_PER_CHAR);
    const total = lengthOf(edge.points);
    // The last transition: from its middle outwards; the others: from just after they leave their state.
    const anchors = last
      ? [...along(edge.points, total / 2, 14, 12), ...along(edge.points, 10, 14, 12)]
      : along(edge.points, 10, 14, 14);
    /** @type {Box[]} */
    const options = [];
    for (const a of anchors) {
      if (a.vertical)
        options.push(
          { x: a.x + GAP, y: a.y - HEIGHT / 2, width, height: HEIGHT },
          { x: a.x - GAP - width, y: a.y - HEIGHT / 2, width, height: HEIGHT },
        );
      else
        options.push(
          { x: a.x - width / 2, y: a.y - GAP - HEIGHT, width, height: HEIGHT },
          { x: a.x - width / 2, y: a.y + GAP, width, height: HEIGHT },
        );
    }
    const inside = options.map((o) => ({
      ...o,
      x: Math.max(2, Math.min(layout.width - width - 2, o.x)),
      y: Math.max(2, Math.min(layout.height - HEIGHT - 2, o.y)),
    }));
    const box = inside.find((o) => !taken.some((t) => overlaps(o, t))) ?? inside[0];
    if (!box) continue;
    taken.push(box);
    placed.push({ edge, text, x: box.x, y: box.y + HEIGHT - 2, width, last });
  }
  return placed;
}
