/**
 * Types of the inspector page (`/inspect`, web/inspect*.js) and its test hook `window.voiceAgentInspector`:
 * what the page shows, kept as plain data for the browser test (`test/web/inspector.test.ts`). A test
 * hook, not an application API: it changes with the page.
 */

/**
 * One message as the server sends it: `@statelyai/inspect`'s (server/inspect/stately-events.ts), or on the
 * page's feed its own `@voice-agent.turn`, `@voice-agent.recording` and `@voice-agent.bus`
 * (server/inspect/feed-extensions.ts).
 */
export interface StatelyMessage {
  type:
    | '@xstate.actor'
    | '@xstate.event'
    | '@xstate.snapshot'
    | '@voice-agent.turn'
    | '@voice-agent.recording'
    | '@voice-agent.bus';
  rootId: string | undefined;
  sessionId: string;
  createdAt: string;
  id: string;
  _version: string;
  name?: string;
  parentId?: string;
  event?: ChartEvent;
  snapshot?: { status: string; value?: StateValue; context?: { history?: HistoryEntry[] } };
  transitions?: TakenTransition[];
  turn?: TurnFigures;
  recording?: RecordingSummary;
  /** Of `@voice-agent.bus`: an action's lifecycle message or a session notice, as published. */
  message?: BusNote['message'];
}

/** A `@voice-agent.bus` message as the page keeps it: after which step it came (-1: before any). */
export interface BusNote {
  afterStep: number;
  /** Unix ms. */
  atMs: number;
  message: { type: string; turnId: string; [key: string]: unknown };
}

/** One action as the latency rows and the hook show it: the turn that asked, where it got to. */
export interface TurnAction {
  actionId: string;
  turnId: string;
  name: string;
  status: string;
  /** Feedback messages received, and the last one in brief. */
  feedback: number;
  lastFeedback: string;
  /** The result, error or reason in brief. */
  outcome: string;
}

/** An action entry's record (bus/messages.ts `ActionRecord`). */
export interface ActionRecord {
  actionId: string;
  callId: string;
  name: string;
  arguments: Record<string, unknown>;
  status: 'requested' | 'confirming' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'rejected' | 'refused';
  outcome?: string;
}

export type StateValue = string | { [key: string]: StateValue };

export interface ChartEvent {
  type: string;
  turnId?: string;
  text?: string;
  index?: number;
  kind?: string;
  [key: string]: unknown;
}

export interface TakenTransition {
  key: string;
  source: string;
  targets: string[];
  eventType: string;
}

export interface HistoryEntry {
  role: 'user' | 'assistant' | 'action';
  turnId: string;
  text: string;
  interrupted: boolean;
  pending: boolean;
  action?: ActionRecord;
}

/** One event the chart processed: a root `@xstate.snapshot`. */
export interface Step {
  /** Unix ms. */
  atMs: number;
  event: ChartEvent;
  value: StateValue;
  status: string;
  transitions: TakenTransition[];
  history: HistoryEntry[];
}

/**
 * One turn's latency, the server's figures (`runtime/turn-latency.ts`, sent as `@voice-agent.turn`): ms from
 * the user's end of speech (the last voiced frame; `from`) to each stage. The page and `/metrics` show the same.
 */
export interface TurnFigures {
  id: string;
  turnId: string;
  words?: string;
  heard?: string;
  from: 'voice_end' | 'speech_end' | 'request';
  originAtMs: number;
  /** The origin in Unix ms, on the clock of the snapshots' `createdAt`. */
  originWallMs: number;
  endOfTurnMs?: number;
  transcriptMs?: number;
  firstTokenMs?: number;
  firstClauseMs?: number;
  firstAudioMs?: number;
  endMs?: number;
  outcome?: 'finished' | 'interrupted' | 'failed';
  reason?: string;
}

/** A recording's summary (`@voice-agent.recording`). */
export interface RecordingSummary {
  id: string;
  sessionId: string;
  startedWallMs: number;
  endedAtMs: number | null;
  endReason: string | null;
  events: number;
  turns: number;
  firstUtterance: string | null;
  transitions: 'exact' | 'inferred';
}

/** A history entry as the page shows it. */
export interface ShownEntry extends HistoryEntry {
  /** Of a cut reply: the words never heard. */
  unheard: string;
  /** What happened to it, in words (`interrupted: heard / not heard`, `disconnected: …`); empty for the others. */
  badge: string;
}

export interface LaidOutNode {
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  parent: string | undefined;
  initial: string | undefined;
  x: number;
  y: number;
  width: number;
  height: number;
  depth: number;
}

export interface DrawnEvent {
  label: string;
  guards: string[];
}

/** A drawn transition: every transition with this source and target (server/inspect/chart-drawn.ts). */
export interface LaidOutEdge {
  /** `<source id>><target id>`. */
  id: string;
  source: string;
  target: string;
  label: string;
  events: DrawnEvent[];
  /** The transitions it stands for, as the feed reports them taken (`<source>|<event>|<index>><target>`). */
  members: string[];
  points: Array<{ x: number; y: number }>;
}

/** A transition every state has, listed once instead of drawn from each. */
export interface LegendEntry {
  label: string;
  target: string | undefined;
  /** `every state`, `every dialog state`, `every actions state`. */
  from: string;
  members: string[];
}

export interface ChartLayout {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
  legend: LegendEntry[];
}

export interface InspectorHook {
  status: 'loading' | 'key_required' | 'ready' | 'watching' | 'ended' | 'failed' | 'unreachable';
  message: string | null;
  mode: 'live' | 'recorded' | null;
  /** The watched live session or the recording id. */
  target: string | null;
  /** The panel's title: `live · <session id>`, `recorded · <session id>`. */
  title: string;
  /** Of a recording: its summary. */
  summary: RecordingSummary | null;
  live: string[];
  recorded: string[];
  /** Chart events received (root snapshots). */
  steps: number;
  /** The step shown (the last one when live; a recording opens on its last). */
  cursor: number;
  /** Ids of the chart's states highlighted in the SVG (read back from the DOM). */
  active: string[];
  /** Every highlight the chart showed, in order: the flattened state (`speaking.reply.playing+user.silent`). */
  highlights: string[];
  /** Drawn edge ids marked as the last transition (read back from the DOM). */
  lastTransition: string[];
  /** Labels written on the chart: the last transition's and those leaving the active states. */
  labels: Array<{ edge: string; text: string; last: boolean }>;
  /** Legend entries marked as the last transition (one every state has: `control.end → ended`). */
  legendMarked: string[];
  /** The chart's view: zoom, and the part of the chart in view (chart coordinates). */
  view: {
    mode: 'fit' | 'follow';
    scale: number;
    fitScale: number;
    view: { x: number; y: number; width: number; height: number };
  } | null;
  /** The turns' figures shown in the waterfall (as they stood at the cursor). */
  turns: TurnFigures[];
  /** The history as shown. */
  history: ShownEntry[];
  /** `@voice-agent.bus` messages received (action lifecycle, notices). */
  notes: number;
  /** The actions as they stood at the cursor, by the turn that asked. */
  actions: TurnAction[];
  /** The emergency-stop banner's text when an e-stop happened by the cursor, else null. */
  estop: string | null;
}
