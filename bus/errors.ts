/** Typed bus errors; each carries the underlying `cause` and says how to fix the problem. */

export class BusError extends Error {
  override name = 'BusError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A request got no answer in time. */
export class BusTimeoutError extends BusError {
  override name = 'BusTimeoutError';
}

/** A request went to a subject nobody listens on: start the worker or check the subject prefix. */
export class NoRespondersError extends BusError {
  override name = 'NoRespondersError';
}

/** The transport was closed; create a new one. */
export class BusClosedError extends BusError {
  override name = 'BusClosedError';
}

/** The NATS server could not be reached. */
export class BusConnectError extends BusError {
  override name = 'BusConnectError';
}

/** A payload failed to decode or validate. Never thrown into a session: reported as `session.error`. */
export class InvalidMessageError extends BusError {
  override name = 'InvalidMessageError';
  constructor(
    message: string,
    readonly subject: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
