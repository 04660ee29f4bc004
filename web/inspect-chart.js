// @ts-check
/**
 * Draws the session chart as SVG from the server's layout (`/inspect/api/chart`, laid out by ELK from
 * the machine definition): compound states as boxes holding their children, parallel states with dashed
 * regions, atomic states as rounded boxes, every transition as a route with its label on hover. It
 * highlights the active states (`.active`) and marks the last transition (`.last`, its label written
 * beside it).
 */

/** @typedef {import('./inspect-hook.js').ChartLayout} ChartLayout */
/** @typedef {import('./inspect-hook.js').TakenTransition} TakenTransition */

const SVG = 'http://www.w3.org/2000/svg';

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

export class ChartView {
  /**
   * @param {SVGSVGElement} svg
   * @param {ChartLayout} layout
   */
  constructor(svg, layout) {
    this.svg = svg;
    this.layout = layout;
    /** @type {Map<string, SVGGElement>} */
    this.nodes = new Map();
    /** @type {Map<string, SVGGElement>} */
    this.edges = new Map();
    /** Where the last transition's label is written. */
    this.label = el('g', { class: 'last-label' });
    this.render();
  }

  render() {
    const { svg, layout } = this;
    svg.replaceChildren();
    svg.setAttribute('viewBox', `0 0 ${Math.ceil(layout.width)} ${Math.ceil(layout.height)}`);
    svg.setAttribute('width', String(Math.ceil(layout.width)));
    svg.setAttribute('height', String(Math.ceil(layout.height)));
    const defs = el('defs', {}, svg);
    for (const [id, cls] of /** @type {const} */ ([['arrow', 'arrowhead'], ['arrow-last', 'arrowhead last']])) {
      const marker = el('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
      el('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: cls }, marker);
    }
    const states = el('g', { class: 'states' }, svg);
    // Parents first (the layout lists them so): children are drawn over their containers.
    const parents = new Map(layout.nodes.map((n) => [n.id, n]));
    for (const n of [...layout.nodes].sort((a, b) => a.depth - b.depth)) {
      const parent = n.parent ? parents.get(n.parent) : undefined;
      const region = parent?.type === 'parallel';
      const leaf = n.type === 'atomic' || n.type === 'final';
      const g = /** @type {SVGGElement} */ (el('g', { class: `state ${n.type}${region ? ' region' : ''}`, 'data-state': n.id }, states));
      el('title', {}, g).textContent = n.id;
      el('rect', { x: n.x, y: n.y, width: n.width, height: n.height, rx: leaf ? 8 : 6 }, g);
      const text = el('text', leaf ? { x: n.x + n.width / 2, y: n.y + n.height / 2 + 4, 'text-anchor': 'middle' } : { x: n.x + 8, y: n.y + 15 }, g);
      text.textContent = n.type === 'parallel' ? `${n.key} ‖` : n.key;
      if (n.initial) {
        const first = parents.get(n.initial);
        if (first) el('circle', { cx: first.x - 4, cy: first.y + 4, r: 3, class: 'initial' }, g);
      }
      this.nodes.set(n.id, g);
    }
    const routes = el('g', { class: 'transitions' }, svg);
    for (const e of layout.edges) {
      const g = /** @type {SVGGElement} */ (el('g', { class: 'transition', 'data-edge': e.id }, routes));
      el('title', {}, g).textContent = `${e.source.replace(/^session\./, '')} → ${e.target.replace(/^session\./, '')}: ${e.label}`;
      el('polyline', { points: e.points.map((p) => `${p.x},${p.y}`).join(' '), 'marker-end': 'url(#arrow)' }, g);
      this.edges.set(e.id, g);
    }
    this.label.replaceChildren();
    svg.appendChild(this.label);
  }

  /**
   * Highlights the active states and marks the transitions of the last step.
   * @param {string[]} active state ids
   * @param {TakenTransition[]} transitions
   */
  show(active, transitions) {
    const on = new Set(active);
    for (const [id, g] of this.nodes) g.classList.toggle('active', on.has(id));
    /** @type {Set<string>} */
    const last = new Set();
    for (const t of transitions) for (const target of t.targets) last.add(`${t.key}>${target}`);
    for (const [id, g] of this.edges) {
      const marked = last.has(id);
      g.classList.toggle('last', marked);
      g.querySelector('polyline')?.setAttribute('marker-end', marked ? 'url(#arrow-last)' : 'url(#arrow)');
      // The marked route is drawn last, over the others.
      if (marked) g.parentNode?.appendChild(g);
    }
    this.label.replaceChildren();
    for (const e of this.layout.edges) {
      if (!last.has(e.id)) continue;
      const mid = e.points[Math.floor(e.points.length / 2)];
      if (!mid) continue;
      const text = el('text', { x: mid.x + 6, y: mid.y - 4 }, this.label);
      text.textContent = e.label;
    }
  }

  /** The highlighted state ids and marked edge ids, read back from the DOM. */
  shown() {
    return {
      active: [...this.svg.querySelectorAll('.state.active')].map((g) => g.getAttribute('data-state') ?? ''),
      last: [...this.svg.querySelectorAll('.transition.last')].map((g) => g.getAttribute('data-edge') ?? ''),
    };
  }

  /** Scrolls the chart's panel so the deepest active state is in view. */
  /** @param {HTMLElement} panel */
  reveal(panel) {
    const deepest = [...this.svg.querySelectorAll('.state.active.atomic')].at(-1);
    if (!(deepest instanceof SVGGraphicsElement)) return;
    const box = deepest.getBBox();
    const scale = this.svg.getBoundingClientRect().width / this.layout.width || 1;
    const y = box.y * scale;
    if (y < panel.scrollTop || y > panel.scrollTop + panel.clientHeight - 40) panel.scrollTop = Math.max(0, y - panel.clientHeight / 3);
  }
}
