/**
 * The ids that correlate bus messages: turn ids and action ids, as zod schemas and as types. Apart from
 * `messages.ts` so the notice vocabulary (`notices.ts`), which `messages.ts` builds on, can use them too.
 *
 * @example
 * ```ts
 * const id: TurnId = `r${3}`; // a resumed reply's id, typed where it is made
 * isTurnId('u12'); // true
 * isTurnId('-'); // false: the session's own turn is `SESSION_TURN`
 * ```
 */
import { z } from 'zod';

/** The turnId of messages that belong to the session, not to one turn (mic frames, control). */
export const SESSION_TURN = '-';

/**
 * What a turn id's letter says it is: `u` a user utterance (minted by the VAD), `t` a typed user message,
 * `s` a SAY request, `r` a reply under an id of its own (resumed after a false interruption, or answering
 * after a discarded guess), `f` a follow-up reply that speaks an action's outcome (minted by the session).
 */
export type TurnLetter = 'u' | 't' | 's' | 'r' | 'f';
/** One turn's id: its letter and its count (`u1`, `r2`); the letter keeps the counters from colliding. */
export type TurnId = `${TurnLetter}${number}`;
/** A turn id, or {@link SESSION_TURN} for what belongs to the session as a whole. */
export type TurnRef = TurnId | typeof SESSION_TURN;

const TURN_ID = /^[utsrf]\d{1,9}$/;
/** Whether `value` is one turn's id (not `-`). */
export const isTurnId = (value: unknown): value is TurnId => typeof value === 'string' && TURN_ID.test(value);

/** Turn ids as messages carry them: `-` or one turn's id (see {@link TurnLetter}). */
export const TurnIdSchema = z
  .string()
  .regex(/^(-|[utsrf]\d{1,9})$/, 'turnId must be "-" or u<n>, t<n>, s<n>, r<n>, f<n>');
/** One turn's id, typed as {@link TurnId}: where a field names a turn and never the session. */
export const OneTurnIdSchema = z.custom<TurnId>(isTurnId, 'must be a turn id: u<n>, t<n>, s<n>, r<n> or f<n>');

/** An action's id: `a<n>`, minted by the session for each action it asks for. */
export type ActionId = `a${number}`;
const ACTION_ID = /^a\d{1,9}$/;
/** Whether `value` is an action's id. */
export const isActionId = (value: unknown): value is ActionId => typeof value === 'string' && ACTION_ID.test(value);
/** Action ids: `a<n>`, minted by the session for each action it asks for. */
export const ActionIdSchema = z.string().regex(ACTION_ID, 'actionId must be a<n>');

/** An action's name: what the LLM calls and a controller filters on. */
export const ActionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'an action name is 1-64 characters of A-Z, a-z, 0-9, "_" or "-"');
