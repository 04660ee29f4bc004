/**
 * The transport contract both `createMemoryTransport` and `connectNatsTransport` fulfil, proven by
 * `test/bus/transport-contract.ts`:
 * - subjects are dot-separated tokens; subscriptions may use `*` (one token) and `>` (one or more
 *   trailing tokens);
 * - delivery is asynchronous (never inside `publish`), in publish order per subscriber;
 * - a queue group delivers each message to exactly one of its members; plain subscribers each get it;
 * - `request` resolves with the first reply, rejects with `NoRespondersError` when nobody listens and
 *   with `BusTimeoutError` after `timeoutMs`;
 * - a throwing handler never breaks delivery to others: the error goes to `onHandlerError`.
 */

export interface Delivery {
  subject: string;
  /** The payload bytes (for an in-process object delivery, encoded on first access). */
  readonly data: Uint8Array;
  /**
   * In-process only: the message object itself, already typed by its producer, frozen, with its own copy
   * of any audio. Saves the codec and the schema check on the hot path; see `publishObject`.
   */
  readonly message?: object;
  /** Present on requests: answer with `respond`. */
  respond?: (data: Uint8Array) => void;
}

export interface Subscription {
  unsubscribe(): void;
}

export interface SubscribeOptions {
  /** Queue group name: the message goes to one member of the group. */
  queue?: string;
}

export interface Transport {
  readonly kind: 'memory' | 'nats';
  publish(subject: string, data: Uint8Array): void;
  subscribe(pattern: string, handler: (delivery: Delivery) => void, options?: SubscribeOptions): Subscription;
  request(subject: string, data: Uint8Array, options: { timeoutMs: number }): Promise<Uint8Array>;
  /**
   * In-process transports only: publish a message object without serializing it. Subscribers each get
   * their own object and audio bytes, exactly the data a network transport would have delivered. The
   * transport takes ownership of `message`: the caller must not touch it afterwards. `subject` comes
   * from `subjectFor` (the typed bus), which validated every token, so it is not checked again here.
   * With `handOverAudio`, the first subscriber gets the message's `audio` bytes themselves (see
   * `PublishOptions.handOverAudio`).
   */
  publishObject?(subject: string, message: object, handOverAudio?: boolean): void;
  /** Resolves when everything published so far has been handed to subscribers (memory) or the server (NATS). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export type HandlerErrorListener = (error: unknown, subject: string) => void;

/** True when `subject` matches `pattern` with NATS wildcard rules. */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return p.length === s.length;
}

/** Rejects subjects that NATS would reject, so the memory transport fails the same way. */
export function assertPublishSubject(subject: string): void {
  if (subject.length === 0 || /[\s*>]/.test(subject) || subject.split('.').some((t) => t.length === 0)) {
    throw new Error(`"${subject}" is not a publishable subject: use dot-separated tokens without spaces or wildcards.`);
  }
}

export function assertSubscribePattern(pattern: string): void {
  const tokens = pattern.split('.');
  const bad =
    pattern.length === 0 ||
    /\s/.test(pattern) ||
    tokens.some(
      (t, i) =>
        t.length === 0 || (t.includes('>') && (t !== '>' || i !== tokens.length - 1)) || (t.includes('*') && t !== '*'),
    );
  if (bad)
    throw new Error(`"${pattern}" is not a valid subscription: "*" matches one token, ">" only as the last token.`);
}
