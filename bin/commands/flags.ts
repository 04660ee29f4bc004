/**
 * Command-line parsing for every `voice-agent` command: `node:util` `parseArgs` in strict mode, so
 * `--port=8080` and `--port 8080` both work, and an unknown option, a missing value or a stray argument is
 * a {@link UsageError} (the CLI prints it with the command's usage and exits 2).
 *
 * @example
 * ```ts
 * const { values, positionals } = parseCommandArgs(
 *   args,
 *   { out: { type: 'string' }, fast: { type: 'boolean' } },
 *   { max: 1 },
 * );
 * ```
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Parsed<O extends OptionSpec> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: boolean }>
>;

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** A wrong command line: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `--config FILE`, which every command that builds engines takes. */
export const CONFIG_OPTION = { config: { type: 'string' } } as const satisfies OptionSpec;

export function parseCommandArgs<const O extends OptionSpec>(
  args: string[],
  options: O,
  positionals: { min?: number; max?: number; names?: string } = {},
): Parsed<O> {
  const { min = 0, max = 0, names = 'arguments' } = positionals;
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: max > 0 }) as Parsed<O>;
  } catch (error) {
    // Node's messages name the option and what is wrong with it ("Unknown option '--slow'", "Option '--port <value>'
    // argument missing").
    throw new UsageError((error as Error).message.split('. To specify a positional')[0]!);
  }
  if (parsed.positionals.length < min) throw new UsageError(`missing ${names}`);
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument "${parsed.positionals[max]}"`);
  return parsed;
}
