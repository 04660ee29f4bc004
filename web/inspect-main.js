// @ts-check
/**
 * The live inspector, served at `/inspect` by `voice-agent serve`: the sessions running and recorded;
 * for one, the session chart (laid out on the server from the machine itself) with its active states
 * highlighted as they change and the last transition marked, the event log, a per-turn latency waterfall
 * and the history with what was heard. A recording opens on its summary and its last step, and is stepped
 * through event by event (buttons, ← → Home End, or a click on the log).
 *
 * The feed is `@statelyai/inspect` messages over `/inspect/ws` (docs/inspector.md), with the page's own
 * turn figures and recording summary. The API key, when the server wants one, is asked for and kept in
 * memory only (sent as `Authorization` and as the `openai-insecure-api-key.<key>` WebSocket subprotocol).
 *
 * Test hook: `window.voiceAgentInspector` (web/inspect-hook.d.ts).
 */
import { actionsByTurn, describeActionEvent } from './inspect-actions.js';
import { ChartView } from './inspect-chart.js';
import { activeIds, flatten, heardHistory, replyTexts, storyEnded, toStep, turnsAt } from './inspect-model.js';
import { EventLog, renderHistory, renderWaterfall } from './inspect-panels.js';
import { SessionList } from './inspect-sessions.js';

/** @typedef {import('./inspect-hook.js').InspectorHook} InspectorHook */
/** @typedef {import('./inspect-hook.js').Step} Step */
/** @typedef {import('./inspect-hook.js').ChartLayout} ChartLayout */
/** @typedef {import('./inspect-hook.js').StatelyMessage} StatelyMessage */
/** @typedef {import('./inspect-hook.js').TurnFigures} TurnFigures */

const INSPECT_SUBPROTOCOL = 'voice-agent-inspect';
const KEY_PREFIX = 'openai-insecure-api-key.';
/** Why 1,000: the hook's log of highlights must stay small for a page left open for hours. */
const MAX_HIGHLIGHTS = 1000;

const $ = (/** @type {string} */ selector) => /** @type {HTMLElement} */ (document.querySelector(selector));

/** @type {InspectorHook} */
const hook = {
  status: 'loading',
  message: null,
  mode: null,
  target: null,
  title: '',
  summary: null,
  live: [],
  recorded: [],
  steps: 0,
  cursor: -1,
  active: [],
  highlights: [],
  lastTransition: [],
  labels: [],
  legendMarked: [],
  view: null,
  turns: [],
  history: [],
  notes: 0,
  actions: [],
  estop: null,
};
window.voiceAgentInspector = hook;

/** @type {string | null} */
let apiKey = null;
/** @type {ChartView | null} */
let chart = null;
/** @type {WebSocket | null} */
let socket = null;
/** @type {Step[]} */
let steps = [];
/** @type {Map<string, TurnFigures>} */
let turns = new Map();
/** @type {import('./inspect-hook.js').BusNote[]} */
let notes = [];
let cursor = -1;
/** A recording follows its newest step until the user steps through it. */
let stepped = false;
let renderQueued = false;
const log = new EventLog(
  /** @type {HTMLTableSectionElement} */ ($('#log-body')),
  (index) => hook.mode === 'recorded' && goTo(index),
);

/** @param {InspectorHook['status']} status @param {string | null} [message] */
function setStatus(status, message = null) {
  hook.status = status;
  hook.message = message;
  const badge = $('#status');
  badge.textContent = status.replace('_', ' ');
  badge.dataset['status'] = status;
  const box = $('#message');
  box.hidden = message === null;
  box.textContent = message ?? '';
  box.dataset['status'] = status;
}

class KeyRequired extends Error {}

/** @param {string} path */
async function api(path) {
  const response = await fetch(path, apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {});
  if (response.status === 401)
    throw new KeyRequired(apiKey ? 'The server refused this API key.' : 'This server needs an API key.');
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

const sessions = new SessionList({
  api,
  hook,
  open: (mode, target) => open(mode, target),
  onUnreachable: (retryInS) => {
    // A watched live session's socket says so itself; the list only speaks when nothing else does.
    if (hook.status !== 'watching')
      setStatus(
        'unreachable',
        `The voice-agent server at ${location.origin} does not answer: is it running? Trying again in ${retryInS} ` +
          `s.`,
      );
  },
  onReachable: () => {
    if (hook.status === 'unreachable') setStatus(hook.mode ? 'ended' : 'ready');
  },
});

/**
 * Opens the feed of a live session or a recording.
 * @param {'live' | 'recorded'} mode @param {string} target
 */
function open(mode, target) {
  socket?.close(1000, 'another session');
  steps = [];
  turns = new Map();
  notes = [];
  cursor = -1;
  stepped = false;
  Object.assign(hook, {
    mode,
    target,
    steps: 0,
    cursor: -1,
    highlights: [],
    summary: null,
    turns: [],
    history: [],
    notes: 0,
    actions: [],
    estop: null,
  });
  log.reset();
  setTitle(mode === 'live' ? `live · ${target}` : `recorded · ${target}`);
  $('#summary').hidden = true;
  $('#stepper').hidden = mode !== 'recorded';
  // The page's own feed: the chart's snapshots (not the children's), with turn figures and a recording's summary.
  const url = new URL(
    `/inspect/ws?${mode === 'live' ? 'session' : 'recording'}=${encodeURIComponent(target)}&feed=chart`,
    location.href,
  );
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url, apiKey ? [INSPECT_SUBPROTOCOL, `${KEY_PREFIX}${apiKey}`] : [INSPECT_SUBPROTOCOL]);
  socket = ws;
  ws.onopen = () => setStatus('watching');
  ws.onmessage = (e) => ws === socket && receive(/** @type {StatelyMessage} */ (JSON.parse(String(e.data))));
  ws.onclose = (e) => {
    if (ws !== socket) return;
    // Live, the history then tells a reply still waiting for what was heard as cut by the end.
    if (mode === 'live') {
      closedLive(target, e.code, e.reason);
      schedule();
    } else if (e.code === 4404) setStatus('failed', `No recording “${target}” on this server: pick one from the list.`);
    else if (e.code !== 1000 && e.code !== 1005) setStatus('failed', e.reason || 'The recording could not be loaded.');
    else if (hook.status === 'watching') setStatus('ended');
    void sessions.refresh();
  };
  void sessions.refresh();
}

/** @param {string} text */
function setTitle(text) {
  hook.title = text;
  $('#target').textContent = text;
}

/** @param {string} target @param {number} code @param {string} reason */
function closedLive(target, code, reason) {
  if (code === 4404)
    return setStatus(
      'failed',
      `No live session “${target}” on this server: it may have ended (its recording is under Recorded) or run on ` +
        `another server.`,
    );
  if (code === 1001) return setStatus('ended', 'The server is shutting down: the session ended with it.');
  if (code === 1000 && reason.startsWith('session ended'))
    return setStatus('ended', `The session ended (${reason.replace(/^session ended:\s*/, '')}).`);
  setStatus(
    'ended',
    `The connection to the inspector closed${reason ? ` (${reason})` : ''}: the server may have stopped.`,
  );
}

/** @param {StatelyMessage} message */
function receive(message) {
  if (message.type === '@voice-agent.turn' && message.turn) {
    turns.set(message.turn.turnId, message.turn);
  } else if (message.type === '@voice-agent.bus' && message.message) {
    // An action's lifecycle or a notice: shown after the step it came with.
    notes.push({ afterStep: steps.length - 1, atMs: Number(message.createdAt), message: message.message });
    hook.notes = notes.length;
  } else if (message.type === '@voice-agent.recording' && message.recording) {
    hook.summary = message.recording;
    setTitle(`recorded · ${message.recording.sessionId}`);
    showSummary(message.recording);
  } else {
    const step = toStep(message);
    if (!step) return;
    steps.push(step);
    hook.steps = steps.length;
    // Live, and a recording until the user steps: the newest step.
    if (hook.mode === 'live' || !stepped) cursor = steps.length - 1;
  }
  schedule();
}

/** @param {import('./inspect-hook.js').RecordingSummary} r */
function showSummary(r) {
  const box = $('#summary');
  const seconds =
    r.endedAtMs === null ? 'never saw its end (the server stopped)' : `${(r.endedAtMs / 1000).toFixed(1)} s`;
  const parts = [
    `session ${r.sessionId}`,
    new Date(r.startedWallMs).toLocaleString(),
    r.endReason ? `ended: ${r.endReason} after ${seconds}` : seconds,
    `${r.turns} turn${r.turns === 1 ? '' : 's'}, ${r.events} events`,
    r.firstUtterance ? `first said: “${r.firstUtterance}”` : 'nothing said',
  ];
  if (r.transitions === 'inferred') parts.push('recorded by another chart: some transitions inferred');
  box.replaceChildren(...parts.map((text) => Object.assign(document.createElement('span'), { textContent: text })));
  box.hidden = false;
}

/**
 * Renders once per frame at most: a busy session sends many messages between two paints. A hidden tab
 * gets no frames, so it renders on a timer (50 ms: its hook and DOM stay current for whoever reads them).
 */
function schedule() {
  if (renderQueued) return;
  renderQueued = true;
  const run = () => {
    renderQueued = false;
    render();
  };
  if (document.hidden) setTimeout(run, 50);
  else requestAnimationFrame(run);
}

function render() {
  const step = steps[cursor];
  const live = hook.mode === 'live';
  const shownTurns = live ? [...turns.values()] : turnsAt([...turns.values()], step?.atMs ?? Infinity);
  hook.turns = shownTurns;
  const shownNotes = live ? notes : notes.filter((n) => n.afterStep <= cursor);
  const actions = actionsByTurn(step?.history ?? [], shownNotes);
  hook.actions = [...actions.values()].flat();
  renderWaterfall($('#waterfall'), shownTurns, actions);
  showEstop(shownNotes);
  if (!step || !chart) return;
  chart.show(activeIds(step.value), lastTransitions(cursor));
  const shown = chart.shown();
  Object.assign(hook, {
    active: shown.active,
    lastTransition: shown.last,
    labels: shown.labels,
    legendMarked: shown.legend,
    view: chart.camera.state(),
    cursor,
  });
  const state = flatten(step.value);
  if (hook.highlights.at(-1) !== state) hook.highlights.push(state);
  if (hook.highlights.length > MAX_HIGHLIGHTS) hook.highlights.splice(0, hook.highlights.length - MAX_HIGHLIGHTS);
  $('#state').textContent = `${state}${step.status !== 'active' ? ` (${step.status})` : ''}`;
  $('#step-position').textContent = `${cursor + 1} / ${steps.length}`;
  log.update(steps, cursor, notes);
  const upTo = steps.slice(0, cursor + 1);
  const ended = storyEnded({ live, chartStatus: step.status, feedClosed: hook.status === 'ended' });
  hook.history = heardHistory(step.history, { texts: replyTexts(upTo), turns: shownTurns, ended });
  renderHistory(/** @type {HTMLOListElement} */ ($('#history')), hook.history);
}

/**
 * The emergency stop stands out: a banner over the chart from the moment it happened (the chart's
 * `control.estop`, or the `estop` notice), with its source and when.
 * @param {import('./inspect-hook.js').BusNote[]} shownNotes
 */
function showEstop(shownNotes) {
  const origin = steps[0]?.atMs ?? 0;
  let at = -1;
  for (let i = Math.min(cursor, steps.length - 1); i >= 0 && at < 0; i--)
    if (steps[i]?.event.type === 'control.estop') at = i;
  const step = steps[at];
  const notice = [...shownNotes]
    .reverse()
    .find((n) => n.message.type === 'session.notice' && n.message['code'] === 'estop');
  const what = step
    ? (describeActionEvent(step.event)?.text ?? 'EMERGENCY STOP')
    : notice
      ? `EMERGENCY STOP: ${String(notice.message['detail'])}`
      : null;
  const atMs = step?.atMs ?? notice?.atMs ?? origin;
  hook.estop = what && `⚠ ${what} at ${Math.round(atMs - origin)} ms — the reply and every action cancelled`;
  const banner = $('#estop');
  banner.hidden = hook.estop === null;
  banner.textContent = hook.estop ?? '';
}

/**
 * The transitions to mark at a step: its own that change state, or else those of the latest step before
 * it that changed state (a partial transcript or a late playback report changes nothing and must not
 * wipe the mark).
 * @param {number} index
 */
function lastTransitions(index) {
  for (let i = index; i >= 0; i--) {
    const moved = steps[i]?.transitions.filter((t) => t.targets.length > 0) ?? [];
    if (moved.length > 0) return moved;
  }
  return [];
}

/** @param {number} index */
function goTo(index) {
  if (steps.length === 0) return;
  stepped = true;
  cursor = Math.max(0, Math.min(steps.length - 1, index));
  render();
}

$('#step-first').addEventListener('click', () => goTo(0));
$('#step-back').addEventListener('click', () => goTo(cursor - 1));
$('#step-forward').addEventListener('click', () => goTo(cursor + 1));
$('#step-last').addEventListener('click', () => goTo(steps.length - 1));
$('#zoom-fit').addEventListener('click', () => chart?.camera.fitAll());
$('#zoom-in').addEventListener('click', () => chart?.camera.zoom(1.25));
$('#zoom-out').addEventListener('click', () => chart?.camera.zoom(0.8));
document.addEventListener('keydown', (e) => {
  if (hook.mode !== 'recorded' || e.target instanceof HTMLInputElement) return;
  const to = { ArrowLeft: cursor - 1, ArrowRight: cursor + 1, Home: 0, End: steps.length - 1 }[e.key];
  if (to === undefined) return;
  e.preventDefault();
  goTo(to);
});

$('#key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  apiKey = /** @type {HTMLInputElement} */ ($('#api-key')).value.trim() || null;
  void start();
});

async function start() {
  try {
    /** @type {ChartLayout} */
    const layout = await api('/inspect/api/chart');
    chart = new ChartView(
      /** @type {SVGSVGElement} */ (/** @type {unknown} */ ($('#chart'))),
      $('#chart-scroll'),
      $('#legend'),
      layout,
    );
    await sessions.refresh(true);
    $('#key-form').hidden = true;
    setStatus('ready');
    const wanted = new URLSearchParams(location.search);
    const session = wanted.get('session');
    const recording = wanted.get('recording');
    if (session) open('live', session);
    else if (recording) open('recorded', recording);
    sessions.poll();
  } catch (error) {
    if (error instanceof KeyRequired) {
      $('#key-form').hidden = false;
      setStatus('key_required', error.message);
    } else {
      setStatus(
        'failed',
        `Cannot reach the voice-agent server at ${location.origin}: ${/** @type {Error} */ (error).message}. ` +
          `Start it (voice-agent serve) and reload.`,
      );
    }
  }
}

void start();
