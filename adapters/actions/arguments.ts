/**
 * Argument checking: the declaration's JSON Schema compiled once to zod, and the spoken forms a rule
 * policy captures ("two", "3.5") read as the numbers the schema asks for.
 */
import { z } from 'zod';
import type { ActionDeclaration } from './declaration.js';

const compiled = new WeakMap<object, z.ZodType>();

/** The zod schema of a declaration's arguments, compiled once per declaration. */
export function argumentSchema(action: Pick<ActionDeclaration, 'parameters'>): z.ZodType {
  let schema = compiled.get(action.parameters);
  if (!schema) {
    schema = z.fromJSONSchema(action.parameters as Parameters<typeof z.fromJSONSchema>[0]);
    compiled.set(action.parameters, schema);
  }
  return schema;
}

const NUMBER_WORDS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  ninety: 90,
  half: 0.5,
};

/** "two" → 2, "3.5" → 3.5, anything else: undefined. */
export function spokenNumber(text: string): number | undefined {
  const word = text.trim().toLowerCase();
  if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
  return NUMBER_WORDS[word];
}

/** Where the schema asks for a number or an integer and the value is a spoken or written number, the number. */
export function coerceArguments(
  action: Pick<ActionDeclaration, 'parameters'>,
  args: Record<string, unknown>,
): Record<string, unknown> {
  const properties = (action.parameters.properties ?? {}) as Record<string, { type?: unknown }>;
  const out: Record<string, unknown> = { ...args };
  for (const [key, value] of Object.entries(args)) {
    const type = properties[key]?.type;
    if ((type === 'number' || type === 'integer') && typeof value === 'string') out[key] = spokenNumber(value) ?? value;
    if (value === '') delete out[key];
  }
  return out;
}
