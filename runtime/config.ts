/**
 * The application's typed configuration: a JSON file plus environment variables, validated with zod.
 * Every field has a default, so an empty file (or none) runs the embedded local stack. Every key, its
 * type, default, variable and why: docs/configuration.md, generated from the schema (runtime/config/).
 *
 * Environment variables override the file, and flags (`overrides`) override both: `VA_<PATH>` with `__`
 * between levels, e.g. `VA_LLM__ENGINE=openai`, `VA_LLM__BASE_URL=http://127.0.0.1:11434/v1`,
 * `VA_FEATURES__BARGE_IN=false` (runtime/config/env.ts). `VA_CONFIG` names the file; `OPENAI_API_KEY`
 * fills `llm.apiKey`, `stt.apiKey` and the OpenAI voices' keys.
 *
 * @example
 * ```ts
 * const config = loadConfig({ file: 'voice-agent.json', env: process.env });
 * config.llm.engine; // 'rules' unless the file or VA_LLM__ENGINE says otherwise
 * ```
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError } from './config/config-error.js';
import { appConfigKeys, configFromEnv, envNameFor, notAKey } from './config/env.js';
import { keyAt } from './config/keys.js';
import { AppConfigSchema, type AppConfig } from './config/schema.js';

export { ConfigError } from './config/config-error.js';
export { CONFIG_DEFAULTS, DEFAULT_GRAMMAR_MLLR } from './config/defaults.js';
export { configFromEnv, envNameFor, MOVED_KEYS, NON_CONFIG_VARIABLES } from './config/env.js';
export { AppConfigSchema, type AppConfig } from './config/schema.js';

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return base;
  if (
    typeof base !== 'object' ||
    base === null ||
    Array.isArray(base) ||
    typeof over !== 'object' ||
    over === null ||
    Array.isArray(over)
  )
    return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = merge(out[k], v);
  return out;
}

export interface LoadConfigOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Highest precedence (CLI flags). */
  overrides?: Record<string, unknown>;
}

function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`config file ${file} cannot be read: check the path (or unset VA_CONFIG)`, { cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/** One line per problem: the key, what is wrong, and where to set it (the file, or the key's own variable). */
function describeIssue(issue: z.core.$ZodIssue, file: string | undefined): string[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys')
    return issue.keys.map((k) => `  ${[...path, k].join('.')}: ${notAKey([...path, k])}`);
  const key = keyAt(appConfigKeys(), path);
  const variable = key ? envNameFor(path.slice(0, key.segments.length)) : undefined;
  // A language tag with a region (`zh-CN`) makes no variable name a shell accepts: only the file sets it.
  const where = `${file ?? 'the config file'}${variable && /^[A-Z0-9_]+$/.test(variable) ? ` or ${variable}` : ''}`;
  return [`  ${path.join('.') || '(root)'}: ${issue.message} (set it in ${where})`];
}

export function loadConfig(options: LoadConfigOptions = {}): AppConfig {
  const env = options.env ?? {};
  const file = options.file ?? env.VA_CONFIG;
  const fromFile = file ? readConfigFile(file) : {};
  let merged = merge(merge(fromFile, configFromEnv(env)), options.overrides ?? {});
  const apiKey = env.OPENAI_API_KEY;
  if (apiKey) merged = merge({ llm: { apiKey }, stt: { apiKey } }, merged);
  const result = AppConfigSchema.safeParse(merged);
  if (!result.success)
    throw new ConfigError(
      `invalid configuration:\n${result.error.issues.flatMap((i) => describeIssue(i, file)).join('\n')}`,
    );
  const config = result.data;
  if (apiKey) {
    for (const chain of [config.tts.engines, ...Object.values(config.languages).map((l) => l.tts ?? [])]) {
      for (const spec of chain) if (spec.engine === 'openai') spec.apiKey ??= apiKey;
    }
  }
  return config;
}
