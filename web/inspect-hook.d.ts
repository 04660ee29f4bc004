/**
 * Types of the inspector page (`/inspect`, web/inspect*.js) and its test hook `window.voiceAgentInspector`:
 * what the page shows, kept as plain data for the browser test (`test/web/inspector.test.ts`). A test
 * hook, not an application API: it changes with the page.
 */

/** One `@statelyai/inspect` message as the server sends it (server/inspect/stately-events.ts). */
export interface StatelyMessage {
  type: '@xstate.actor' | '@xstate.event' | '@xstate.snapshot';
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
  role: 'user' | 'assistant';
  turnId: string;
  text: string;
  interrupted: boolean;
  pending: boolean;
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

/** One turn's latency waterfall, ms since the turn's origin (speech end, or the typed request). */
export interface TurnTimes {
  turnId: string;
  originAtMs: number;
  speechEndAtMs?: number;
  transcriptAtMs?: number;
  firstTokenAtMs?: number;
  firstClauseAtMs?: number;
  firstAudioAtMs?: number;
  endedAtMs?: number;
  outcome?: 'finished' | 'interrupted';
  clauses: string[];
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

export interface LaidOutEdge {
  id: string;
  source: string;
  target: string;
  label: string;
  eventType: string;
  points: Array<{ x: number; y: number }>;
}

export interface ChartLayout {
  width: number;
  height: number;
  nodes: LaidOutNode[];
  edges: LaidOutEdge[];
  everywhere: Array<{ label: string; target: string | undefined }>;
}

export interface InspectorHook {
  status: 'loading' | 'key_required' | 'ready' | 'watching' | 'ended' | 'failed';
  message: string | null;
  mode: 'live' | 'recorded' | null;
  /** The watched live session or the recording id. */
  target: string | null;
  live: string[];
  recorded: string[];
  /** Chart events received (root snapshots). */
  steps: number;
  /** The step shown (the last one when live). */
  cursor: number;
  /** Ids of the chart's states highlighted in the SVG (read back from the DOM). */
  active: string[];
  /** Every highlight the chart showed, in order: the flattened state (`speaking.reply.playing+user.silent`). */
  highlights: string[];
  /** Edge ids marked as the last transition (read back from the DOM). */
  lastTransition: string[];
}
