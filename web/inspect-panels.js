// @ts-check
/**
 * The inspector's panels beside the chart: the event log (time, type, turn, the transition it caused),
 * the per-turn latency waterfall (speech end → transcript → first token → first clause → first audio →
 * end; interrupted turns marked) and the history with what was heard and what was not.
 */
import { describeTransition, eventLabel } from './inspect-model.js';

/** @typedef {import('./inspect-hook.js').Step} Step */
/** @typedef {import('./inspect-hook.js').TurnTimes} TurnTimes */
/** @typedef {import('./inspect-hook.js').HistoryEntry} HistoryEntry */

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
    const at = this.body.querySelector(`tr[data-index="${cursor}"]`);
    at?.classList.add('cursor');
    at?.scrollIntoView({ block: 'nearest' });
  }
}

const SEGMENTS = /** @type {const} */ ([
  ['speechEndAtMs', 'transcriptAtMs', 'stt', 'speech end → transcript'],
  ['transcriptAtMs', 'firstTokenAtMs', 'llm', 'transcript → first token'],
  ['firstTokenAtMs', 'firstClauseAtMs', 'clause', 'first token → first clause'],
  ['firstClauseAtMs', 'firstAudioAtMs', 'tts', 'first clause → first audio'],
  ['firstAudioAtMs', 'endedAtMs', 'play', 'first audio → end'],
]);

/**
 * The latency waterfall: one row per turn, bars from the turn's origin (speech end or request).
 * @param {HTMLElement} container
 * @param {TurnTimes[]} turns
 */
export function renderWaterfall(container, turns) {
  container.replaceChildren();
  if (turns.length === 0) return void container.appendChild(h('p', 'hint', 'no turn yet'));
  const span = Math.max(1000, ...turns.map((t) => (t.endedAtMs ?? t.firstAudioAtMs ?? t.firstTokenAtMs ?? t.originAtMs) - t.originAtMs));
  const pct = (/** @type {number} */ ms) => `${Math.max(0, Math.min(100, (ms / span) * 100)).toFixed(2)}%`;
  for (const t of turns) {
    const row = h('div', `turn-row${t.outcome === 'interrupted' ? ' interrupted' : ''}`);
    row.dataset['turn'] = t.turnId;
    const name = h('span', 'turn-id', t.turnId);
    const track = h('div', 'track');
    /** @type {string[]} */
    const marks = [];
    for (const [from, to, cls, what] of SEGMENTS) {
      const a = from === 'speechEndAtMs' ? (t.speechEndAtMs ?? t.originAtMs) : t[from];
      const b = t[to];
      if (a === undefined || b === undefined) continue;
      const bar = h('span', `bar ${cls}`);
      bar.style.left = pct(a - t.originAtMs);
      bar.style.width = pct(Math.max(b - a, span / 400));
      bar.title = `${what}: ${Math.round(b - a)} ms`;
      track.appendChild(bar);
    }
    if (t.firstAudioAtMs !== undefined) marks.push(`first audio ${Math.round(t.firstAudioAtMs - t.originAtMs)} ms`);
    if (t.endedAtMs !== undefined) marks.push(`${t.outcome === 'interrupted' ? 'interrupted' : 'end'} ${Math.round(t.endedAtMs - t.originAtMs)} ms`);
    row.append(name, track, h('span', 'turn-marks', marks.join(' · ')));
    container.appendChild(row);
  }
  const legend = h('p', 'legend');
  for (const [, , cls, what] of SEGMENTS) {
    const item = h('span', 'legend-item');
    item.append(h('span', `swatch ${cls}`), document.createTextNode(what));
    legend.appendChild(item);
  }
  container.appendChild(legend);
}

/**
 * The history: each entry, an interrupted reply marked, with what was heard and what was not.
 * @param {HTMLOListElement} list
 * @param {Array<HistoryEntry & { unheard: string }>} entries
 */
export function renderHistory(list, entries) {
  list.replaceChildren();
  for (const e of entries) {
    const item = h('li', `entry ${e.role}${e.interrupted ? ' interrupted' : ''}${e.pending ? ' pending' : ''}`);
    item.dataset['turn'] = e.turnId;
    item.append(h('span', 'who', `${e.role === 'user' ? 'user' : 'agent'} ${e.turnId}`), h('span', 'heard', e.text));
    if (e.unheard) item.append(document.createTextNode(' '), h('span', 'unheard', e.unheard));
    if (e.interrupted) item.append(h('span', 'badge', e.pending ? 'interrupted — waiting for what was heard' : 'interrupted: heard / not heard'));
    list.appendChild(item);
  }
}
