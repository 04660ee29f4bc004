/**
 * Which `serve` process runs a session, across the processes of one NATS cluster, so that one session id
 * never runs twice. Each host answers for its own sessions on `<prefix>.sessions.host.<sessionId>`; before
 * starting a session under a chosen id (a robot's `sessions.create`, `--sessions`, a `/chat/stream`
 * `sessionId`) a host asks there. Without the check, a second host handed the same id would start a second
 * chart on the same subjects: both would hear the robot's microphone and both would answer. A
 * `/chat/stream` turn for a session that runs on another host goes to it over the bus instead.
 *
 * Two hosts asked for the same new id within the same few milliseconds can both find it free (each asks,
 * then answers); ids that clients choose are meant to be theirs alone (a robot's name), so this closes the
 * everyday case: a session that already runs somewhere.
 *
 * @example
 * ```ts
 * const directory = createNatsSessionDirectory({ bus, hostId: 'host-a' });
 * // { hostId: 'host-b' } when robot-7 runs there, else undefined
 * const where = await directory.lookup('robot-7');
 * const answering = directory.announce('robot-8', owner); // host-a now answers for robot-8 …
 * answering.unsubscribe(); // … until its session ends
 * ```
 */
import { z } from 'zod';
import { BusTimeoutError, NoRespondersError } from '../bus/errors.js';
import type { MessageBus } from '../bus/message-bus.js';
import { sessionHostSubject } from '../bus/subjects.js';
import type { Subscription } from '../bus/transport.js';

/** Where a session runs, and whose it is (the API key's fingerprint; absent without keys). */
export interface SessionLocation {
  hostId: string;
  owner?: string;
}

export interface SessionDirectory {
  /** Where `sessionId` runs, or `undefined` when no host runs it. */
  lookup(sessionId: string): Promise<SessionLocation | undefined>;
  /** Answers for `sessionId` from now on; unsubscribe when the session ends. */
  announce(sessionId: string, owner: string | undefined): Subscription;
}

/** The directory could not tell whether a session runs elsewhere (a host that does not answer in time). */
export class SessionDirectoryError extends Error {
  override name = 'SessionDirectoryError';
}

const HostReplySchema = z
  .object({ hostId: z.string().min(1).max(200), owner: z.string().min(1).max(200).optional() })
  .strict();

/**
 * Why 1 s: a host answers from its event loop within milliseconds; one that takes longer is stalled, and
 * starting the session anyway could run it twice.
 */
const DEFAULT_TIMEOUT_MS = 1000;

export function createNatsSessionDirectory(options: {
  bus: MessageBus;
  hostId: string;
  timeoutMs?: number;
}): SessionDirectory {
  const { bus, hostId } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async lookup(sessionId) {
      const subject = sessionHostSubject(bus.prefix, sessionId);
      let data: Uint8Array;
      try {
        data = await bus.transport.request(subject, new Uint8Array(0), { timeoutMs });
      } catch (error) {
        if (error instanceof NoRespondersError) return undefined;
        if (error instanceof BusTimeoutError) {
          throw new SessionDirectoryError(
            `a host holds session ${sessionId} but did not say which within ${timeoutMs} ms: try again, or check ` +
              `the serve processes on this NATS cluster`,
            { cause: error },
          );
        }
        throw error;
      }
      const parsed = HostReplySchema.safeParse(safeJson(data));
      if (!parsed.success)
        throw new SessionDirectoryError(
          `the host of session ${sessionId} answered on ${subject} with something other than {"hostId"}: is ` +
            `another program using that subject?`,
        );
      return parsed.data.owner === undefined
        ? { hostId: parsed.data.hostId }
        : { hostId: parsed.data.hostId, owner: parsed.data.owner };
    },
    announce(sessionId, owner) {
      const reply = new TextEncoder().encode(JSON.stringify(owner === undefined ? { hostId } : { hostId, owner }));
      return bus.transport.subscribe(sessionHostSubject(bus.prefix, sessionId), (delivery) =>
        delivery.respond?.(reply),
      );
    },
  };
}

function safeJson(data: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(data));
  } catch {
    return undefined;
  }
}
