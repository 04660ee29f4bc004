// @ts-check
/**
 * Draws the session chart as SVG from the server's layout (`/inspect/api/chart`, laid out by ELK from
 * the machine definition): compound states as boxes holding their children, parallel states with dashed
 * regions, atomic states as rounded boxes, each drawn transition as an orthogonal route. It highlights
 * the active states (`.active`), marks the last transition (`.last`, in red, labelled), writes the labels
 * of the transitions leaving the active states beside their routes, and lists the transitions every
 * state has in a legend (`inspect-chart-legend.js`).
 *
 * The view fits the panel and can be zoomed and panned (`inspect-camera.js`); whatever the zoom, the
 * active states and the last transition are kept in view.
 */
import { Camera } from './inspect-camera.js';
import { placeLabels } from './inspect-labels.js';

/** @typedef {import('./inspect-hook.js').ChartLayout} ChartLayout */
/** @typedef {import('./inspect-hook.js').LaidOutEdge} LaidOutEdge */
/** @typedef {import('./inspect-hook.js').TakenTransition} TakenTransition */

const SVG = 'http://www.w3.org/2000/svg';
const short = (/** @type {string} */ id) => id.replace(/^[^.]+\./, '');

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attributes
 * @param {Element} [parent]
 */
function el(tag, attributes, parent) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  parent?.appendChild(node);
  return node;
}

/** The ids a taken transition marks: `<key>><target>` per target, the key alone when it has none. */
/** @param {TakenTransition[]} transitions */
export function takenIds(transitions) {
  /** @type {Set<string>} */
  const ids = new Set();
  for (const t of transitions) {
    if (t.targets.length === 0) ids.add(t.key);
    for (const target of t.targets) ids.add(`${t.key}>${target}`);
  }
  return ids;
}

export class ChartView {
  /**
   * @param {SVGSVGElement} svg
   * @param {HTMLElement} panel the element the SVG fills (its size is the view's)
   * @param {HTMLElement} legend where the legend goes
   * @param {ChartLayout} layout
   */
  constructor(svg, panel, legend, layout) {
    this.svg = svg;
    this.layout = layout;
    this.legendBox = legend;
    /** @type {Map<string, SVGGElement>} */
    this.nodes = new Map();
    /** @type {Map<string, SVGGElement>} */
    this.edges = new Map();
    /** @type {Map<string, HTMLElement>} */
    this.legendItems = new Map();
    /** Where the labels are written: over the routes, under nothing. */
    this.labels = el('g', { class: 'labels' });
    /** @type {{box: {x: number, y: number, width: number, height: number} | null, lastLabel: string | null}} */
    this.focus = { box: null, lastLabel: null };
    this.camera = new Camera(svg, panel, { width: layout.width, height: layout.height }, () => this.focusBox());
    this.render();
  }

  render() {
    const { svg, layout } = this;
    svg.replaceChildren();
    const defs = el('defs', {}, svg);
    for (const [id, cls] of /** @type {const} */ ([
      ['arrow', 'arrowhead'],
      ['arrow-last', 'arrowhead last'],
    ])) {
      const marker = el(
        'marker',
        { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' },
        defs,
      );
      el('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: cls }, marker);
    }
    const states = el('g', { class: 'states' }, svg);
    const byId = new Map(layout.nodes.map((n) => [n.id, n]));
    // Parents first: children are drawn over their containers.
    for (const n of [...layout.nodes].sort((a, b) => a.depth - b.depth)) {
      const parent = n.parent ? byId.get(n.parent) : undefined;
      const region = parent?.type === 'parallel';
      const leaf = n.type === 'atomic' || n.type === 'final';
      const g = /** @type {SVGGElement} */ (
        el('g', { class: `state ${n.type}${region ? ' region' : ''}`, 'data-state': n.id }, states)
      );
      el('title', {}, g).textContent = short(n.id);
      el('rect', { x: n.x, y: n.y, width: n.width, height: n.height, rx: leaf ? 7 : 5 }, g);
      const text = el(
        'text',
        leaf
          ? { x: n.x + n.width / 2, y: n.y + n.height / 2 + 4, 'text-anchor': 'middle' }
          : { x: n.x + 6, y: n.y + 12 },
        g,
      );
      text.textContent = n.type === 'parallel' ? `${n.key} ‖` : n.key;
      const first = n.initial ? byId.get(n.initial) : undefined;
      if (first) el('circle', { cx: first.x - 3, cy: first.y + 3, r: 2.5, class: 'initial' }, g);
      this.nodes.set(n.id, g);
    }
    const routes = el('g', { class: 'transitions' }, svg);
    for (const e of layout.edges) {
      const g = /** @type {SVGGElement} */ (el('g', { class: 'transition', 'data-edge': e.id }, routes));
      const events = e.events.map((x) => `${x.label}${x.guards.length ? ` [${x.guards.join(' | ')}]` : ''}`);
      el('title', {}, g).textContent = `${short(e.source)} → ${short(e.target)}\n${events.join('\n')}`;
      el('polyline', { points: e.points.map((p) => `${p.x},${p.y}`).join(' '), 'marker-end': 'url(#arrow)' }, g);
      this.edges.set(e.id, g);
    }
    svg.appendChild(this.labels);
    this.renderLegend();
    this.camera.fit();
  }

  renderLegend() {
    this.legendBox.replaceChildren();
    /** @param {string} title @param {ChartLayout['legend']} entries @param {HTMLElement} into */
    const line = (title, entries, into) => {
      if (entries.length === 0) return;
      into.append(title);
      for (const l of entries) {
        const item = document.createElement('span');
        item.className = 'legend-entry';
        item.dataset['legend'] = l.members.join(' ');
        item.textContent = l.target ? `${l.label} → ${short(l.target)}` : l.label;
        into.append(item);
        for (const id of l.members) this.legendItems.set(id, item);
      }
    };
    // One line per scope: `In every dialog state:`, `In every actions state:` (a parallel chart's regions).
    const moving = document.createElement('div');
    const scopes = [...new Set(this.layout.legend.filter((l) => l.target).map((l) => l.from))];
    for (const from of scopes) {
      const p = document.createElement('p');
      line(
        `In ${from}: `,
        this.layout.legend.filter((l) => l.target && l.from === from),
        p,
      );
      moving.append(p);
    }
    // The transitions that change nothing are kept out of the way: one line, opened on demand.
    const still = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = 'handled everywhere without a change of state';
    still.append(summary);
    line(
      '',
      this.layout.legend.filter((l) => !l.target),
      still,
    );
    this.legendBox.append(moving, still);
  }

  /**
   * Highlights the active states, marks the transitions of the last step and labels what can happen next.
   * @param {string[]} active state ids
   * @param {TakenTransition[]} transitions
   */
  show(active, transitions) {
    const on = new Set(active);
    for (const [id, g] of this.nodes) g.classList.toggle('active', on.has(id));
    const taken = takenIds(transitions);
    /** @type {LaidOutEdge[]} */
    const last = [];
    for (const e of this.layout.edges) {
      const g = this.edges.get(e.id);
      if (!g) continue;
      const marked = e.members.some((m) => taken.has(m));
      const next = on.has(e.source);
      g.classList.toggle('last', marked);
      g.classList.toggle('next', next && !marked);
      g.querySelector('polyline')?.setAttribute('marker-end', marked ? 'url(#arrow-last)' : 'url(#arrow)');
      if (marked) last.push(e);
      // Marked routes are drawn last, over the others.
      if (marked || next) g.parentNode?.appendChild(g);
    }
    for (const [id, item] of this.legendItems) item.classList.toggle('last', taken.has(id));
    const leaving = this.layout.edges.filter((e) => on.has(e.source) && !last.includes(e));
    const placed = placeLabels(this.layout, [
      ...last.map((e) => ({ edge: e, last: true })),
      ...leaving.map((e) => ({ edge: e, last: false })),
    ]);
    this.labels.replaceChildren();
    for (const p of placed) {
      const text = el('text', { x: p.x, y: p.y, class: p.last ? 'last' : 'next', 'data-edge': p.edge.id }, this.labels);
      text.textContent = p.text;
    }
    const boxes = [...this.svg.querySelectorAll('.state.active.atomic > rect, .state.active.final > rect')].map((r) =>
      rectOf(/** @type {SVGRectElement} */ (r)),
    );
    for (const e of last) boxes.push(boundsOf(e.points));
    for (const p of placed.filter((x) => x.last)) boxes.push({ x: p.x, y: p.y - 10, width: p.width, height: 12 });
    this.focus = { box: boxes.length ? union(boxes) : null, lastLabel: placed.find((p) => p.last)?.text ?? null };
    this.camera.follow();
  }

  focusBox() {
    return this.focus.box;
  }

  /** The highlighted state ids, marked edges and written labels, read back from the DOM. */
  shown() {
    return {
      active: [...this.svg.querySelectorAll('.state.active')].map((g) => g.getAttribute('data-state') ?? ''),
      last: [...this.svg.querySelectorAll('.transition.last')].map((g) => g.getAttribute('data-edge') ?? ''),
      labels: [...this.labels.querySelectorAll('text')].map((t) => ({
        edge: t.getAttribute('data-edge') ?? '',
        text: t.textContent ?? '',
        last: t.classList.contains('last'),
      })),
      legend: [...this.legendBox.querySelectorAll('.legend-entry.last')].map((e) => e.textContent ?? ''),
    };
  }
}

/** @param {SVGRectElement} r */
function rectOf(r) {
  return {
    x: Number(r.getAttribute('x')),
    y: Number(r.getAttribute('y')),
    width: Number(r.getAttribute('width')),
    height: Number(r.getAttribute('height')),
  };
}

/** @param {Array<{x: number, y: number}>} points */
function boundsOf(points) {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  return {
    x: Math.min(...xs),
    y: Math.min(...ys),
    width: Math.max(...xs) - Math.min(...xs),
    height: Math.max(...ys) - Math.min(...ys),
  };
}

/** @param {Array<{x: number, y: number, width: number, height: number}>} boxes */
function union(boxes) {
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  return {
    x,
    y,
    width: Math.max(...boxes.map((b) => b.x + b.width)) - x,
    height: Math.max(...boxes.map((b) => b.y + b.height)) - y,
  };
}
