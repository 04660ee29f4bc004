// @ts-check
/**
 * The chart's view: which part of the chart the panel shows, at what zoom — the SVG's `viewBox`. It opens
 * fitted to the panel (or, where the whole chart would be too small to read, as wide as the panel), and
 * zooms (buttons, Ctrl + wheel, or pinch) and pans (drag, wheel). `follow()` keeps a box — the active states
 * and the last transition — in view: it pans as little as it can, and zooms out only when the box would not
 * fit otherwise.
 *
 * @example
 * const camera = new Camera(svg, panel, { width: 531, height: 981 }, () => focusBox);
 * camera.fit();
 * camera.follow(); // after each step
 */

/** @typedef {{x: number, y: number, width: number, height: number}} Box */

/** Why 0.75: below this the chart's 11 px names shrink under 8 px, too small to read. */
const READABLE_SCALE = 0.75;
const MAX_SCALE = 3;
/** Room kept around the followed box, px of the panel. */
const MARGIN = 24;

export class Camera {
  /**
   * @param {SVGSVGElement} svg
   * @param {HTMLElement} panel
   * @param {{width: number, height: number}} chart
   * @param {() => Box | null} focus
   */
  constructor(svg, panel, chart, focus) {
    this.svg = svg;
    this.panel = panel;
    this.chart = chart;
    this.focus = focus;
    this.scale = 1;
    /** The zoom chosen (the opening one, or the user's): following zooms out from it only while it must. */
    this.preferred = 1;
    this.x = 0;
    this.y = 0;
    /** `fit`: the whole chart; `follow`: the user's zoom, panned to the focus. */
    this.mode = /** @type {'fit' | 'follow'} */ ('fit');
    svg.setAttribute('width', '100%');
    svg.setAttribute('height', '100%');
    this.listen();
    // A new panel size: the opening view for it (a zoom chosen for another size is no guide).
    new ResizeObserver(() => this.fit()).observe(panel);
  }

  get size() {
    return { width: Math.max(1, this.panel.clientWidth), height: Math.max(1, this.panel.clientHeight) };
  }

  /** The scale at which the whole chart fits the panel. */
  get fitScale() {
    const { width, height } = this.size;
    return Math.min(width / this.chart.width, height / this.chart.height);
  }

  /** The opening view: the whole chart when it is readable so, else as wide as the panel (at most 1:1). */
  fit() {
    const whole = this.fitScale;
    this.mode = whole >= READABLE_SCALE ? 'fit' : 'follow';
    this.scale =
      whole >= READABLE_SCALE
        ? Math.min(whole, MAX_SCALE)
        : Math.max(whole, Math.min(1, this.size.width / this.chart.width));
    this.preferred = this.scale;
    this.x = (this.chart.width - this.size.width / this.scale) / 2;
    this.y = this.mode === 'fit' ? (this.chart.height - this.size.height / this.scale) / 2 : 0;
    this.follow();
  }

  /** The whole chart, however small. */
  fitAll() {
    this.mode = 'fit';
    this.scale = this.fitScale;
    this.x = (this.chart.width - this.size.width / this.scale) / 2;
    this.y = (this.chart.height - this.size.height / this.scale) / 2;
    this.apply();
  }

  /**
   * Zooms by `factor` around a point of the panel (its centre by default).
   * @param {number} factor
   * @param {{x: number, y: number}} [at] px in the panel
   */
  zoom(factor, at) {
    const { width, height } = this.size;
    const px = at?.x ?? width / 2;
    const py = at?.y ?? height / 2;
    const cx = this.x + px / this.scale;
    const cy = this.y + py / this.scale;
    this.scale = Math.max(Math.min(this.fitScale, READABLE_SCALE), Math.min(MAX_SCALE, this.scale * factor));
    this.preferred = this.scale;
    this.x = cx - px / this.scale;
    this.y = cy - py / this.scale;
    this.mode = 'follow';
    this.follow();
  }

  /** @param {number} dx @param {number} dy px of the panel */
  pan(dx, dy) {
    this.x -= dx / this.scale;
    this.y -= dy / this.scale;
    this.mode = 'follow';
    this.apply();
  }

  /** Pans (and, only if it must, zooms out) so the focus box is in view. */
  follow() {
    const box = this.focus();
    const { width, height } = this.size;
    if (box && this.mode === 'follow') {
      const need = Math.min(
        (width - 2 * MARGIN) / Math.max(1, box.width),
        (height - 2 * MARGIN) / Math.max(1, box.height),
      );
      const scale = Math.max(Math.min(this.fitScale, this.preferred), Math.min(this.preferred, need));
      if (scale !== this.scale) {
        // Zoom about the view's centre, then pan as little as the box needs.
        const cx = this.x + width / this.scale / 2;
        const cy = this.y + height / this.scale / 2;
        this.scale = scale;
        this.x = cx - width / scale / 2;
        this.y = cy - height / scale / 2;
      }
      const viewW = width / this.scale;
      const viewH = height / this.scale;
      const m = MARGIN / this.scale;
      if (box.x - m < this.x) this.x = box.x - m;
      else if (box.x + box.width + m > this.x + viewW) this.x = box.x + box.width + m - viewW;
      if (box.y - m < this.y) this.y = box.y - m;
      else if (box.y + box.height + m > this.y + viewH) this.y = box.y + box.height + m - viewH;
    }
    this.apply();
  }

  apply() {
    const { width, height } = this.size;
    const viewW = width / this.scale;
    const viewH = height / this.scale;
    // Centred where the view is larger than the chart; elsewhere no further off its edge than the margin.
    const m = MARGIN / this.scale;
    /** @param {number} at @param {number} view @param {number} size */
    const clamp = (at, view, size) => (view >= size ? (size - view) / 2 : Math.max(-m, Math.min(at, size - view + m)));
    this.x = clamp(this.x, viewW, this.chart.width);
    this.y = clamp(this.y, viewH, this.chart.height);
    this.svg.setAttribute(
      'viewBox',
      `${this.x.toFixed(1)} ${this.y.toFixed(1)} ${viewW.toFixed(1)} ${viewH.toFixed(1)}`,
    );
  }

  /** What the view shows, for the test hook: the zoom and the chart's box in view. */
  state() {
    const { width, height } = this.size;
    return {
      mode: this.mode,
      scale: Number(this.scale.toFixed(3)),
      fitScale: Number(this.fitScale.toFixed(3)),
      view: {
        x: Math.round(this.x),
        y: Math.round(this.y),
        width: Math.round(width / this.scale),
        height: Math.round(height / this.scale),
      },
    };
  }

  listen() {
    /** @type {{x: number, y: number} | null} */
    let dragging = null;
    this.panel.addEventListener('pointerdown', (e) => {
      dragging = { x: e.clientX, y: e.clientY };
      this.panel.setPointerCapture(e.pointerId);
    });
    this.panel.addEventListener('pointermove', (e) => {
      if (!dragging) return;
      this.pan(e.clientX - dragging.x, e.clientY - dragging.y);
      dragging = { x: e.clientX, y: e.clientY };
    });
    const stop = () => (dragging = null);
    this.panel.addEventListener('pointerup', stop);
    this.panel.addEventListener('pointercancel', stop);
    this.panel.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const rect = this.panel.getBoundingClientRect();
        // Ctrl + wheel (and a trackpad's pinch, which browsers send as such) zooms; the wheel alone pans.
        if (e.ctrlKey || e.metaKey)
          this.zoom(Math.exp(-e.deltaY / 300), { x: e.clientX - rect.left, y: e.clientY - rect.top });
        else this.pan(-e.deltaX, -e.deltaY);
      },
      { passive: false },
    );
  }
}
