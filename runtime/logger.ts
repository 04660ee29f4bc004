/**
 * Structured logs: one JSON object per line (`{"t":"2026-11-22T20:00:00.000Z","level":"info","msg":"session
 * started","sessionId":"s1"}`), so a log shipper can index them; levels filter what is written.
 *
 * @example
 * ```ts
 * const log = createLogger({ level: 'info' });
 * log.info('session started', { sessionId: 's1' });
 * log.child({ sessionId: 's1' }).warn('client sent a malformed event', { code: 'invalid_event' });
 * ```
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (a session, a connection). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go (default: stderr, so stdout stays free for a command's own output). */
  write?: (line: string) => void;
  /** Wall-clock time for the `t` field (tests pass a fixed one). */
  now?: () => Date;
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const min = LOG_LEVELS.indexOf(options.level ?? 'info');
  const write = options.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const at = (level: LogLevel) => (msg: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(level) < min) return;
    const record: LogFields = { t: now().toISOString(), level, msg, ...bound, ...fields };
    // An Error is not JSON: keep what a reader needs.
    for (const [k, v] of Object.entries(record))
      if (v instanceof Error) record[k] = { name: v.name, message: v.message };
    write(JSON.stringify(record));
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** A logger that drops everything (tests, benches). */
export const silentLogger: Logger = createLogger({ write: () => undefined });
