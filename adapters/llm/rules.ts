/**
 * The embedded default "LLM": a deterministic rule-based dialog policy. The last user message is matched
 * against the rules in order (case-insensitive regular expressions with named groups); the first match
 * answers with its reply (captures filled in) and may ask for a declared action — a robot command — as a
 * tool call before it (the session checks it against the declaration like any LLM's call). Same input,
 * same output, every time.
 *
 * @example
 * ```ts
 * const policy = createRulePolicy(loadRulesFile('examples/robot-rules.json'));
 * // "move forward two meters" → tool call move {direction:"forward", meters:"two"}, then "Moving forward two meters."
 * ```
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { sleep, type Clock } from '../clock.js';
import type { LlmDelta, LlmEngine } from './types.js';

const RuleSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]+$/),
    /**
     * Regular expressions (case-insensitive, matched against the whole cleaned utterance); named groups become
     * captures.
     */
    patterns: z.array(z.string().min(1)).min(1),
    /** Reply text; `{name}` is replaced by the capture of that name. */
    reply: z.string().min(1),
    /**
     * The declared action the rule asks for; in `args`, `{name}` in a text is replaced by the capture of
     * that name (a spoken number is read as the number the declaration asks for), other values are kept.
     */
    action: z
      .object({
        name: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, 'an action name is 1-64 characters of A-Z, a-z, 0-9, "_" or "-"'),
        args: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
      })
      .strict()
      .optional(),
  })
  .strict();

export const RulesConfigSchema = z
  .object({
    rules: z.array(RuleSchema).min(1),
    fallback: z.object({ reply: z.string().min(1) }).strict(),
  })
  .strict();

export type RulesConfig = z.infer<typeof RulesConfigSchema>;

export class RulesError extends Error {
  override name = 'RulesError';
}

/** Reads and validates a rules file; errors name the file, the rule index and the field. */
export function loadRulesFile(path: string): RulesConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new RulesError(`rules file ${path} cannot be read: check llm.rulesPath (VA_LLM__RULES_PATH)`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new RulesError(`rules file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return parseRules(json, path);
}

/**
 * Throws unless every action a rule asks for is declared: a rules file is checked at start, not when a
 * user first says the command. `source` and `actionsSource` name the files for the message.
 */
export function assertRuleActionsDeclared(
  config: RulesConfig,
  declared: readonly string[],
  source = 'rules',
  actionsSource = 'the declared actions',
): void {
  const known = new Set(declared);
  for (const rule of config.rules) {
    if (rule.action && !known.has(rule.action.name)) {
      throw new RulesError(
        `${source}: rule "${rule.id}" asks for action "${rule.action.name}", which is not declared in ` +
          `${actionsSource} (declared: ${[...known].join(', ') || 'none'}): declare it there (actions.path) or ` +
          `change the rule`,
      );
    }
  }
}

/** Validates rules (a parsed JSON object); errors name `source`, the rule index and the field. */
export function parseRules(json: unknown, source = 'rules'): RulesConfig {
  const result = RulesConfigSchema.safeParse(json);
  if (!result.success) {
    throw new RulesError(
      `${source}: ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  result.data.rules.forEach((rule, index) =>
    rule.patterns.forEach((pattern, p) => {
      try {
        new RegExp(pattern, 'i');
      } catch (cause) {
        throw new RulesError(
          `${source}: rules.${index}.patterns.${p} is not a valid regular expression: ` + `${(cause as Error).message}`,
          { cause },
        );
      }
    }),
  );
  return result.data;
}

/** Lower case, no punctuation, single spaces: what a recognizer's transcript and a typed line share. */
export function cleanUtterance(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

const fill = (template: string, groups: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, name: string) => groups[name] ?? '');

export interface RulePolicyOptions {
  /** Delay between reply tokens on `clock` (0: all at once). */
  tokenDelayMs?: number;
  clock?: Clock;
}

const compileRules = (config: RulesConfig) =>
  config.rules.map((rule) => ({ rule, patterns: rule.patterns.map((p) => new RegExp(`^(?:${p})$`, 'i')) }));

/**
 * Whether some rule matches the whole utterance — the rule policy would answer it as a command, not with
 * its fallback. The adaptive end of turn uses it to end a complete command after a short pause.
 */
export function createRuleMatcher(config: RulesConfig): (text: string) => boolean {
  const compiled = compileRules(config);
  return (text) => {
    const utterance = cleanUtterance(text);
    return compiled.some(({ patterns }) => patterns.some((p) => p.test(utterance)));
  };
}

/** What the rule policy says after an action ended without a `say` template for its outcome. */
export const RULE_FOLLOW_UPS = { succeeded: 'Done.', failed: 'That did not work.', cancelled: 'Stopped.' } as const;

/** The follow-up for a tool message's content (`{"status":"failed","outcome":"…"}`). */
function followUpText(content: string): string {
  let status: unknown;
  try {
    status = (JSON.parse(content) as { status?: unknown }).status;
  } catch {
    status = undefined;
  }
  return status === 'succeeded' || status === 'cancelled' ? RULE_FOLLOW_UPS[status] : RULE_FOLLOW_UPS.failed;
}

export function createRulePolicy(config: RulesConfig, options: RulePolicyOptions = {}): LlmEngine {
  const compiled = compileRules(config);
  let calls = 0;
  return {
    name: 'rules',
    async *stream({ messages, signal }): AsyncGenerator<LlmDelta> {
      // A follow-up (an action's outcome came after the user's last message): that command was already
      // answered, so matching it again would ask for the same action once more, after every outcome.
      const lastUser = messages.findLastIndex((m) => m.role === 'user');
      const outcome = messages.slice(lastUser + 1).findLast((m) => m.role === 'tool');
      if (outcome?.role === 'tool') {
        yield followUpText(outcome.content);
        return;
      }
      const last = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      const utterance = cleanUtterance(last);
      let reply = config.fallback.reply;
      for (const { rule, patterns } of compiled) {
        const match = patterns.map((p) => p.exec(utterance)).find((m) => m !== null);
        if (!match) continue;
        const groups = Object.fromEntries(
          Object.entries(match.groups ?? {}).filter(([, v]) => v !== undefined),
        ) as Record<string, string>;
        reply = fill(rule.reply, groups);
        if (rule.action) {
          // A capture that did not take part ("turn left" has no degrees) leaves its argument out: the declaration's
          // default applies.
          const args = Object.fromEntries(
            Object.entries(rule.action.args)
              .map(([k, v]) => [k, typeof v === 'string' ? fill(v, groups) : v])
              .filter(([, v]) => v !== ''),
          );
          yield {
            type: 'tool_call',
            id: `${rule.id}-${++calls}`,
            name: rule.action.name,
            arguments: JSON.stringify(args),
          };
        }
        break;
      }
      const words = reply.split(/\s+/).filter(Boolean);
      for (let i = 0; i < words.length; i++) {
        if (signal.aborted) return;
        if (options.tokenDelayMs && options.clock)
          await sleep(options.clock, options.tokenDelayMs, signal).catch(() => undefined);
        if (signal.aborted) return;
        yield i === 0 ? words[i]! : ` ${words[i]}`;
      }
    },
  };
}
