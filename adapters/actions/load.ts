/**
 * Reads a file of action declarations (a JSON array, as `examples/robot-actions.json`): every error
 * names the file, the action and the field, and says how to fix it.
 *
 * @example
 * ```ts
 * const actions = loadActionsFile('examples/robot-actions.json');
 * actions.map((a) => a.name); // ['move', 'turn', 'navigate', 'stop']
 * ```
 */
import { readFileSync } from 'node:fs';
import { ActionDeclarationError, parseActionSet, type ActionDeclaration } from './declaration.js';

/** Reads and validates the declarations in `path`; throws an {@link ActionDeclarationError}. */
export function loadActionsFile(path: string): ActionDeclaration[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ActionDeclarationError(
      `actions file ${path} cannot be read ` +
        `(${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message}): check actions.path ` +
        `(VA_ACTIONS__PATH)`,
      { cause },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ActionDeclarationError(`actions file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return parseActionSet(json, `actions file ${path}`);
}
