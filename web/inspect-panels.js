// @ts-check
/**
 * The inspector's panels beside the chart: the event log (time, type, turn, the transition it caused),
 * the per-turn latency waterfall (the user's end of speech → end of turn → transcript → first token →
 * first clause → first audio; how the reply ended) and the history with what was heard and what was not.
 */
import { describeTransition, eventLabel, MILESTONES } from './inspect-model.js';

/** @typedef {import('./inspect-hook.js').Step} Step */
/** @typedef {import('./inspect-hook.js').TurnFigures} TurnFigures */
/** @typedef {import('./inspect-hook.js').ShownEntry} ShownEntry */

/** Why 400 rows: a live session runs for hours; the log shows its recent past, the recording all of it. */
const MAX_LOG_ROWS = 400;

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 */
function h(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * The event log: one row per step; the row at the cursor is marked. Clicking a row calls `onPick`.
 */
export class EventLog {
  /**
   * @param {HTMLTableSectionElement} body
   * @param {(index: number) => void} onPick
   */
  constructor(body, onPick) {
    this.body = body;
    this.rendered = 0;
    /** @type {number} */
    this.originAtMs = 0;
    body.addEventListener('click', (e) => {
      const row = /** @type {HTMLElement} */ (e.target).closest('tr');
      if (row?.dataset['index']) onPick(Number(row.dataset['index']));
    });
  }

  reset() {
    this.body.replaceChildren();
    this.rendered = 0;
  }

  /**
   * Appends the steps not shown yet and marks the cursor's row.
   * @param {Step[]} steps
   * @param {number} cursor
   */
  update(steps, cursor) {
    if (steps.length > 0 && this.rendered === 0) this.originAtMs = steps[0]?.atMs ?? 0;
    for (let i = this.rendered; i < steps.length; i++) {
      const step = /** @type {Step} */ (steps[i]);
      const row = h('tr');
      row.dataset['index'] = String(i);
      row.append(
        h('td', 'num', `${Math.round(step.atMs - this.originAtMs)}`),
        h('td', 'type', eventLabel(step.event.type)),
        h('td', 'turn', step.event.turnId && step.event.turnId !== '-' ? step.event.turnId : ''),
        h('td', 'caused', step.transitions.map(describeTransition).join('; ') || '—'),
      );
      if (step.transitions.length === 0) row.classList.add('quiet');
      this.body.appendChild(row);
    }
    this.rendered = steps.length;
    while (this.body.rows.length > MAX_LOG_ROWS) this.body.deleteRow(0);
    for (const row of this.body.querySelectorAll('tr.cursor')) row.classList.remove('cursor');
    const at = /** @type {HTMLElement | null} */ (this.body.querySelector(`tr[data-index="${cursor}"]`));
    at?.classList.add('cursor');
    // Only the log scrolls to it (scrollIntoView would move the page too).
    const box = /** @type {HTMLElement | null} */ (this.body.closest('.log-scroll'));
    if (at && box) {
      const head = this.body.parentElement?.querySelector('thead')?.getBoundingClientRect().height ?? 0;
      if (at.offsetTop - head < box.scrollTop) box.scrollTop = at.offsetTop - head;
      else if (at.offsetTop + at.offsetHeight > box.scrollTop + box.clientHeight) box.scrollTop = at.offsetTop + at.offsetHeight - box.clientHeight;
    }
  }
}

/** Why 400 ms: the smallest span drawn, so a fast turn's bars are not stretched across the whole track. */
const MIN_SPAN_MS = 400;

/**
 * The latency waterfall: one row per turn (its id and the user's words), bars from the user's end of speech
 * (or the request) to the first audio, each stage its own colour; how the reply ended in words beside it.
 * The track ends at the slowest first audio, so the stages before it are readable (the reply's playing
 * time is a figure, not a bar).
 * @param {HTMLElement} container
 * @param {TurnFigures[]} turns
 */
export function renderWaterfall(container, turns) {
  container.replaceChildren();
  if (turns.length === 0) return void container.appendChild(h('p', 'hint', 'no turn yet'));
  const lastOf = (/** @type {TurnFigures} */ t) => Math.max(0, ...MILESTONES.map(([key]) => t[key] ?? 0));
  const span = Math.max(MIN_SPAN_MS, ...turns.map(lastOf));
  const pct = (/** @type {number} */ ms) => `${Math.max(0, Math.min(100, (ms / span) * 100)).toFixed(2)}%`;
  for (const t of turns) {
    const interrupted = t.outcome === 'interrupted';
    const row = h('div', `turn-row${interrupted ? ' interrupted' : ''}${t.outcome === 'failed' ? ' failed' : ''}`);
    row.dataset['turn'] = t.turnId;
    const name = h('span', 'turn-id', t.turnId);
    name.title = FROM[t.from];
    const words = h('span', 'turn-words', t.words ? `“${t.words}”` : t.from === 'request' ? '(typed)' : '');
    const track = h('div', 'track');
    let from = 0;
    for (const [key, cls, what] of MILESTONES) {
      const at = t[key];
      if (at === undefined) continue;
      const bar = h('span', `bar ${cls.replace(/ /g, '-')}`);
      bar.style.left = pct(from);
      bar.style.width = pct(Math.max(at - from, span / 200));
      bar.title = `${what}: ${Math.round(at - from)} ms (${at} ms from ${t.from === 'request' ? 'the request' : 'the end of speech'})`;
      track.appendChild(bar);
      from = at;
    }
    /** @type {string[]} */
    const marks = [];
    if (t.firstAudioMs !== undefined) marks.push(`first audio ${t.firstAudioMs} ms`);
    else if (t.outcome === undefined) marks.push('…');
    if (t.outcome) marks.push(`${t.outcome}${t.reason ? ` (${t.reason})` : ''}${t.endMs !== undefined ? ` at ${t.endMs} ms` : ''}`);
    row.append(name, words, track, h('span', 'turn-marks', marks.join(' · ')));
    container.appendChild(row);
  }
  const legend = h('p', 'legend');
  for (const [, cls, what] of MILESTONES) {
    const item = h('span', 'legend-item');
    item.append(h('span', `swatch ${cls.replace(/ /g, '-')}`), document.createTextNode(what));
    legend.appendChild(item);
  }
  legend.appendChild(h('span', 'legend-item', `· ms from the user's end of speech (last voiced frame), scale ${span} ms`));
  container.appendChild(legend);
}

/** What a turn's figures count from, in words. */
const FROM = { voice_end: "from the user's end of speech (the last voiced frame)", speech_end: "from the VAD's end of speech", request: 'from the request (typed)' };

/**
 * The history: each entry, a cut reply marked, with what was heard and what was not.
 * @param {HTMLOListElement} list
 * @param {ShownEntry[]} entries
 */
export function renderHistory(list, entries) {
  list.replaceChildren();
  for (const e of entries) {
    const disconnected = e.badge.startsWith('disconnected');
    const item = h('li', `entry ${e.role}${e.interrupted ? ' interrupted' : ''}${e.pending ? ' pending' : ''}${disconnected ? ' disconnected' : ''}`);
    item.dataset['turn'] = e.turnId;
    item.append(h('span', 'who', `${e.role === 'user' ? 'user' : 'agent'} ${e.turnId}`), h('span', 'heard', e.text));
    if (e.unheard) item.append(document.createTextNode(' '), h('span', 'unheard', e.unheard));
    if (e.badge) item.append(h('span', 'badge', e.badge));
    list.appendChild(item);
  }
}
