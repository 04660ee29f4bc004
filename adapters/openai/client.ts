/**
 * What every OpenAI-compatible adapter shares: one SDK client per engine (its fetch keeps HTTP
 * connections alive between requests, so a turn never pays a TCP or TLS handshake) and one way to turn
 * SDK failures into messages that name the server and the fix.
 */
import type OpenAI from 'openai';
import { importOptional, requirePackage } from '../optional-package.js';

// Optional: only the OpenAI-compatible engines need it (see optional-package.ts).
const openAiPackage = await importOptional(() => import('openai'), 'openai');

/** The `openai` package, or an error naming the install command. */
export function requireOpenAiPackage(neededBy = 'an OpenAI-compatible engine'): typeof import('openai') {
  return requirePackage(openAiPackage, 'openai', neededBy);
}

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
  const { OpenAI: Client } = requireOpenAiPackage(`the OpenAI-compatible server at ${endpoint.baseUrl}`);
  return new Client({
    baseURL: endpoint.baseUrl,
    apiKey: endpoint.apiKey ?? 'not-needed',
    timeout: endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRetries: 0,
  });
}

/**
 * Whether the server may answer a retry: timeouts, conflicts, rate limits and server errors may pass, an
 * unreachable server may come back; any other 4xx (a bad key, an unknown model) fails every time.
 */
export function isRetryableServiceError(error: unknown): boolean {
  const status = apiErrorStatus(error);
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * `<what> at <url> answered 404 (…): <check>` or `<what> at <url> is unreachable (…): is it running? <setting>`.
 */
export function describeServiceError(
  error: unknown,
  what: string,
  baseUrl: string,
  check: string,
  setting: string,
): string {
  const status = apiErrorStatus(error);
  const reason = error instanceof Error ? error.message : String(error);
  return status
    ? `${what} at ${baseUrl} answered ${status} (${reason}): ${check}`
    : `${what} at ${baseUrl} is unreachable (${reason}): is it running? check ${setting}`;
}

/** The HTTP status of an `openai` SDK error (`undefined` for a connection failure or any other error). */
export function apiErrorStatus(error: unknown): number | undefined {
  return openAiPackage && error instanceof openAiPackage.APIError ? error.status : undefined;
}
