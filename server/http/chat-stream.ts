/**
 * `POST /chat/stream` (Server-Sent Events), the dialog-engine contract from the seeds: a request
 * `{ sessionId, turn, type: "TEXT" | "ASR_FINAL" | "COMMAND", content, meta }` is one turn of that
 * session (a new `sessionId` creates the session for the caller's key), answered by `text-delta
 * { content, eos }` events as tokens arrive and `done { stats: { ttft_ms, tokens, total_ms } }`, or
 * `error { code, message }`. Text turns land in the same history as voice turns. `COMMAND` content is
 * `STOP` or `END`. On NATS, a session that runs on another `serve` process is reached over the bus.
 *
 * @example
 * ```sh
 * curl -N -H 'Authorization: Bearer $KEY' \
 *   -d '{"sessionId":"s1","turn":1,"type":"TEXT","content":"hello"}' http://127.0.0.1:8080/chat/stream
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Clock } from '../../adapters/clock.js';
import type { MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { ReplyCancelReason } from '../../bus/notices.js';
import type { SessionManager } from '../session-manager.js';

export const ChatRequestSchema = z
  .object({
    sessionId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'sessionId must be 1-64 of A-Z a-z 0-9 _ -'),
    turn: z.number().int().nonnegative().optional(),
    type: z.enum(['TEXT', 'ASR_FINAL', 'COMMAND']),
    content: z.string().min(1).max(10_000),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type ChatRequest = z.infer<typeof ChatRequestSchema>;

export interface ChatStreamContext {
  manager: SessionManager;
  bus: MessageBus;
  clock: Clock;
  owner: string | undefined;
  /** Why a deadline: a turn whose reply never comes (engine down) must still end the HTTP request. */
  turnTimeoutMs: number;
}

/** Thrown for a request the server refuses before streaming; `status` is the HTTP status. */
export class ChatRequestError extends Error {
  override name = 'ChatRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function streamChat(request: ChatRequest, res: ServerResponse, context: ChatStreamContext): Promise<void> {
  const { manager, bus, clock, owner } = context;
  let session = manager.get(request.sessionId);
  // On NATS the session may run on another host: its turns go to it over the bus, as any process may steer it.
  const remote = session || !manager.directory ? undefined : await manager.directory.lookup(request.sessionId);
  // Another key's session is reported as absent: a client can never learn of, or address, it.
  if ((session ?? remote) && (session ? session.owner : remote!.owner) !== owner) {
    throw new ChatRequestError(404, 'session_not_found', `session ${request.sessionId} does not exist for this key`);
  }
  if (request.type === 'COMMAND') {
    const command = request.content.trim().toUpperCase();
    if (command !== 'STOP' && command !== 'END')
      throw new ChatRequestError(
        400,
        'invalid_command',
        `COMMAND content must be STOP or END, not "${request.content.slice(0, 32)}"`,
      );
    if (!session && !remote)
      throw new ChatRequestError(404, 'session_not_found', `session ${request.sessionId} does not exist for this key`);
    bus.publish({
      type: command === 'STOP' ? 'control.stop' : 'control.end',
      sessionId: request.sessionId,
      turnId: '-',
    });
    openStream(res);
    send(res, 'done', { stats: { ttft_ms: null, tokens: 0, total_ms: 0 } });
    res.end();
    return;
  }
  if (!remote)
    session ??= await manager.create({ sessionId: request.sessionId, ...(owner !== undefined ? { owner } : {}) });
  session?.touch();
  const sessionId = request.sessionId;
  const startedAtMs = clock.now();
  openStream(res);

  await new Promise<void>((resolve) => {
    let turnId: string | undefined;
    let tokens = 0;
    let firstTokenAtMs: number | undefined;
    const finish = (event: 'done' | 'error', data: object) => {
      clock.clearTimeout(deadline);
      for (const s of subs) s.unsubscribe();
      if (event === 'done') send(res, 'text-delta', { content: '', eos: true });
      send(res, event, data);
      res.end();
      resolve();
    };
    const stats = () => ({
      stats: {
        ttft_ms: firstTokenAtMs === undefined ? null : Math.round(firstTokenAtMs - startedAtMs),
        tokens,
        total_ms: Math.round(clock.now() - startedAtMs),
      },
    });
    const onMessage = (m: BusMessage) => {
      // Our turn is the text turn whose user entry carries this request's text.
      if (turnId === undefined) {
        if (m.type === 'session.history' && m.role === 'user' && m.turnId.startsWith('t') && m.text === request.content)
          turnId = m.turnId;
        return;
      }
      if (m.turnId !== turnId) return;
      if (m.type === 'llm.token' && m.text) {
        firstTokenAtMs ??= clock.now();
        tokens++;
        send(res, 'text-delta', { content: m.text, eos: false });
      } else if (m.type === 'llm.done') finish('done', stats());
      else if (m.type === 'llm.error') finish('error', { code: 'llm_error', message: m.message });
      else if (m.type === 'session.notice' && m.code === 'reply_cancelled') {
        // Cut by the user (speech, STOP): the reply is done as far as it got; cut by anything else, it failed.
        if (m.reason === ReplyCancelReason.barge_in || m.reason === ReplyCancelReason.stop)
          finish('done', { ...stats(), interrupted: m.reason });
        else finish('error', { code: 'reply_failed', message: `the reply ended: ${m.reason}` });
      }
    };
    const subs = (['session.history', 'llm.token', 'llm.done', 'llm.error', 'session.notice'] as const).map((type) =>
      bus.subscribe(bus.subjects.forEvent(sessionId, type), onMessage),
    );
    const deadline = clock.setTimeout(
      () => finish('error', { code: 'timeout', message: `no complete reply within ${context.turnTimeoutMs} ms` }),
      context.turnTimeoutMs,
    );
    res.on('close', () => {
      if (!res.writableEnded) {
        clock.clearTimeout(deadline);
        for (const s of subs) s.unsubscribe();
        resolve();
      }
    });
    // What the session's `sendText` publishes; a session on another host gets it the same way.
    void bus.flush().then(() => bus.publish({ type: 'user.text', sessionId, turnId: '-', text: request.content }));
  });
}

function openStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
}

function send(res: ServerResponse, event: string, data: object): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** Reads a JSON body up to `maxBytes`; throws {@link ChatRequestError} for too large, not JSON or invalid. */
export async function readChatRequest(req: IncomingMessage, maxBytes: number): Promise<ChatRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > maxBytes)
      throw new ChatRequestError(413, 'request_too_large', `the request body is larger than ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new ChatRequestError(
      400,
      'invalid_json',
      'the request body is not JSON: send {"sessionId","turn","type","content","meta"}',
    );
  }
  const parsed = ChatRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ChatRequestError(400, 'invalid_request', `${issue.path.join('.') || '(body)'}: ${issue.message}`);
  }
  return parsed.data;
}
