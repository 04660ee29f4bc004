// @ts-check
/**
 * The inspector's panels beside the chart: the event log (time, type, turn, the transition it caused),
 * the per-turn latency waterfall (the user's end of speech → end of turn → transcript → first token →
 * first clause → first audio; how the reply ended) and the history with what was heard and what was not.
 */
import { brief, describeActionEvent, describeBus, STATUS_ICON } from './inspect-actions.js';
import { describeTransition, eventLabel, MILESTONES } from './inspect-model.js';

/** @typedef {import('./inspect-hook.js').Step} Step */
/** @typedef {import('./inspect-hook.js').TurnFigures} TurnFigures */
/** @typedef {import('./inspect-hook.js').ShownEntry} ShownEntry */
/** @typedef {import('./inspect-hook.js').BusNote} BusNote */
/** @typedef {import('./inspect-hook.js').TurnAction} TurnAction */

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

/** Bus messages the chart takes as events (their steps are the rows). */
const CHART_EVENTS = new Set(['action.accepted', 'action.rejected', 'action.result', 'action.failed']);

/**
 * The event log: one row per step, and after it the action messages and notices that came with it
 * (`@voice-agent.bus`: requests, feedback, cancels, the emergency stop); the row at the cursor is marked.
 * Action rows are marked `action`, the emergency stop `estop`. Clicking a row calls `onPick`.
 */
export class EventLog {
  /**
   * @param {HTMLTableSectionElement} body
   * @param {(index: number) => void} onPick
   */
  constructor(body, onPick) {
    this.body = body;
    this.rendered = 0;
    this.notesRendered = 0;
    /** @type {number} */
    this.originAtMs = 0;
    body.addEventListener('click', (e) => {
      const row = /** @type {HTMLElement} */ (e.target).closest('tr');
      if (row?.dataset['index']) onPick(Number(row.dataset['index']));
    });
  }

  /**
   * A note's row: its time, its type, its turn and what it says (`⚙ requested turn(direction: left) · a1`);
   * it picks the step it came after. Null for a notice not about actions.
   * @param {BusNote} note
   */
  noteRow(note) {
    // The executor's answers are the chart's events too: rows of their own, with their transitions.
    if (CHART_EVENTS.has(note.message.type)) return null;
    const said = describeBus(note.message);
    if (!said) return null;
    const row = h('tr', `note ${said.kind}`);
    if (note.afterStep >= 0) row.dataset['index'] = String(note.afterStep);
    row.title = JSON.stringify(note.message);
    row.append(
      h('td', 'num', `${Math.round(note.atMs - this.originAtMs)}`),
      h(
        'td',
        'type',
        note.message.type === 'session.notice' ? `notice ${String(note.message['code'])}` : note.message.type,
      ),
      h('td', 'turn', note.message.turnId !== '-' ? note.message.turnId : ''),
      h('td', 'caused', `${said.icon} ${said.text}`),
    );
    return row;
  }

  reset() {
    this.body.replaceChildren();
    this.rendered = 0;
    this.notesRendered = 0;
  }

  /**
   * Appends the steps and notes not shown yet (each note after the step it came with) and marks the cursor's row.
   * @param {Step[]} steps
   * @param {number} cursor
   * @param {BusNote[]} [notes]
   */
  update(steps, cursor, notes = []) {
    if (steps.length > 0 && this.rendered === 0) this.originAtMs = steps[0]?.atMs ?? 0;
    /** @param {number} upTo */
    const notesUpTo = (upTo) => {
      for (let note = notes[this.notesRendered]; note && note.afterStep <= upTo; note = notes[++this.notesRendered]) {
        const row = this.noteRow(note);
        if (row) this.body.appendChild(row);
      }
    };
    notesUpTo(this.rendered - 1);
    for (let i = this.rendered; i < steps.length; i++) {
      const step = /** @type {Step} */ (steps[i]);
      const row = h('tr');
      row.dataset['index'] = String(i);
      const action = describeActionEvent(step.event);
      const type = h('td', 'type', eventLabel(step.event.type));
      if (action) {
        type.append(h('span', 'note-text', ` ${action.icon} ${action.text}`));
        row.classList.add(action.kind);
      }
      row.append(
        h('td', 'num', `${Math.round(step.atMs - this.originAtMs)}`),
        type,
        h('td', 'turn', step.event.turnId && step.event.turnId !== '-' ? step.event.turnId : ''),
        h('td', 'caused', step.transitions.map(describeTransition).join('; ') || '—'),
      );
      if (step.transitions.length === 0) row.classList.add('quiet');
      this.body.appendChild(row);
      notesUpTo(i);
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
      else if (at.offsetTop + at.offsetHeight > box.scrollTop + box.clientHeight)
        box.scrollTop = at.offsetTop + at.offsetHeight - box.clientHeight;
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
 * A turn's actions are chips at the end of its row (`⚙ turn requested`, `▶ running · 2 feedback`, `✓ succeeded`).
 * @param {HTMLElement} container
 * @param {TurnFigures[]} turns
 * @param {Map<string, TurnAction[]>} [actions] by the turn that asked
 */
export function renderWaterfall(container, turns, actions = new Map()) {
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
      bar.title =
        `${what}: ${Math.round(at - from)} ms (${at} ms from ` +
        `${t.from === 'request' ? 'the request' : 'the end of speech'})`;
      track.appendChild(bar);
      from = at;
    }
    /** @type {string[]} */
    const marks = [];
    if (t.firstAudioMs !== undefined) marks.push(`first audio ${t.firstAudioMs} ms`);
    else if (t.outcome === undefined) marks.push('…');
    if (t.outcome)
      marks.push(`${t.outcome}${t.reason ? ` (${t.reason})` : ''}${t.endMs !== undefined ? ` at ${t.endMs} ms` : ''}`);
    row.append(name, words, track, h('span', 'turn-marks', marks.join(' · ')));
    const asked = actions.get(t.turnId);
    if (asked) {
      row.append(actionChips(asked));
      row.classList.add('with-actions');
    }
    container.appendChild(row);
  }
  const legend = h('p', 'legend');
  for (const [, cls, what] of MILESTONES) {
    const item = h('span', 'legend-item');
    item.append(h('span', `swatch ${cls.replace(/ /g, '-')}`), document.createTextNode(what));
    legend.appendChild(item);
  }
  legend.appendChild(
    h('span', 'legend-item', `· ms from the user's end of speech (last voiced frame), scale ${span} ms`),
  );
  container.appendChild(legend);
}

/** What a turn's figures count from, in words. */
const FROM = {
  voice_end: "from the user's end of speech (the last voiced frame)",
  speech_end: "from the VAD's end of speech",
  request: 'from the request (typed)',
};

/**
 * The history: each entry, a cut reply marked, with what was heard and what was not.
 * @param {HTMLOListElement} list
 * @param {ShownEntry[]} entries
 */
export function renderHistory(list, entries) {
  list.replaceChildren();
  for (const e of entries) {
    const disconnected = e.badge.startsWith('disconnected');
    const item = h(
      'li',
      `entry ${e.role}${e.interrupted ? ' interrupted' : ''}` +
        `${e.pending ? ' pending' : ''}${disconnected ? ' disconnected' : ''}`,
    );
    item.dataset['turn'] = e.turnId;
    if (e.role === 'action' && e.action) {
      // An action: the call, and where it got to (the LLM is told the same).
      const a = e.action;
      item.classList.add(`status-${a.status}`);
      item.dataset['action'] = a.actionId;
      item.append(h('span', 'who', `action ${e.turnId}`), h('span', 'call', `${a.name}(${brief(a.arguments)})`));
      item.append(
        h('span', 'badge', `${STATUS_ICON[a.status] ?? ''} ${a.status}${a.outcome ? `: ${brief(a.outcome)}` : ''}`),
      );
      list.appendChild(item);
      continue;
    }
    item.append(h('span', 'who', `${e.role === 'user' ? 'user' : 'agent'} ${e.turnId}`), h('span', 'heard', e.text));
    if (e.unheard) item.append(document.createTextNode(' '), h('span', 'unheard', e.unheard));
    if (e.badge) item.append(h('span', 'badge', e.badge));
    list.appendChild(item);
  }
}

/**
 * The chips of a turn's actions, for its latency row: `⚙ turn a1 ▶ running · 2 feedback`.
 * @param {TurnAction[]} actions
 * @returns {HTMLElement}
 */
function actionChips(actions) {
  const box = document.createElement('span');
  box.className = 'turn-actions';
  for (const a of actions) {
    const chip = document.createElement('span');
    chip.className = `action-chip status-${a.status}`;
    chip.dataset['action'] = a.actionId;
    const fb = a.feedback ? ` · ${a.feedback} feedback` : '';
    chip.textContent = `${STATUS_ICON[a.status] ?? '⚙'} ${a.name} ${a.status}${fb}`;
    chip.title =
      `${a.actionId}: ` +
      `${a.status}${a.outcome ? ` (${a.outcome})` : ''}${a.lastFeedback ? `; last feedback ${a.lastFeedback}` : ''}`;
    box.appendChild(chip);
  }
  return box;
}
