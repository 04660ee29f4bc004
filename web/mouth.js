// @ts-check
/**
 * A simple mouth for lip sync: an SVG ellipse opened by each frame's level (0–1) and shaped by its
 * viseme when the TTS engine reports one (eSpeak does; flite gives only the level). The page calls
 * `show` when the playback worklet starts the frame, so the mouth moves with the audio heard.
 *
 * @example
 * const mouth = new Mouth(document.querySelector('#mouth-opening'), document.querySelector('#viseme'));
 * mouth.show(0.6, 'aa');
 * mouth.close();
 */

/**
 * Width scale and opening scale of each viseme (Oculus/MPEG-4 set): lips closed for PP, wide for aa, round for O and U.
 */
const SHAPES = /** @type {Record<string, [number, number]>} */ ({
  sil: [1, 0],
  PP: [0.9, 0],
  FF: [1, 0.2],
  TH: [1, 0.3],
  DD: [1, 0.4],
  kk: [1, 0.5],
  CH: [0.8, 0.45],
  SS: [1.1, 0.25],
  nn: [1, 0.35],
  RR: [0.8, 0.45],
  aa: [1.1, 1],
  E: [1.2, 0.7],
  I: [1.25, 0.45],
  O: [0.7, 0.9],
  U: [0.55, 0.6],
});
/** The ellipse's half width and its half height when wide open, in the SVG's units (a 100 × 100 face). */
const HALF_WIDTH = 18;
const MAX_HALF_HEIGHT = 14;
/** Why 1: a closed mouth is still drawn as a line. */
const CLOSED_HALF_HEIGHT = 1;

export class Mouth {
  /**
   * @param {SVGEllipseElement} opening
   * @param {HTMLElement} label
   */
  constructor(opening, label) {
    this.opening = opening;
    this.label = label;
    this.level = 0;
    /** @type {string | null} */
    this.viseme = null;
    this.updates = 0;
    this.close();
  }

  /**
   * @param {number} level 0–1
   * @param {string | null} viseme
   */
  show(level, viseme) {
    const [width, open] = (viseme && SHAPES[viseme]) || [1, 1];
    this.draw(HALF_WIDTH * width, CLOSED_HALF_HEIGHT + Math.max(0, Math.min(1, level)) * open * MAX_HALF_HEIGHT);
    this.level = level;
    this.viseme = viseme;
    this.updates++;
    this.label.textContent = viseme ? `viseme ${viseme}` : level > 0 ? `level ${level.toFixed(2)}` : '';
  }

  close() {
    this.draw(HALF_WIDTH, CLOSED_HALF_HEIGHT);
    this.level = 0;
    this.viseme = null;
    this.label.textContent = '';
  }

  /**
   * @param {number} rx
   * @param {number} ry
   */
  draw(rx, ry) {
    this.opening.setAttribute('rx', rx.toFixed(1));
    this.opening.setAttribute('ry', ry.toFixed(1));
  }
}
