/**
 * Configuration from environment variables: `VA_<PATH>` with `__` between levels, each level's camelCase
 * written in UPPER_SNAKE (`llm.baseUrl` → `VA_LLM__BASE_URL`). A value is taken as it is for a key that
 * takes text, else parsed as JSON where it parses (numbers, booleans, arrays, objects). Every `VA_`
 * variable is a setting except those in {@link NON_CONFIG_VARIABLES}; any other name is an error that
 * names the nearest real one, so a typo never silently does nothing.
 *
 * @example
 * ```ts
 * configFromEnv({ VA_LLM__BASE_URL: 'http://127.0.0.1:11434/v1', VA_CONFIG: 'va.json' }); // { llm: { baseUrl: '…' } }
 * envNameFor(['session', 'bargeIn', 'minSpeechMs']); // 'VA_SESSION__BARGE_IN__MIN_SPEECH_MS'
 * ```
 */
import { ConfigError } from './config-error.js';
import { configKeys, keyAt, RECORD_KEY, takesText, type ConfigKey } from './keys.js';
import { AppConfigSchema } from './schema.js';

/** `VA_` variables that are not settings, and what they are. */
export const NON_CONFIG_VARIABLES: Readonly<Record<string, string>> = {
  VA_CONFIG: 'the configuration file (as `--config FILE`)',
  VA_API_KEY: 'the API key `voice-agent watch` presents to the server (as `--key`)',
};

/** Keys that moved, and where to: a file or variable that still sets one is told where it went. */
export const MOVED_KEYS: Readonly<Record<string, string>> = {
  'session.bargeIn.enabled': 'features.bargeIn',
  'session.filler': 'features.filler',
  'session.minConfidence': 'stt.minConfidence',
  'session.languagePrompts': 'languages.<tag>.systemPrompt',
  // A partial is no longer a stop on one sure report: minConfidence now holds on two.
  'session.estop.sureConfidence': 'session.estop.minConfidence',
};

/**
 * What to say about a path that is not a key: where it moved, or the nearest real key (variable first when
 * `byVariable`).
 */
export function notAKey(segments: readonly string[], byVariable = false): string {
  const name = (path: string[]) =>
    byVariable ? `${envNameFor(path)} (${path.join('.')})` : `${path.join('.')} (${envNameFor(path)})`;
  const moved = MOVED_KEYS[segments.join('.')];
  if (moved) return `moved to ${name(moved.split('.'))}`;
  return `not a setting; the nearest is ${name(nearestKey(segments))}`;
}

let keys: ConfigKey[] | undefined;
/** Every key of the application configuration (read from the schema once). */
export const appConfigKeys = (): readonly ConfigKey[] => (keys ??= configKeys(AppConfigSchema));

const snake = (segment: string) =>
  segment === RECORD_KEY ? '<TAG>' : segment.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
const camel = (s: string) => s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The variable that sets a key: `['llm', 'baseUrl']` → `VA_LLM__BASE_URL`. */
export function envNameFor(segments: readonly string[]): string {
  return `VA_${segments.map(snake).join('__')}`;
}

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next.push(Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    row = next;
  }
  return row[b.length]!;
}

/** The candidate closest to `name`. */
export function nearest(name: string, candidates: readonly string[]): string {
  let best = candidates[0]!;
  for (const c of candidates) if (distance(name, c) < distance(name, best)) best = c;
  return best;
}

/** The real key nearest to a wrong path (a record's key as given: `languages.zh.voice`). */
export function nearestKey(segments: readonly string[]): string[] {
  const known = appConfigKeys().map((k) =>
    k.segments.map((s, i) => (s === RECORD_KEY ? (segments[i] ?? s) : s)).join('.'),
  );
  return nearest(segments.join('.'), known).split('.');
}

function valueFor(key: ConfigKey | undefined, raw: string, inside: boolean): unknown {
  if (key && !inside && takesText(key)) return key.nullable && raw === 'null' ? null : raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw; // Plain strings stay strings.
  }
}

/** Whether a path names a section of keys (`server.tls`), which a variable may set whole, as JSON. */
function isSection(segments: readonly string[]): boolean {
  return appConfigKeys().some(
    (k) =>
      k.segments.length > segments.length &&
      segments.every((s, i) => s === k.segments[i] || k.segments[i] === RECORD_KEY),
  );
}

/** Reads the `VA_*` settings into a nested object (`VA_LLM__BASE_URL` → `{ llm: { baseUrl } }`). */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('VA_') || name in NON_CONFIG_VARIABLES || raw === undefined) continue;
    const path = name.slice(3).split('__').map(camel);
    const key = keyAt(appConfigKeys(), path);
    if (!key && !isSection(path)) {
      unknown.push(`  ${name}: ${notAKey(path, true)}`);
      continue;
    }
    let node = out;
    for (const part of path.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[path[path.length - 1]!] = valueFor(key, raw, key !== undefined && key.segments.length < path.length);
  }
  if (unknown.length > 0) {
    const others = Object.keys(NON_CONFIG_VARIABLES).join(', ');
    throw new ConfigError(
      `unknown configuration variables:\n${unknown.join('\n')}\n(every setting and its variable: ` +
        `docs/configuration.md; the only others read are ${others})`,
    );
  }
  return out;
}
