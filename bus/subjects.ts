/**
 * The subject scheme: `<prefix>.<sessionId>.<stage>.<event>`.
 *
 * One module builds and parses subjects so that no other file concatenates strings by hand.
 * Every token is a NATS-safe token (no dots, spaces or wildcards), which keeps the in-process and NATS
 * transports interchangeable.
 *
 * @example
 * ```ts
 * import { subjectFor, parseSubject } from './subjects.js';
 * const s = subjectFor({ prefix: 'va', sessionId: 'robot-1', stage: 'tts', event: 'chunk' });
 * // 'va.robot-1.tts.chunk'
 * parseSubject(s); // { prefix: 'va', sessionId: 'robot-1', stage: 'tts', event: 'chunk' }
 * ```
 */

/** Default subject prefix; override per deployment to run several fleets on one NATS account. */
export const DEFAULT_PREFIX = 'va';

/** Pipeline stages that own subjects. `session` and `control` belong to the session itself. */
export const STAGES = [
  'audio',
  'vad',
  'stt',
  'llm',
  'tts',
  'playback',
  'user',
  'control',
  'session',
  'action',
  'record',
] as const;
export type Stage = (typeof STAGES)[number];

const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** Thrown when a subject part cannot be used as a token; the message says which part and why. */
export class SubjectError extends Error {
  override name = 'SubjectError';
}

/** Checks that `value` is usable as one subject token (session ids, event names, prefixes). */
export function assertToken(kind: string, value: string): void {
  if (!TOKEN.test(value)) {
    throw new SubjectError(
      `${kind} "${value}" is not a valid subject token: use 1-64 characters of A-Z, a-z, 0-9, "_" or "-" (no dots, ` +
        `spaces or wildcards).`,
    );
  }
}

export interface SubjectParts {
  prefix: string;
  sessionId: string;
  stage: Stage;
  event: string;
}

/** Builds `<prefix>.<sessionId>.<stage>.<event>`, validating every token. */
export function subjectFor(parts: SubjectParts): string {
  assertToken('prefix', parts.prefix);
  assertToken('sessionId', parts.sessionId);
  if (!(STAGES as readonly string[]).includes(parts.stage)) {
    throw new SubjectError(`stage "${parts.stage}" is unknown: use one of ${STAGES.join(', ')}.`);
  }
  assertToken('event', parts.event);
  return `${parts.prefix}.${parts.sessionId}.${parts.stage}.${parts.event}`;
}

/** Parses a concrete subject; returns `undefined` for subjects outside the scheme. */
export function parseSubject(subject: string): SubjectParts | undefined {
  const tokens = subject.split('.');
  if (tokens.length !== 4) return undefined;
  const [prefix, sessionId, stage, event] = tokens as [string, string, string, string];
  if (![prefix, sessionId, event].every((t) => TOKEN.test(t))) return undefined;
  if (!(STAGES as readonly string[]).includes(stage)) return undefined;
  return { prefix, sessionId, stage: stage as Stage, event };
}

/**
 * Where robots on NATS ask for a session: `<prefix>.sessions.create`, served by every `voice-agent serve`
 * in one queue group, so each request lands on exactly one host. (`sessions` is outside the
 * `<prefix>.<sessionId>.<stage>.<event>` scheme on purpose: it names no session.)
 */
export function sessionsCreateSubject(prefix: string): string {
  assertToken('prefix', prefix);
  return `${prefix}.sessions.create`;
}

/**
 * Where the `serve` processes of one NATS cluster ask which of them runs a session:
 * `<prefix>.sessions.host.<sessionId>`, answered by the host that runs it (so one id never runs twice).
 * Outside the session scheme like `sessions.create`: `host` is no stage.
 */
export function sessionHostSubject(prefix: string, sessionId: string): string {
  assertToken('prefix', prefix);
  assertToken('sessionId', sessionId);
  return `${prefix}.sessions.host.${sessionId}`;
}

/** Every subject of one session: `<prefix>.<sessionId>.>`. */
export function sessionWildcard(prefix: string, sessionId: string): string {
  assertToken('prefix', prefix);
  assertToken('sessionId', sessionId);
  return `${prefix}.${sessionId}.>`;
}

/** One stage event across all sessions, e.g. `va.*.tts.request` for a worker queue group. */
export function stageWildcard(prefix: string, stage: Stage, event: string | '*'): string {
  assertToken('prefix', prefix);
  if (event !== '*') assertToken('event', event);
  return `${prefix}.*.${stage}.${event}`;
}
