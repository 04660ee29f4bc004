/**
 * The actions region's share of the session context, and the pure decisions the chart takes on it: what
 * to do with a tool call, whether an answer confirms, what a finished action makes the agent say.
 */
import { checkCall, needsConfirmation, type ActionCatalog } from '../adapters/actions/catalog.js';
import type { ActionDeclaration, CancelTrigger } from '../adapters/actions/declaration.js';
import { fillTemplate } from '../adapters/actions/template.js';
import type { ActionRecord, ActionRunner, MessageOf, ToolChoice, ToolDefinition } from '../bus/messages.js';
import type { ActionRefusalReason } from '../bus/notices.js';
import type { SessionConfig } from './config.js';
import type { HistoryEntry } from './events.js';

/** The action the session is confirming, waiting on or running: one at a time. */
export interface ActiveAction {
  actionId: string;
  callId: string;
  name: string;
  arguments: Record<string, unknown>;
  runsOn: ActionRunner;
  /** The turn that asked for it. */
  turnId: string;
  cancelOn: CancelTrigger[];
  timeoutMs: number;
  say: ActionDeclaration['say'];
  status: 'confirming' | 'requested' | 'running';
}

/** What the agent says next, once the dialog is free: a text, or (`text: null`) an LLM reply from the history. */
export interface FollowUp {
  text: string | null;
}

export interface ActionsContext {
  action: ActiveAction | null;
  /** Actions asked for so far (`a1`, `a2`, …). */
  actionCount: number;
  /** Follow-up replies so far (`f1`, `f2`, …): what the agent says of an action, unasked. */
  followUps: number;
  pendingFollowUp: FollowUp | null;
  /** The client's own tools (Realtime `session.update`), offered to the LLM beside the declared actions. */
  clientTools: ToolDefinition[];
  toolChoice: ToolChoice | null;
  /** Calls asked for, by name and time (the event's `atMs`), for the declared rate limits. */
  recentCalls: { name: string; atMs: number }[];
  /**
   * A yes or no a learned keyword head spotted in the utterance answering the confirmation question
   * (`both`: each was spotted, so neither counts); used when the recognizer is unsure of that utterance.
   */
  spokenAnswer: { turnId: string; answer: 'yes' | 'no' | 'both' } | null;
}

export const INITIAL_ACTIONS_CONTEXT: ActionsContext = {
  action: null,
  actionCount: 0,
  followUps: 0,
  pendingFollowUp: null,
  clientTools: [],
  toolChoice: null,
  recentCalls: [],
  spokenAnswer: null,
};

interface DecisionInput extends ActionsContext {
  config: SessionConfig;
  /** The STT's confidence in what the last voice reply answers (see `SessionContext.heardConfidence`). */
  heardConfidence?: { turnId: string; confidence: number } | null;
}

export type CallDecision =
  | { kind: 'refuse'; reason: ActionRefusalReason; detail: string }
  | { kind: 'confirm'; action: ActiveAction }
  | { kind: 'dispatch'; action: ActiveAction };

export const catalogOf = (context: DecisionInput): ActionCatalog => ({
  declared: context.config.declaredActions,
  clientTools: context.clientTools,
});

/** What the chart does with a tool call: refuse it, ask first, or ask the executor for it. */
export function decideCall(context: DecisionInput, call: MessageOf<'llm.tool_call'>): CallDecision {
  const check = checkCall(catalogOf(context), call);
  if (!check.ok) return { kind: 'refuse', reason: check.reason, detail: check.detail };
  const { action: declared, arguments: args } = check;
  const running = context.action;
  if (running && (running.status === 'confirming' || !running.cancelOn.includes('new_command'))) {
    return {
      kind: 'refuse',
      reason: 'busy',
      detail:
        `${call.name}: ${running.name} (${running.actionId}) is ` +
        `${running.status === 'confirming' ? 'waiting for a yes or no' : 'running'}`,
    };
  }
  if (declared.rateLimit) {
    const { max, perMs } = declared.rateLimit;
    const recent = context.recentCalls.filter((c) => c.name === declared.name && call.atMs - c.atMs < perMs).length;
    if (recent >= max)
      return {
        kind: 'refuse',
        reason: 'rate_limited',
        detail: `${call.name}: ${max} calls within ${perMs} ms already`,
      };
  }
  const heard = context.heardConfidence;
  const confidence = heard && heard.turnId === call.turnId ? heard.confidence : undefined;
  const confirm = needsConfirmation(declared, args, confidence);
  const action: ActiveAction = {
    actionId: `a${context.actionCount + 1}`,
    callId: call.callId,
    name: declared.name,
    arguments: args,
    runsOn: declared.runsOn,
    turnId: call.turnId,
    cancelOn: [...declared.cancelOn],
    timeoutMs: declared.timeoutMs,
    say: declared.say,
    status: confirm ? 'confirming' : 'requested',
  };
  return confirm ? { kind: 'confirm', action } : { kind: 'dispatch', action };
}

const cleanWords = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
const matchesAny = (text: string, words: readonly string[]) => words.some((w) => cleanWords(w) === cleanWords(text));

/** The user's answer to a confirmation question: yes, no, or neither (something else was said). */
export function answerOf(config: SessionConfig, text: string): 'yes' | 'no' | 'other' {
  if (matchesAny(text, config.actions.yesWords)) return 'yes';
  if (matchesAny(text, config.actions.noWords)) return 'no';
  return 'other';
}

/** The yes or no a learned head heard in the utterance a final is of, while the question waits (else null). */
export function spokenAnswerFor(context: ActionsContext, turnId: string): 'yes' | 'no' | null {
  const spoken = context.spokenAnswer;
  if (
    context.action?.status !== 'confirming' ||
    spoken === null ||
    spoken.turnId !== turnId ||
    spoken.answer === 'both'
  )
    return null;
  return spoken.answer;
}

/** What a spotted keyword answers, merged with what the same utterance's spottings answered before. */
export function withSpokenAnswer(
  config: SessionConfig,
  before: ActionsContext['spokenAnswer'],
  turnId: string,
  phrase: string,
): ActionsContext['spokenAnswer'] {
  const answer = answerOf(config, phrase);
  if (answer === 'other') return before;
  if (before === null || before.turnId !== turnId) return { turnId, answer };
  return before.answer === answer ? before : { turnId, answer: 'both' };
}

/** The confirmation question: the declaration's, else one made from its name and arguments. */
export function confirmQuestion(action: ActiveAction): string {
  if (action.say.confirm) return fillTemplate(action.say.confirm, action.arguments);
  const args = Object.values(action.arguments)
    .filter((v) => typeof v !== 'object')
    .join(' ');
  return `Should I ${action.name}${args ? ` ${args}` : ''}? Say yes or no.`;
}

/** The history entry of an action, in the state it has reached. */
export function actionEntry(action: ActiveAction, status: ActionRecord['status'], outcome?: string): HistoryEntry {
  const record: ActionRecord = {
    actionId: action.actionId,
    callId: action.callId,
    name: action.name,
    arguments: action.arguments,
    status,
    ...(outcome !== undefined ? { outcome: outcome.slice(0, 20_000) } : {}),
  };
  return {
    role: 'action',
    turnId: action.turnId,
    text: `${action.name} ${JSON.stringify(action.arguments)} ${status}`,
    interrupted: false,
    pending: false,
    action: record,
  };
}

/** A refused call's history entry: it never became an action, so it has no action id of its own. */
export function refusedEntry(call: MessageOf<'llm.tool_call'>, detail: string): HistoryEntry {
  return {
    role: 'action',
    turnId: call.turnId,
    text: `${call.name} refused: ${detail}`,
    interrupted: false,
    pending: false,
    action: { actionId: 'a0', callId: call.callId, name: call.name, arguments: {}, status: 'refused', outcome: detail },
  };
}

/** A result as text for the LLM and the templates: strings as they are, anything else as JSON. */
export const outcomeText = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value ?? null);

/**
 * What the agent says when an action ends: the declaration's template for how it ended, filled from the
 * arguments and an object result; without one, an LLM reply from the history (which holds the outcome).
 * A client's action says nothing by itself: the client asks for the reply (`response.create`).
 */
export function followUpFor(
  action: ActiveAction,
  how: 'result' | 'failed' | 'cancelled',
  result?: unknown,
): FollowUp | null {
  if (action.runsOn === 'client') return null;
  const template = action.say[how];
  if (template)
    return {
      text: fillTemplate(template, {
        ...action.arguments,
        ...(result && typeof result === 'object' ? (result as Record<string, unknown>) : {}),
      }),
    };
  return how === 'cancelled' ? null : { text: null };
}

/** The history with an action's entry replaced (same action id) or appended. */
export function withActionEntry(history: readonly HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  const at = history.findIndex(
    (h) => h.role === 'action' && h.action?.actionId === entry.action?.actionId && entry.action?.actionId !== 'a0',
  );
  return at >= 0 ? history.map((h, i) => (i === at ? entry : h)) : [...history, entry];
}

export const isCancelledBy = (action: ActiveAction | null, trigger: CancelTrigger) =>
  action !== null && action.status !== 'confirming' && action.cancelOn.includes(trigger);
