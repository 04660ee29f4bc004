/**
 * The session's catalog of actions: the declared ones and the tools a Realtime client runs itself. Every
 * call an LLM or the rule policy makes is checked here before it can leave the agent. Pure functions:
 * the session chart calls them from its guards and actions.
 *
 * @example
 * ```ts
 * const check = checkCall({ declared: [move], clientTools: [] }, { name: 'move', arguments: '{"meters":"two"}' });
 * if (check.ok) check.arguments; // { meters: 2 }
 * else check.reason; // 'unknown_action' | 'invalid_arguments'
 * ```
 */
import type { ToolDefinition } from '../../bus/messages.js';
import type { ActionRefusalReason } from '../../bus/notices.js';
import { argumentSchema, coerceArguments } from './arguments.js';
import { ACTION_DEFAULTS, type ActionDeclaration } from './declaration.js';

export interface ActionCatalog {
  declared: readonly ActionDeclaration[];
  /** Tools declared by the client (Realtime `session.update`), run by the client. */
  clientTools: readonly ToolDefinition[];
}

export type CallCheck =
  | { ok: true; action: ActionDeclaration; arguments: Record<string, unknown> }
  | { ok: false; reason: Extract<ActionRefusalReason, 'unknown_action' | 'invalid_arguments'>; detail: string };

/** A client tool as an action: run by the client, never confirmed by the agent, cancelled like any other. */
export function clientToolAction(tool: ToolDefinition): ActionDeclaration {
  return {
    name: tool.name,
    description: tool.description || tool.name,
    parameters: tool.parameters,
    confirm: 'never',
    timeoutMs: ACTION_DEFAULTS.timeoutMs,
    cancelOn: [...ACTION_DEFAULTS.cancelOn],
    runsOn: 'client',
    say: {},
  };
}

/** The action a name refers to: a declared action first, then a client tool. */
export function findAction(catalog: ActionCatalog, name: string): ActionDeclaration | undefined {
  const declared = catalog.declared.find((a) => a.name === name);
  if (declared) return declared;
  const tool = catalog.clientTools.find((t) => t.name === name);
  return tool ? clientToolAction(tool) : undefined;
}

/** Checks a call (its name and the JSON text of its arguments) against the catalog. */
export function checkCall(catalog: ActionCatalog, call: { name: string; arguments: string }): CallCheck {
  const action = findAction(catalog, call.name);
  if (!action) return { ok: false, reason: 'unknown_action', detail: `"${call.name}" is not a declared action` };
  let parsed: unknown;
  try {
    parsed = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    return { ok: false, reason: 'invalid_arguments', detail: `${call.name}: the arguments are not JSON` };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    return { ok: false, reason: 'invalid_arguments', detail: `${call.name}: the arguments are not an object` };
  const args = coerceArguments(action, parsed as Record<string, unknown>);
  const result = argumentSchema(action).safeParse(args);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(arguments)'}: ${i.message}`).join('; ');
    return { ok: false, reason: 'invalid_arguments', detail: `${call.name}: ${issues}` };
  }
  return { ok: true, action, arguments: result.data as Record<string, unknown> };
}

/**
 * Whether the user must agree before the action is asked for; `confidence`: the recognizer's in the
 * transcript that led to the call (absent: typed, or an engine that cannot tell — `belowConfidence` then
 * never asks).
 */
export function needsConfirmation(
  action: ActionDeclaration,
  args: Record<string, unknown>,
  confidence?: number,
): boolean {
  if (action.confirm === 'never') return false;
  if (action.confirm === 'always') return true;
  const { belowConfidence } = action.confirm;
  if (belowConfidence !== undefined && confidence !== undefined && confidence < belowConfidence) return true;
  return Object.entries(action.confirm.when ?? {}).some(([key, rule]) => {
    const value = args[key];
    if (Array.isArray(rule)) return rule.some((r) => r === value);
    if (typeof value !== 'number') return false;
    return (rule.min === undefined || value >= rule.min) && (rule.max === undefined || value <= rule.max);
  });
}

/** The tools an LLM is offered: every declared action and every client tool (a declared name wins). */
export function toolsOf(catalog: ActionCatalog): ToolDefinition[] {
  const declared = catalog.declared.map((a) => ({
    name: a.name,
    description: a.description,
    parameters: a.parameters,
  }));
  const names = new Set(declared.map((t) => t.name));
  return [...declared, ...catalog.clientTools.filter((t) => !names.has(t.name))];
}
