/**
 * An action, declared once: what the LLM is offered as a tool, what the rule policy may ask for, and what
 * the session checks every call against before anything leaves the agent. Arguments are a JSON Schema
 * (checked with zod's `fromJSONSchema`); `confirm` says when the user must agree first; `cancelOn` what
 * stops it; `runsOn` who executes it.
 *
 * @example
 * ```ts
 * const navigate = parseActionDeclaration({
 *   name: 'navigate',
 *   description: 'Drive to a named place.',
 *   parameters: {
 *     type: 'object',
 *     properties: { place: { type: 'string', enum: ['kitchen', 'door'] } },
 *     required: ['place'],
 *   },
 *   confirm: { when: { place: ['door'] } },
 *   say: { result: 'Arrived at the {place}.' },
 * });
 * ```
 */
import { z } from 'zod';
import { ACTION_RUNNERS } from '../../bus/messages.js';

/** The defaults of a declaration; each reason is written once, here. */
export const ACTION_DEFAULTS = {
  /** Why 30 s: the longest motion of the reference robot (a navigation) takes ~10 s; past 3× it is stuck. */
  timeoutMs: 30_000,
  /** Why 2 s: an executor on the bus answers within ms; no answer in 2 s means none is listening. */
  acceptTimeoutMs: 2_000,
  /** Why 8 s: the same as the no-input timeout: time to hear the question and answer it. */
  confirmTimeoutMs: 8_000,
  /** Why all three: a robot that keeps moving while someone talks over it or says stop is the failure to avoid. */
  cancelOn: ['barge_in', 'stop', 'new_command'] as const,
  runsOn: 'controller' as const,
} as const;

/** What may cancel a running action: the user talking over the agent, STOP (or the e-stop), a newer command. */
export const CANCEL_TRIGGERS = ['barge_in', 'stop', 'new_command'] as const;
export type CancelTrigger = (typeof CANCEL_TRIGGERS)[number];

const scalar = z.union([z.string(), z.number(), z.boolean()]);
/** A rule on one argument: one of these values, or a number range (either bound may be left out). */
const argumentRule = z.union([
  z.array(scalar).min(1),
  z.object({ min: z.number().optional(), max: z.number().optional() }).strict(),
]);

export const ConfirmSchema = z.union([
  z.enum(['never', 'always']),
  /**
   * Confirm when any listed argument matches its rule (`{ place: ['door'] }`, `{ meters: { min: 3 } }`),
   * or when the recognizer's confidence in the spoken command is below `belowConfidence` (0..1; a command
   * heard with an engine that gives none, or typed, is not asked about for it): a motion a recognizer may
   * have forced out of other speech is asked about instead of done.
   */
  z
    .object({
      when: z.record(z.string(), argumentRule).optional(),
      belowConfidence: z.number().min(0).max(1).optional(),
    })
    .strict()
    .refine((c) => c.when !== undefined || c.belowConfidence !== undefined, 'give `when`, `belowConfidence` or both'),
]);
export type ConfirmPolicy = z.infer<typeof ConfirmSchema>;

/** Spoken templates; `{name}` is the argument (or result field) of that name. */
const SayTemplatesSchema = z
  .object({
    /** Spoken after a result (the rule policy's follow-up; with an LLM, the model speaks instead). */
    result: z.string().min(1).max(500).optional(),
    failed: z.string().min(1).max(500).optional(),
    cancelled: z.string().min(1).max(500).optional(),
    /** The confirmation question; default: "Should I <description>? Say yes or no." */
    confirm: z.string().min(1).max(500).optional(),
  })
  .strict();

export const ActionDeclarationSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an action name is 1-64 characters of A-Z, a-z, 0-9, "_" or "-"'),
    description: z.string().min(1).max(1_000),
    /** JSON Schema of the arguments (an object schema). */
    parameters: z.record(z.string(), z.unknown()).default({ type: 'object', properties: {} }),
    confirm: ConfirmSchema.default('never'),
    timeoutMs: z.number().int().positive().max(3_600_000).default(ACTION_DEFAULTS.timeoutMs),
    cancelOn: z.array(z.enum(CANCEL_TRIGGERS)).default([...ACTION_DEFAULTS.cancelOn]),
    runsOn: z.enum(ACTION_RUNNERS).default(ACTION_DEFAULTS.runsOn),
    /** At most `max` calls within `perMs` (counted from when each was asked for); absent: no limit. */
    rateLimit: z.object({ max: z.number().int().positive(), perMs: z.number().int().positive() }).strict().optional(),
    say: SayTemplatesSchema.default({}),
  })
  .strict();
export type ActionDeclaration = z.infer<typeof ActionDeclarationSchema>;
export type ActionDeclarationInput = z.input<typeof ActionDeclarationSchema>;

export const ActionSetSchema = z
  .array(ActionDeclarationSchema)
  .max(128)
  .superRefine((actions, ctx) => {
    const seen = new Set<string>();
    actions.forEach((a, i) => {
      if (seen.has(a.name))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `action "${a.name}" is declared twice: give each action one declaration`,
        });
      seen.add(a.name);
    });
  });

/** Thrown for a declaration that cannot be used; the message names the action, the field and the fix. */
export class ActionDeclarationError extends Error {
  override name = 'ActionDeclarationError';
}

const issuesOf = (error: z.ZodError, prefix: readonly PropertyKey[] = []) =>
  error.issues.map((i) => `${[...prefix, ...i.path].map(String).join('.') || '(root)'}: ${i.message}`).join('; ');

/** `action "move"` when the input names itself, else `action`: errors say which declaration is wrong. */
function labelOf(input: unknown, source: string): string {
  const name = input && typeof input === 'object' ? (input as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? `${source} "${name}"` : source;
}

/** Throws unless the declaration's argument schema compiles (zod's `fromJSONSchema`). */
function assertCompiles(action: ActionDeclaration, label: string): void {
  try {
    z.fromJSONSchema(action.parameters as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (cause) {
    throw new ActionDeclarationError(`${label}: parameters is not a usable JSON Schema: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/**
 * Validates one declaration (defaults filled in) and checks its argument schema compiles. Errors name
 * the action (`action "move": confirm: ...`), the field and what is wrong.
 */
export function parseActionDeclaration(input: unknown, source = 'action'): ActionDeclaration {
  const label = labelOf(input, source);
  const result = ActionDeclarationSchema.safeParse(input);
  if (!result.success) throw new ActionDeclarationError(`${label}: ${issuesOf(result.error)}`);
  assertCompiles(result.data, label);
  return result.data;
}

/**
 * Validates a set of declarations: each one as {@link parseActionDeclaration} (errors name the action
 * and its index), and no name twice. `source` names where they came from (a file path).
 */
export function parseActionSet(input: unknown, source = 'actions'): ActionDeclaration[] {
  if (!Array.isArray(input))
    throw new ActionDeclarationError(
      `${source}: expected an array of action declarations, got ${input === null ? 'null' : typeof input}`,
    );
  const actions = input.map((item, i) => parseActionDeclaration(item, `${source}: [${i}] action`));
  const result = ActionSetSchema.safeParse(actions);
  if (!result.success) throw new ActionDeclarationError(`${source}: ${issuesOf(result.error)}`);
  return actions;
}
