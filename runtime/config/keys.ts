/**
 * The configuration's keys, read from its zod schema: every setting's dotted path, type, default and
 * description. Used to check environment variables against the real keys (and name the nearest one
 * when a name is wrong), and to generate `docs/configuration.md`.
 *
 * @example
 * ```ts
 * const keys = configKeys(AppConfigSchema);
 * keys.find((k) => k.path === 'audio.echoTailMs'); // { type: 'integer 20…1000', default: 250, … }
 * ```
 */
import { globalRegistry, type z } from 'zod';

/** Stands for any key of a record (`languages.<tag>.voice`). */
export const RECORD_KEY = '<tag>';

export interface ConfigKey {
  /** Dotted path, records as `<tag>`: `languages.<tag>.voice`. */
  path: string;
  segments: string[];
  /** Readable type: `integer 20…1000`, `"auto" | "on" | "off"`, `URL`, `string[]`, `TTS engine[]`. */
  type: string;
  hasDefault: boolean;
  default?: unknown;
  description?: string;
  /** The schema below the wrappers (default, optional, nullable). */
  leaf: z.ZodType;
  nullable: boolean;
  /** The object variants when the key takes one of several objects (`tts.engines[]`, `stt.sherpa`). */
  variants?: Array<{ name: string; keys: ConfigKey[] }>;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  defaultValue?: unknown;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  valueType?: z.ZodType;
  entries?: Record<string, string | number>;
  values?: unknown[];
  checks?: Array<{
    _zod: { def: { check: string; format?: string; value?: number; inclusive?: boolean; minimum?: number } };
  }>;
  format?: string;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

interface Unwrapped {
  leaf: z.ZodType;
  description?: string;
  hasDefault: boolean;
  default?: unknown;
  nullable: boolean;
}

/** Peels defaults, optionals, nullables and preprocessing off a schema, keeping what they say. */
export function unwrap(schema: z.ZodType): Unwrapped {
  const out: Unwrapped = { leaf: schema, hasDefault: false, nullable: false };
  let node = schema;
  for (;;) {
    out.description ??= (node as { description?: string }).description;
    const def = defOf(node);
    if (def.type === 'default') {
      out.hasDefault = true;
      out.default = def.defaultValue;
    } else if (def.type === 'nullable') out.nullable = true;
    if (
      (def.type === 'default' || def.type === 'prefault' || def.type === 'optional' || def.type === 'nullable') &&
      def.innerType
    )
      node = def.innerType;
    else if (def.type === 'pipe' && def.out) node = def.out;
    else break;
  }
  out.leaf = node;
  return out;
}

const isObject = (schema: z.ZodType) => defOf(schema).type === 'object';
const objectVariants = (schema: z.ZodType): z.ZodType[] | undefined => {
  const def = defOf(schema);
  return def.type === 'union' && def.options!.every(isObject) ? def.options : undefined;
};

function numberType(def: Def): string {
  let integer = false;
  let min: string | undefined;
  let max: string | undefined;
  for (const { _zod } of def.checks ?? []) {
    const c = _zod.def;
    if (c.check === 'number_format' && c.format === 'safeint') integer = true;
    if (c.check === 'greater_than') min = c.inclusive ? `${c.value}` : `> ${c.value}`;
    if (c.check === 'less_than') max = `${c.value}`;
  }
  const name = integer ? 'integer' : 'number';
  if (min !== undefined && max !== undefined && !min.startsWith('>')) return `${name} ${min}…${max}`;
  if (min !== undefined) return `${name} ${min.startsWith('>') ? min : `≥ ${min}`}`;
  return max !== undefined ? `${name} ≤ ${max}` : name;
}

/** A readable type for a schema (below its wrappers). */
export function typeOf(schema: z.ZodType): string {
  const { leaf, nullable } = unwrap(schema);
  const def = defOf(leaf);
  let text: string;
  if (def.type === 'number') text = numberType(def);
  else if (def.type === 'string') text = def.format === 'url' ? 'URL' : 'string';
  else if (def.type === 'boolean') text = 'boolean';
  else if (def.type === 'enum')
    text = Object.values(def.entries!)
      .map((v) => JSON.stringify(v))
      .join(' | ');
  else if (def.type === 'literal') text = def.values!.map((v) => JSON.stringify(v)).join(' | ');
  else if (def.type === 'union')
    text = objectVariants(leaf) ? (titleOf(leaf) ?? 'object') : def.options!.map((o) => typeOf(o)).join(' | ');
  else if (def.type === 'array') text = `${typeOf(def.element!)}[]`;
  else if (def.type === 'record') text = `map of ${typeOf(def.valueType!)}`;
  else if (def.type === 'object') text = titleOf(leaf) ?? 'object';
  else text = def.type;
  return nullable ? `${text} | null` : text;
}

/** The object variants a key takes (`tts.engines[]` → flite, espeak, …), each with its keys. */
function variantsOf(leaf: z.ZodType, path: string[]): ConfigKey['variants'] {
  const def = defOf(leaf);
  const union = def.type === 'array' ? unwrap(def.element!).leaf : leaf;
  const options = objectVariants(union);
  if (!options) return undefined;
  const discriminator = defOf(union).discriminator;
  return options.map((option) => {
    const tag = discriminator ? defOf(unwrap(defOf(option).shape![discriminator]!).leaf).values?.[0] : undefined;
    return { name: String(tag ?? '?'), keys: keysOf(option, [...path, def.type === 'array' ? '[]' : '']) };
  });
}

/** The name a schema carries (`.meta({ title })`): what the reference calls a union of objects. */
const titleOf = (schema: z.ZodType): string | undefined => globalRegistry.get(schema)?.title;

function keysOf(schema: z.ZodType, path: string[]): ConfigKey[] {
  const shape = defOf(unwrap(schema).leaf).shape ?? {};
  return Object.entries(shape).flatMap(([name, child]): ConfigKey[] => {
    const segments = [...path, name].filter(Boolean);
    const unwrapped = unwrap(child);
    const def = defOf(unwrapped.leaf);
    if (def.type === 'object') return keysOf(child, segments);
    if (def.type === 'record' && isObject(unwrap(def.valueType!).leaf)) {
      return [keyFrom(segments, child, unwrapped), ...keysOf(def.valueType!, [...segments, RECORD_KEY])];
    }
    return [keyFrom(segments, child, unwrapped)];
  });
}

function keyFrom(segments: string[], schema: z.ZodType, unwrapped: Unwrapped): ConfigKey {
  const variants = variantsOf(unwrapped.leaf, segments);
  return {
    path: segments.join('.').replace(/\.\[\]/g, '[]'),
    segments,
    type: typeOf(schema),
    hasDefault: unwrapped.hasDefault,
    ...(unwrapped.hasDefault ? { default: unwrapped.default } : {}),
    ...(unwrapped.description ? { description: unwrapped.description } : {}),
    leaf: unwrapped.leaf,
    nullable: unwrapped.nullable,
    ...(variants ? { variants } : {}),
  };
}

/** Every setting of a configuration schema, in schema order (sections flattened into dotted paths). */
export function configKeys(schema: z.ZodType): ConfigKey[] {
  return keysOf(schema, []);
}

/**
 * The setting a concrete path names (`['languages', 'zh', 'voice']` → `languages.<tag>.voice`), or the
 * setting it lies inside (`['tts', 'engines', '0', 'voice']` → `tts.engines`, which takes whole objects).
 */
export function keyAt(keys: readonly ConfigKey[], segments: readonly string[]): ConfigKey | undefined {
  const matches = (key: ConfigKey, n: number) =>
    key.segments.length === n &&
    key.segments.every((s, i) => s === segments[i] || (s === RECORD_KEY && segments[i] !== undefined));
  for (let n = segments.length; n > 0; n--) {
    const key = keys.find((k) => matches(k, n));
    if (!key) continue;
    // Inside a key that takes objects: the next name (after an array index) must be one of theirs.
    const rest = /^\d+$/.test(segments[n] ?? '') ? segments[n + 1] : segments[n];
    if (rest === undefined) return key;
    return key.variants?.some((v) => v.keys.some((k) => k.segments.at(-1) === rest)) ? key : undefined;
  }
  return undefined;
}

/** Whether a key takes text (so an environment variable's value is used as it is, not parsed as JSON). */
export function takesText(key: ConfigKey): boolean {
  const def = defOf(key.leaf);
  if (def.type === 'string') return true;
  if (def.type === 'enum') return Object.values(def.entries!).every((v) => typeof v === 'string');
  return false;
}
