/**
 * The session chart's states as exported vocabularies, so a client compares against a name, never a bare
 * string: the top states of the dialog, actions and activation regions. `session.state` carries the
 * flattened value (`speaking.reply.playing+user.silent+actions.running+activation.open.window`);
 * {@link splitSessionState} reads it back into the three regions. test/machines/states.test.ts checks these
 * lists against the machine.
 *
 * @example
 * ```ts
 * const { dialog, actions, activation } = splitSessionState('idle.waiting+actions.running+activation.closed');
 * dialog === DialogState.idle; // true
 * actions === ActionsState.running; // true
 * activation === ActivationState.closed; // true
 * ```
 */

import type { SnapshotFrom } from 'xstate';
import type { SessionMachine } from './session.machine.js';

/** The dialog region's top states (its leaves are `idle.waiting`, `processing.reply.thinking`, …). */
export const DIALOG_STATES = ['idle', 'listening', 'processing', 'speaking', 'ended'] as const;
export type DialogState = (typeof DIALOG_STATES)[number];
export const DialogState = Object.fromEntries(DIALOG_STATES.map((s) => [s, s])) as { readonly [S in DialogState]: S };

/** The actions region: no action, asking the user to confirm, asked of the executor, running, session ended. */
export const ACTIONS_STATES = ['idle', 'confirming', 'requested', 'running', 'ended'] as const;
export type ActionsState = (typeof ACTIONS_STATES)[number];
export const ActionsState = Object.fromEntries(ACTIONS_STATES.map((s) => [s, s])) as {
  readonly [S in ActionsState]: S;
};
/**
 * The activation region's top states (`session.activation`): choosing the mode at start, `always` mode
 * (ungated), the gate closed or open (`wake`, `push`), session ended.
 */
export const ACTIVATION_STATES = ['routing', 'ungated', 'closed', 'open', 'ended'] as const;
export type ActivationState = (typeof ACTIVATION_STATES)[number];
export const ActivationState = Object.fromEntries(ACTIVATION_STATES.map((s) => [s, s])) as {
  readonly [S in ActivationState]: S;
};

/**
 * Where the actions and activation regions' parts start in a published value (the dialog's comes first,
 * bare). A part is written only when it says something: the actions region while an action is under way,
 * the activation region while a gate is in use (`wake`, `push`).
 */
export const STATE_PART_MARKS = { actions: '+actions.', activation: '+activation.' } as const;

/** Each region's path in a published value, unchecked (a recording's values, those of older charts too). */
export interface SessionStatePaths {
  /** The dialog region as published: `speaking.reply.playing+user.silent`. */
  dialog: string;
  /** `idle` when the value has no actions part. */
  actions: string;
  /** `open.window`; `ungated` when the value has no activation part. */
  activation: string;
}

/** `[before, after]` the first `mark` in `text`; `[text]` without one. */
function cutAt(text: string, mark: string): [string, string?] {
  const at = text.indexOf(mark);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + mark.length)];
}

/**
 * Cuts a published state value into its regions' paths, without checking them against the chart.
 *
 * @example
 * ```ts
 * sessionStatePaths('idle.waiting+activation.open.window');
 * // { dialog: 'idle.waiting', actions: 'idle', activation: 'open.window' }
 * ```
 */
export function sessionStatePaths(value: string): SessionStatePaths {
  const [beforeActivation, activation = ActivationState.ungated] = cutAt(value, STATE_PART_MARKS.activation);
  const [dialog, actions = ActionsState.idle] = cutAt(beforeActivation, STATE_PART_MARKS.actions);
  return { dialog, actions, activation };
}

/** A flattened state value read back: each region's top state, and the dialog's and activation's whole paths. */
export interface SessionStateParts {
  dialog: DialogState;
  /** The dialog region as published: `speaking.reply.playing+user.silent`. */
  dialogPath: string;
  actions: ActionsState;
  activation: ActivationState;
  /** The activation region as published: `open.window` (`ungated` in `always` mode). */
  activationPath: string;
}

const isOneOf = <T extends string>(list: readonly T[], value: string): value is T =>
  (list as readonly string[]).includes(value);

/**
 * Splits a published state value (`session.state`'s `value`) into its regions. The actions region is
 * only written while an action is under way, so a value without `+actions.` is `idle` there; the
 * activation region only while a gate is in use, so a value without `+activation.` is `ungated`. Throws
 * for a value no session chart publishes.
 *
 * @example
 * ```ts
 * splitSessionState('speaking.reply.playing+user.silent+actions.running');
 * // { dialog: 'speaking', dialogPath: 'speaking.reply.playing+user.silent', actions: 'running',
 * //   activation: 'ungated', activationPath: 'ungated' }
 * ```
 */
export function splitSessionState(value: string): SessionStateParts {
  const parts = parseSessionState(value);
  if (!parts) {
    throw new Error(
      `"${value}" is not a session state value: expected ` +
        `<${DIALOG_STATES.join('|')}>[.…][+actions.<${ACTIONS_STATES.join('|')}>]` +
        `[+activation.<${ACTIVATION_STATES.join('|')}>[.…]]`,
    );
  }
  return parts;
}

/** {@link splitSessionState} without the throw: undefined for a value no session chart publishes. */
export function parseSessionState(value: string): SessionStateParts | undefined {
  const paths = sessionStatePaths(value);
  const dialog = paths.dialog.split('.')[0]!;
  const activation = paths.activation.split('.')[0]!;
  if (
    !isOneOf(DIALOG_STATES, dialog) ||
    !isOneOf(ACTIONS_STATES, paths.actions) ||
    !isOneOf(ACTIVATION_STATES, activation)
  )
    return undefined;
  return { dialog, dialogPath: paths.dialog, actions: paths.actions, activation, activationPath: paths.activation };
}

/**
 * A state of the chart to test for, as xstate's `snapshot.matches` takes it, typed by the chart's own
 * states: `{ dialog: 'idle' }`, `{ dialog: { speaking: 'reply' } }`, `{ actions: 'running' }`.
 */
export type SessionStateMatch = Parameters<SnapshotFrom<SessionMachine>['matches']>[0];

/** Whether `value` names a dialog state (`idle`, `speaking`, …). */
export const isDialogState = (value: unknown): value is DialogState =>
  typeof value === 'string' && isOneOf(DIALOG_STATES, value);

/**
 * What `matches` asks of a snapshot: a dialog state alone (`'idle'`) means the dialog region's, anything
 * else is xstate's own `snapshot.matches` value.
 */
export const matchValue = (state: DialogState | SessionStateMatch): SessionStateMatch =>
  isDialogState(state) ? { dialog: state } : state;
