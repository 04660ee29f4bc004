/** `--name value` lookup for the small CLI (no dependency for four flags). */
export function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** A wrong command line: the CLI prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Throws a {@link UsageError} naming the first argument that is not one of `known` (boolean flags). */
export function assertOnlyFlags(args: string[], known: readonly string[]): void {
  const unknown = args.find((a) => !known.includes(a));
  if (unknown !== undefined) throw new UsageError(`unknown option "${unknown}": use ${known.join(', ')}`);
}
