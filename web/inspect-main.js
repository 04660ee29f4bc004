// @ts-check
/**
 * The live inspector, served at `/inspect` by `voice-agent serve`: the sessions running and recorded;
 * for one, the session chart (laid out on the server from the machine itself) with its active states
 * highlighted as they change and the last transition marked, the event log, a per-turn latency waterfall
 * and the history with what was heard. A recorded session is stepped through event by event (buttons,
 * ← →, or a click on the log).
 *
 * The feed is `@statelyai/inspect` messages over `/inspect/ws` (docs/inspector.md). The API key, when the
 * server wants one, is asked for and kept in memory only (sent as `Authorization` and as the
 * `openai-insecure-api-key.<key>` WebSocket subprotocol).
 *
 * Test hook: `window.voiceAgentInspector` (web/inspect-hook.d.ts).
 */
import { ChartView } from './inspect-chart.js';
import { activeIds, flatten, heardHistory, toStep, turnTimes } from './inspect-model.js';
import { EventLog, renderHistory, renderWaterfall } from './inspect-panels.js';

/** @typedef {import('./inspect-hook.js').InspectorHook} InspectorHook */
/** @typedef {import('./inspect-hook.js').Step} Step */
/** @typedef {import('./inspect-hook.js').ChartLayout} ChartLayout */
/** @typedef {import('./inspect-hook.js').StatelyMessage} StatelyMessage */

const INSPECT_SUBPROTOCOL = 'voice-agent-inspect';
const KEY_PREFIX = 'openai-insecure-api-key.';
/** Why 2 s: the list is for people picking a session; faster polling would only cost the server. */
const LIST_EVERY_MS = 2000;
/** Why 1,000: the hook's log of highlights must stay small for a page left open for hours. */
const MAX_HIGHLIGHTS = 1000;

const $ = (/** @type {string} */ selector) => /** @type {HTMLElement} */ (document.querySelector(selector));

/** @type {InspectorHook} */
const hook = { status: 'loading', message: null, mode: null, target: null, live: [], recorded: [], steps: 0, cursor: -1, active: [], highlights: [], lastTransition: [] };
window.voiceAgentInspector = hook;

/** @type {string | null} */
let apiKey = null;
/** @type {ChartView | null} */
let chart = null;
/** @type {WebSocket | null} */
let socket = null;
/** @type {Step[]} */
let steps = [];
let cursor = -1;
let renderQueued = false;
const log = new EventLog(/** @type {HTMLTableSectionElement} */ ($('#log-body')), (index) => hook.mode === 'recorded' && goTo(index));

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
}

class KeyRequired extends Error {}

/** @param {string} path */
async function api(path) {
  const response = await fetch(path, apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {});
  if (response.status === 401) throw new KeyRequired(apiKey ? 'The server refused this API key.' : 'This server needs an API key.');
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
}

async function refreshSessions() {
  /** @type {{ live: Array<{ id: string, state: string, watchers: number }>, recorded: Array<{ id: string, sessionId: string, startedWallMs: number, endedAtMs: number | null, events: number, live: boolean }>, recording: boolean }} */
  const list = await api('/inspect/api/sessions');
  hook.live = list.live.map((s) => s.id);
  hook.recorded = list.recorded.filter((r) => !r.live).map((r) => r.id);
  const live = $('#live-sessions');
  live.replaceChildren(...(list.live.length ? list.live.map((s) => item(`${s.id}`, s.state, () => open('live', s.id), hook.mode === 'live' && hook.target === s.id)) : [hint('none')]));
  const recorded = list.recorded.filter((r) => !r.live);
  $('#recorded-sessions').replaceChildren(
    ...(recorded.length
      ? recorded.map((r) => item(r.sessionId, `${new Date(r.startedWallMs).toLocaleTimeString()} · ${r.events} events`, () => open('recorded', r.id), hook.mode === 'recorded' && hook.target === r.id, r.id))
      : [hint(list.recording ? 'none' : 'not recording (serve --db FILE)')]),
  );
}

/** @param {string} text */
function hint(text) {
  const li = document.createElement('li');
  li.className = 'hint';
  li.textContent = text;
  return li;
}

/**
 * @param {string} name @param {string} detail @param {() => void} onClick @param {boolean} selected @param {string} [id]
 */
function item(name, detail, onClick, selected, id = name) {
  const li = document.createElement('li');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = `session${selected ? ' selected' : ''}`;
  button.dataset['id'] = id;
  const strong = document.createElement('strong');
  strong.textContent = name;
  const small = document.createElement('small');
  small.textContent = detail;
  button.append(strong, small);
  button.addEventListener('click', onClick);
  li.appendChild(button);
  return li;
}

/**
 * Opens the feed of a live session or a recording.
 * @param {'live' | 'recorded'} mode @param {string} target
 */
function open(mode, target) {
  socket?.close(1000, 'another session');
  steps = [];
  cursor = -1;
  hook.mode = mode;
  hook.target = target;
  hook.steps = 0;
  hook.cursor = -1;
  hook.highlights = [];
  log.reset();
  $('#target').textContent = mode === 'live' ? `live: ${target}` : `recorded: ${target}`;
  $('#stepper').hidden = mode !== 'recorded';
  // The page draws only the chart's own snapshots: `feed=chart` spares the server the children's messages.
  const url = new URL(`/inspect/ws?${mode === 'live' ? `session=${encodeURIComponent(target)}&feed=chart` : `recording=${encodeURIComponent(target)}`}`, location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(url, apiKey ? [INSPECT_SUBPROTOCOL, `${KEY_PREFIX}${apiKey}`] : [INSPECT_SUBPROTOCOL]);
  socket = ws;
  ws.onopen = () => setStatus('watching');
  ws.onmessage = (e) => {
    if (ws !== socket) return;
    const step = toStep(/** @type {StatelyMessage} */ (JSON.parse(String(e.data))));
    if (!step) return;
    steps.push(step);
    hook.steps = steps.length;
    // Live: follow the newest step; recorded: stay on the first until the user steps.
    if (mode === 'live' || cursor < 0) cursor = mode === 'live' ? steps.length - 1 : 0;
    schedule();
  };
  ws.onclose = (e) => {
    if (ws !== socket) return;
    if (mode === 'live') setStatus('ended', e.reason ? `The session ended (${e.reason}).` : 'The inspector connection closed.');
    else if (e.code !== 1000 && e.code !== 1005) setStatus('failed', e.reason || 'The recording could not be loaded.');
    void refreshSessions().catch(() => undefined);
  };
  void refreshSessions().catch(() => undefined);
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
  if (!step || !chart) return;
  chart.show(activeIds(step.value), lastTransitions(cursor));
  const shown = chart.shown();
  hook.active = shown.active;
  hook.lastTransition = shown.last;
  hook.cursor = cursor;
  const state = flatten(step.value);
  if (hook.highlights.at(-1) !== state) hook.highlights.push(state);
  if (hook.highlights.length > MAX_HIGHLIGHTS) hook.highlights.splice(0, hook.highlights.length - MAX_HIGHLIGHTS);
  $('#state').textContent = `${state}${step.status !== 'active' ? ` (${step.status})` : ''}`;
  $('#step-position').textContent = `${cursor + 1} / ${steps.length}`;
  chart.reveal($('#chart-scroll'));
  log.update(steps, cursor);
  const upTo = steps.slice(0, cursor + 1);
  const turns = turnTimes(upTo);
  renderWaterfall($('#waterfall'), turns);
  renderHistory(/** @type {HTMLOListElement} */ ($('#history')), heardHistory(step.history, turns));
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
  cursor = Math.max(0, Math.min(steps.length - 1, index));
  render();
}

$('#step-first').addEventListener('click', () => goTo(0));
$('#step-back').addEventListener('click', () => goTo(cursor - 1));
$('#step-forward').addEventListener('click', () => goTo(cursor + 1));
$('#step-last').addEventListener('click', () => goTo(steps.length - 1));
document.addEventListener('keydown', (e) => {
  if (hook.mode !== 'recorded' || e.target instanceof HTMLInputElement) return;
  if (e.key === 'ArrowLeft') goTo(cursor - 1);
  if (e.key === 'ArrowRight') goTo(cursor + 1);
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
    chart = new ChartView(/** @type {SVGSVGElement} */ (/** @type {unknown} */ ($('#chart'))), layout);
    $('#everywhere').textContent = `In every state: ${layout.everywhere.map((t) => `${t.label}${t.target ? ` → ${t.target.replace(/^session\./, '')}` : ''}`).join(' · ')}`;
    await refreshSessions();
    $('#key-form').hidden = true;
    setStatus('ready');
    const wanted = new URLSearchParams(location.search);
    const session = wanted.get('session');
    const recording = wanted.get('recording');
    if (session) open('live', session);
    else if (recording) open('recorded', recording);
    setInterval(() => void refreshSessions().catch(() => undefined), LIST_EVERY_MS);
  } catch (error) {
    if (error instanceof KeyRequired) {
      $('#key-form').hidden = false;
      setStatus('key_required', error.message);
    } else {
      setStatus('failed', `Cannot reach the voice-agent server at ${location.origin}: ${/** @type {Error} */ (error).message}`);
    }
  }
}

void start();
