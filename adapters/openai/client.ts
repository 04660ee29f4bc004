/**
 * What every OpenAI-compatible adapter shares: one SDK client per engine (its fetch keeps HTTP
 * connections alive between requests, so a turn never pays a TCP or TLS handshake) and one way to turn
 * SDK failures into messages that name the server and the fix.
 */
import OpenAI from 'openai';

export interface OpenAiEndpoint {
  /** Includes the API version path, e.g. `http://127.0.0.1:8000/v1`. */
  baseUrl: string;
  /** Local servers ignore it; the SDK requires a value, so a placeholder is sent when unset. */
  apiKey?: string;
  timeoutMs?: number;
}

/** Why 30 s by default: a stalled server must not hold a turn forever (the session has its own timers too). */
const DEFAULT_TIMEOUT_MS = 30_000;

export function createOpenAiClient(endpoint: OpenAiEndpoint): OpenAI {
  // Why no retries: a retried request arrives too late to be spoken; the session's failover is faster.
  return new OpenAI({ baseURL: endpoint.baseUrl, apiKey: endpoint.apiKey ?? 'not-needed', timeout: endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxRetries: 0 });
}

/**
 * Whether the server may answer a retry: timeouts, conflicts, rate limits and server errors may pass, an
 * unreachable server may come back; any other 4xx (a bad key, an unknown model) fails every time.
 */
export function isRetryableServiceError(error: unknown): boolean {
  const status = error instanceof OpenAI.APIError ? error.status : undefined;
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * `<what> at <url> answered 404 (…): <check>` or `<what> at <url> is unreachable (…): is it running? <setting>`.
 */
export function describeServiceError(error: unknown, what: string, baseUrl: string, check: string, setting: string): string {
  const status = error instanceof OpenAI.APIError ? error.status : undefined;
  const reason = error instanceof Error ? error.message : String(error);
  return status
    ? `${what} at ${baseUrl} answered ${status} (${reason}): ${check}`
    : `${what} at ${baseUrl} is unreachable (${reason}): is it running? check ${setting}`;
}
