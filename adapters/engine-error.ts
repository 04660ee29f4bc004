/**
 * Engine failures that say whether trying again can help: a missing package, a bad model file or a
 * refused API key fail every time (`retryable: false`), a dropped connection or an overloaded server may
 * not. The TTS chain skips an engine that failed for good instead of coming back to it.
 *
 * @example
 * ```ts
 * throw new EngineError('eSpeak-NG is not installed: npm install @echogarden/espeak-ng-emscripten', {
 *   retryable: false,
 * });
 * isRetryable(new Error('socket hang up')); // true: unknown failures may pass
 * ```
 */
export class EngineError extends Error {
  override name = 'EngineError';
  /** False when the same request to the same engine will fail again (fix the setup first). */
  readonly retryable: boolean;
  constructor(message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
  }
}

/** Whether a failure may pass on a retry: an engine's own verdict, else true (timeouts, network errors). */
export function isRetryable(error: unknown): boolean {
  const retryable =
    typeof error === 'object' && error !== null ? (error as { retryable?: unknown }).retryable : undefined;
  return typeof retryable === 'boolean' ? retryable : true;
}

/** The error's class name (`SpeechServiceError`, `EspeakUnavailableError`), for logs and bus messages. */
export function errorType(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
