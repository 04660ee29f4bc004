/**
 * Defaults of the records settings, in a module without dependencies so the configuration schema
 * (`server/config.ts`) can use them without loading SQLite or the NATS client.
 */

export const DEFAULT_STORE_OPTIONS = {
  /**
   * Why 50 ms: a session produces a few events per second, so 20 small transactions a second cost
   * well under 1 % of a core, and a crash loses at most the last 50 ms of a session.
   */
  flushEveryMs: 50,
} as const;

export const DEFAULT_OUTBOX_OPTIONS = {
  stream: 'VA_TURNS',
  /** Why 100 ms: a restarted nats-server is back within a second; the first retries find it quickly. */
  retryMinMs: 100,
  /** Why 5 s: during a long outage one attempt every few seconds costs nothing and finds the server soon after. */
  retryMaxMs: 5000,
  /** Why 5 s: JetStream acknowledges in milliseconds; a publish unanswered this long went to a server that is gone. */
  ackTimeoutMs: 5000,
} as const;
