/**
 * `defineAction`: one robot action written in TypeScript — its zod schema becomes the declaration's
 * JSON Schema (what the LLM is offered and what the session checks every call against), and its
 * handler runs in-process when the session asks for it. The handler gets the arguments as the schema's
 * output type (defaults filled in), already checked twice: by the session against the JSON Schema
 * before anything is asked, then by the zod schema itself (refinements a JSON Schema cannot express)
 * before the handler is called.
 */
import { z } from 'zod';
import {
  ActionDeclarationError,
  parseActionDeclaration,
  type ActionDeclaration,
  type ActionDeclarationInput,
} from '../adapters/actions/declaration.js';
import type { ActionContext, ActionHandler } from '../adapters/actions/executor.js';

/** An object schema of arguments (`z.object({...})`). */
export type ArgumentsSchema = z.ZodObject;

/** What a handler may return: anything JSON can carry (`undefined` is sent as `null`). */
export type ActionResult = unknown;

/** One action as written: the declaration's fields, the zod schema of its arguments and (optionally) its handler. */
export interface ActionDefinition<S extends ArgumentsSchema> {
  /** The tool name the LLM calls: 1-64 characters of A-Z, a-z, 0-9, `_` or `-`. */
  name: string;
  /** What it does, for the LLM (and the default confirmation question). */
  description: string;
  /** The arguments; `.describe()` texts, enums, bounds and defaults reach the LLM through the JSON Schema. */
  schema: S;
  /** When the user must agree first: `never` (default), `always`, or `{ when: { place: ['door'] } }`. */
  confirm?: ActionDeclarationInput['confirm'];
  /** The session cancels it (reason `timeout`) after this long running; default 30 000. */
  timeoutMs?: number;
  /** What cancels it while it runs; default all of `barge_in`, `stop`, `new_command`. */
  cancelOn?: ActionDeclarationInput['cancelOn'];
  /** At most `max` calls within `perMs`. */
  rateLimit?: ActionDeclarationInput['rateLimit'];
  /** Spoken templates (`{name}`: an argument or result field): `result`, `failed`, `cancelled`, `confirm`. */
  say?: ActionDeclarationInput['say'];
  /**
   * Runs the action in this process: resolve with the result, throw to fail. `signal` aborts when the
   * session cancels it; `feedback` reports progress. Without a handler the action is declared for an
   * executor elsewhere (a robot controller on the bus: `runsOn: 'controller'`).
   */
  handler?: (args: z.output<S>, context: ActionContext) => ActionResult | Promise<ActionResult>;
}

/** A defined action, ready for `createAgent({ actions })`. */
export interface Action<S extends ArgumentsSchema = ArgumentsSchema> {
  readonly name: string;
  /** The declaration the session runs on (`runsOn: 'handler'` when it has a handler). */
  readonly declaration: ActionDeclaration;
  readonly schema: S;
  /** The handler as the executor calls it (arguments checked by `schema` first); absent for a controller's action. */
  readonly handler?: ActionHandler;
}

/** Thrown (and reported as `action.failed`) when arguments the session let through do not match the zod schema. */
export class ActionArgumentsError extends Error {
  override name = 'ActionArgumentsError';
}

/** The JSON Schema of the arguments as a caller writes them (fields with a default are optional). */
function parametersOf(name: string, schema: ArgumentsSchema): Record<string, unknown> {
  let json: Record<string, unknown>;
  try {
    json = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  } catch (cause) {
    throw new ActionDeclarationError(
      `action "${name}": its schema has a type JSON Schema cannot express (${(cause as Error).message}): use ` +
        `strings, numbers, booleans, enums, arrays and objects`,
      { cause },
    );
  }
  const { $schema: _dialect, ...parameters } = json;
  return parameters;
}

/**
 * Defines an action from a zod schema and a handler. Throws an `ActionDeclarationError` that names the
 * action and the field for a declaration the session could not use.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { defineAction } from 'voice-agent';
 *
 * const turn = defineAction({
 *   name: 'turn',
 *   description: 'Turn in place to the left or to the right.',
 *   schema: z.object({ direction: z.enum(['left', 'right']), degrees: z.number().min(1).max(360).default(90) }),
 *   timeoutMs: 8_000,
 *   say: { result: 'Turned {direction}.' },
 *   async handler({ direction, degrees }, { signal, feedback }) {
 *     feedback({ direction, degrees: 0 });
 *     await new Promise((resolve) => setTimeout(resolve, 500));
 *     signal.throwIfAborted();
 *     return { heading: direction === 'left' ? -degrees : degrees };
 *   },
 * });
 * ```
 */
export function defineAction<S extends ArgumentsSchema>(definition: ActionDefinition<S>): Action<S> {
  const { name, description, schema, handler, confirm, timeoutMs, cancelOn, rateLimit, say } = definition;
  if (!(schema instanceof z.ZodObject))
    throw new ActionDeclarationError(
      `action "${name}": schema must be a zod object (z.object({...})): arguments are named`,
    );
  const declaration = parseActionDeclaration({
    name,
    description,
    parameters: parametersOf(name, schema),
    runsOn: handler ? 'handler' : 'controller',
    ...(confirm !== undefined ? { confirm } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(cancelOn !== undefined ? { cancelOn } : {}),
    ...(rateLimit !== undefined ? { rateLimit } : {}),
    ...(say !== undefined ? { say } : {}),
  });
  if (!handler) return { name, declaration, schema };
  const checked: ActionHandler = (args, context) => {
    const parsed = schema.safeParse(args);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new ActionArgumentsError(`${name}: the arguments do not match its schema (${issues})`);
    }
    return handler(parsed.data, context);
  };
  return { name, declaration, schema, handler: checked };
}
