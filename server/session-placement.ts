/**
 * Sessions for robots on NATS: a request on `<prefix>.sessions.create` (JSON `{ "sessionId"?: string }`)
 * is answered by one `voice-agent serve` of the queue group `session-hosts` with the new session's id, the
 * host that runs it and its subjects. Several serve processes — on one machine or many, one NATS
 * cluster — share the sessions this way. A host at its session limit leaves the queue group until a
 * session ends, so requests go to hosts with room; a host that dies drops out of the group with its
 * connection, and new sessions go to the others while theirs carry on.
 *
 * @example
 * ```ts
 * const placement = serveSessionPlacement({ bus, manager, hostId: 'host-a', maxSessions: 100 });
 * // a robot: JSON.parse(await transport.request('va.sessions.create', encode({}), { timeoutMs: 2000 }))
 * ```
 */
import { z } from 'zod';
import type { MessageBus } from '../bus/message-bus.js';
import { sessionsCreateSubject } from '../bus/subjects.js';
import type { Subscription } from '../bus/transport.js';
import { silentLogger, type Logger } from '../runtime/logger.js';
import { SessionDirectoryError } from './session-directory.js';
import { SessionExistsError, SessionLimitError, type SessionManager } from './session-manager.js';

export const SESSION_HOSTS_QUEUE = 'session-hosts';

export const CreateSessionRequestSchema = z
  .object({
    sessionId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
  })
  .strict();

export type CreateSessionReply =
  | {
      ok: true;
      sessionId: string;
      hostId: string;
      subjects: { audioIn: string; audioOut: string; audioClear: string; control: string; session: string };
    }
  | { ok: false; error: { code: string; message: string } };

export interface SessionPlacement {
  stop(): void;
}

export interface SessionPlacementOptions {
  bus: MessageBus;
  manager: SessionManager;
  hostId: string;
  maxSessions: number;
  log?: Logger;
}

const encode = (reply: CreateSessionReply) => new TextEncoder().encode(JSON.stringify(reply));

export function serveSessionPlacement({
  bus,
  manager,
  hostId,
  maxSessions,
  log = silentLogger,
}: SessionPlacementOptions): SessionPlacement {
  const subject = sessionsCreateSubject(bus.prefix);
  let subscription: Subscription | undefined;
  let stopped = false;

  const onRequest = async (data: Uint8Array, respond: (reply: Uint8Array) => void) => {
    let request: z.infer<typeof CreateSessionRequestSchema>;
    try {
      request = CreateSessionRequestSchema.parse(
        data.byteLength === 0 ? {} : JSON.parse(new TextDecoder().decode(data)),
      );
    } catch {
      return respond(
        encode({
          ok: false,
          error: {
            code: 'invalid_request',
            message: 'send JSON {"sessionId"?: "1-64 of A-Z a-z 0-9 _ -"} on sessions.create',
          },
        }),
      );
    }
    try {
      const session = await manager.create(request.sessionId ? { sessionId: request.sessionId } : {});
      const s = (event: Parameters<MessageBus['subjects']['forEvent']>[1]) => bus.subjects.forEvent(session.id, event);
      respond(
        encode({
          ok: true,
          sessionId: session.id,
          hostId,
          subjects: {
            audioIn: s('audio.frame'),
            audioOut: s('audio.out'),
            audioClear: s('audio.clear'),
            control: `${bus.prefix}.${session.id}.control.*`,
            session: `${bus.prefix}.${session.id}.session.*`,
          },
        }),
      );
    } catch (error) {
      const code =
        error instanceof SessionLimitError
          ? error.scope === 'capacity'
            ? 'server_at_capacity'
            : 'too_many_sessions'
          : error instanceof SessionExistsError
            ? 'session_exists'
            : error instanceof SessionDirectoryError
              ? 'session_directory_unavailable'
              : 'session_failed';
      if (code === 'session_failed') log.error('session placement failed', { error });
      respond(encode({ ok: false, error: { code, message: (error as Error).message } }));
    } finally {
      updateMembership();
    }
  };

  /** In the queue group while there is room; out of it (so others get the requests) when full or draining. */
  const updateMembership = () => {
    const room = !stopped && !manager.draining && manager.size < maxSessions;
    if (room && !subscription) {
      subscription = bus.transport.subscribe(subject, (d) => d.respond && void onRequest(d.data, d.respond), {
        queue: SESSION_HOSTS_QUEUE,
      });
    } else if (!room && subscription) {
      subscription.unsubscribe();
      subscription = undefined;
    }
  };
  manager.onEnded(updateMembership);
  updateMembership();
  return {
    stop() {
      stopped = true;
      updateMembership();
    },
  };
}
