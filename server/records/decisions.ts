/**
 * What the agent decided in a recording, turn by turn, read from its event log, what the chart emitted
 * and its turns: the transcript, the commands it refused or did not understand, the emergency stops,
 * each action with its arguments and how it ended, the replies cut and why, how each turn ended and what
 * the user heard. `voice-agent check` compares these between a recording and its re-run. Timing is not a
 * decision: when a turn ended early, a filler, a slow LLM or a no-input prompt are left out here, and
 * reported as figures instead; nor is which of the session's ears heard a spoken stop first.
 *
 * @example
 * ```ts
 * const differences = compareDecisions(decisionsOf(recorded), decisionsOf(rerun));
 * console.log(formatDifferences(differences)); // 'turn u1  heard  was "Turning left."  is now "Rotating left now."'
 * ```
 */
import type { TurnTimeline } from '../../bus/messages.js';
import type { RecordedEmitted, RecordedEvent } from './read.js';

/** What a decision is about; a turn has at most one of each (several values are joined in order). */
export const DECISION_KINDS = [
  'transcript',
  'not understood',
  'dropped',
  'refused',
  'estop',
  'action',
  'reply cancelled',
  'outcome',
  'heard',
] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

export interface Decision {
  /** The turn (`u1`), or `-` for the session. */
  turnId: string;
  kind: DecisionKind;
  value: string;
}

export interface DecisionDifference {
  turnId: string;
  kind: DecisionKind;
  /** `(none)` when the recording had no such decision. */
  was: string;
  isNow: string;
}

export interface DecisionSource {
  events: readonly RecordedEvent[];
  emitted: readonly RecordedEmitted[];
  turns: readonly TurnTimeline[];
}

const NOTICE_DECISIONS: Partial<Record<string, DecisionKind>> = {
  not_understood: 'not understood',
  utterance_dropped: 'dropped',
  action_refused: 'refused',
  estop: 'estop',
  reply_cancelled: 'reply cancelled',
};
const ACTION_ENDS: Record<string, string> = {
  'action.accepted': 'accepted',
  'action.rejected': 'rejected',
  'action.result': 'result',
  'action.failed': 'failed',
  'action.cancelled': 'cancelled',
};

/**
 * Who stopped the robot. A spoken stop is `voice`, whichever of the session's ears (the microphone's
 * spotter, a transcript) heard it first: a race between two detectors of the same words, decided by
 * timing, which is not a decision here. A client's stop is its own.
 */
const estopBy = (source: string) => (source === 'spotter' || source === 'phrase' ? 'voice' : source);
const quote = (text: string | undefined) => (text === undefined ? '(none)' : JSON.stringify(text));
const str = (value: unknown) => (typeof value === 'string' ? value : '');

/** Each action: `a1 turn {"direction":"left"}: accepted, result` (a cancel with its reason). */
function actionDecisions(source: DecisionSource): Decision[] {
  const actions = new Map<string, { turnId: string; what: string; steps: string[] }>();
  for (const e of source.emitted) {
    if (e.kind !== 'publish') continue;
    const m: Record<string, unknown> = e.message;
    const actionId = str(m.actionId);
    if (m.type === 'action.request')
      actions.set(actionId, {
        turnId: str(m.turnId),
        what: `${actionId} ${str(m.name)} ${JSON.stringify(m.arguments)}`,
        steps: [],
      });
    else if (m.type === 'action.cancel') actions.get(actionId)?.steps.push(`cancel (${str(m.reason)})`);
  }
  for (const e of source.events) {
    const step = ACTION_ENDS[e.type];
    if (step) actions.get(str(e.event.actionId))?.steps.push(step);
  }
  return [...actions.values()].map((a) => ({
    turnId: a.turnId,
    kind: 'action' as const,
    value: `${a.what}: ${a.steps.join(', ') || 'no answer'}`,
  }));
}

/** Every decision of a recording, in the order they were taken. */
export function decisionsOf(source: DecisionSource): Decision[] {
  const out: Decision[] = [];
  for (const e of source.events) {
    if (e.type === 'stt.final' && str(e.event.text) !== '')
      out.push({ turnId: e.turnId ?? '-', kind: 'transcript', value: quote(str(e.event.text)) });
    if (e.type === 'control.estop') {
      const phrase = str(e.event.phrase);
      out.push({
        turnId: e.turnId ?? '-',
        kind: 'estop',
        value: `${estopBy(str(e.event.source))}${phrase ? ` "${phrase}"` : ''}`,
      });
    }
  }
  for (const e of source.emitted) {
    const kind = e.kind === 'notice' ? NOTICE_DECISIONS[e.code] : undefined;
    // The e-stop's own control.estop event is the decision; its notice says the same again.
    if (kind && kind !== 'estop' && e.kind === 'notice') out.push({ turnId: e.turnId, kind, value: e.detail });
  }
  out.push(...actionDecisions(source));
  for (const t of source.turns) {
    out.push({
      turnId: t.turnId,
      kind: 'outcome',
      value: `${t.outcome ?? 'not ended'}${t.reason ? ` (${t.reason})` : ''}`,
    });
    if (t.heardText !== undefined) out.push({ turnId: t.turnId, kind: 'heard', value: quote(t.heardText) });
  }
  return out;
}

/** Decisions keyed by turn and kind, several values of one key joined in order. */
function byKey(decisions: readonly Decision[]): Map<string, Decision> {
  const map = new Map<string, Decision>();
  for (const d of decisions) {
    const key = `${d.turnId}\u0000${d.kind}`;
    const seen = map.get(key);
    map.set(key, seen ? { ...seen, value: `${seen.value}; ${d.value}` } : d);
  }
  return map;
}

const turnOrder = (turnId: string) =>
  turnId === '-' ? [0, 0] : [' utsrf'.indexOf(turnId[0]!), Number(turnId.slice(1))];

/** The decisions that differ, by turn (in turn order) and kind. */
export function compareDecisions(was: readonly Decision[], isNow: readonly Decision[]): DecisionDifference[] {
  const before = byKey(was);
  const after = byKey(isNow);
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const differences = keys
    .map((key) => ({ key, before: before.get(key), after: after.get(key) }))
    .filter(({ before, after }) => before?.value !== after?.value)
    .map(({ before, after }) => {
      const d = (before ?? after)!;
      return { turnId: d.turnId, kind: d.kind, was: before?.value ?? '(none)', isNow: after?.value ?? '(none)' };
    });
  return differences.sort((a, b) => {
    const [ka, na] = turnOrder(a.turnId);
    const [kb, nb] = turnOrder(b.turnId);
    return na! - nb! || ka! - kb! || DECISION_KINDS.indexOf(a.kind) - DECISION_KINDS.indexOf(b.kind);
  });
}

/** One line per difference: `turn u1  heard  was "Turning left."  is now "Rotating left now."`. */
export function formatDifferences(differences: readonly DecisionDifference[]): string {
  return differences.map((d) => `  turn ${d.turnId}  ${d.kind}  was ${d.was}  is now ${d.isNow}`).join('\n');
}
