/**
 * The session chart's states as exported vocabularies, so a client compares against a name, never a bare
 * string: the dialog region's top states and the actions region's states. `session.state` carries the
 * flattened value (`speaking.reply.playing+user.silent+actions.running`); {@link splitSessionState} reads
 * it back into the two regions. test/machines/states.test.ts checks these lists against the machine.
 *
 * @example
 * ```ts
 * const { dialog, actions } = splitSessionState('idle.waiting+actions.running');
 * dialog === DialogState.idle; // true
 * actions === ActionsState.running; // true
 * ```
 */

/** The dialog region's top states (its leaves are `idle.waiting`, `processing.reply.thinking`, …). */
export const DIALOG_STATES = ['idle', 'listening', 'processing', 'speaking', 'ended'] as const;
export type DialogState = (typeof DIALOG_STATES)[number];
export const DialogState = Object.fromEntries(DIALOG_STATES.map((s) => [s, s])) as { readonly [S in DialogState]: S };

/** The actions region: no action, asking the user to confirm, asked of the executor, running, session ended. */
export const ACTIONS_STATES = ['idle', 'confirming', 'requested', 'running', 'ended'] as const;
export type ActionsState = (typeof ACTIONS_STATES)[number];
export const ActionsState = Object.fromEntries(ACTIONS_STATES.map((s) => [s, s])) as { readonly [S in ActionsState]: S };

/** The activation region's top states (`session.activation`): `always` mode, the gate closed or open, session ended. */
export const ACTIVATION_STATES = ['routing', 'ungated', 'closed', 'open', 'ended'] as const;
export type ActivationState = (typeof ACTIVATION_STATES)[number];

/** A flattened state value read back: the dialog's top state, its whole path, and the actions region's state. */
export interface SessionStateParts {
  dialog: DialogState;
  /** The dialog region as published: `speaking.reply.playing+user.silent`. */
  dialogPath: string;
  actions: ActionsState;
}

/**
 * Splits a published state value (`session.state`'s `value`) into its regions. The actions region is
 * only written while an action is under way, so a value without `+actions.` is `idle` there. Throws for
 * a value no session chart publishes.
 *
 * @example
 * ```ts
 * splitSessionState('speaking.reply.playing+user.silent+actions.running');
 * // { dialog: 'speaking', dialogPath: 'speaking.reply.playing+user.silent', actions: 'running' }
 * ```
 */
export function splitSessionState(value: string): SessionStateParts {
  const at = value.indexOf('+actions.');
  const dialogPath = at < 0 ? value : value.slice(0, at);
  const actions = at < 0 ? 'idle' : value.slice(at + '+actions.'.length);
  const dialog = dialogPath.split('.')[0]!;
  if (!(DIALOG_STATES as readonly string[]).includes(dialog) || !(ACTIONS_STATES as readonly string[]).includes(actions)) {
    throw new Error(`"${value}" is not a session state value: expected <${DIALOG_STATES.join('|')}>[.…][+actions.<${ACTIONS_STATES.join('|')}>]`);
  }
  return { dialog: dialog as DialogState, dialogPath, actions: actions as ActionsState };
}
