/** Every failure a client can cause is a DomainException; ProblemFilter maps its code to an HTTP status. */
export enum ErrorCode {
  InvalidInput = 'invalid_input',
  Unauthenticated = 'unauthenticated',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  Conflict = 'conflict',
  PayloadTooLarge = 'payload_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  TooManyRequests = 'too_many_requests',
  Unavailable = 'unavailable',
}

export interface FieldError {
  path: string;
  message: string;
}

/** The most entries a problem's `errors` holds; past it, the last one counts the rest. */
export const MAX_FIELD_ERRORS = 100;

/**
 * The errors a problem lists: all of them up to MAX_FIELD_ERRORS, else the first MAX_FIELD_ERRORS - 1 and one entry
 * at `path` that counts the rest (of `total`, when the caller listed only the first few of them). A body within the
 * size limits can break a rule a hundred thousand times; listing, serialising and sending every one held the event
 * loop for seconds. Applied again to its own result, it changes nothing.
 */
export function listedFieldErrors(
  errors: readonly FieldError[],
  { total = errors.length, path = '$' }: { total?: number; path?: string } = {},
): FieldError[] {
  if (total <= MAX_FIELD_ERRORS) return [...errors];
  const listed = errors.slice(0, MAX_FIELD_ERRORS - 1);
  return [...listed, { path, message: `and ${total - listed.length} more errors, not listed` }];
}

export class DomainException extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'DomainException';
  }

  static invalid(message: string, errors: FieldError[] = []): DomainException {
    return new DomainException(ErrorCode.InvalidInput, message, errors);
  }

  static notFound(what: string): DomainException {
    return new DomainException(ErrorCode.NotFound, `${what} not found`);
  }

  static conflict(message: string): DomainException {
    return new DomainException(ErrorCode.Conflict, message);
  }

  static forbidden(message = 'This role may not use this endpoint'): DomainException {
    return new DomainException(ErrorCode.Forbidden, message);
  }

  static unauthenticated(message = 'A valid bearer token is required'): DomainException {
    return new DomainException(ErrorCode.Unauthenticated, message);
  }

  static unsupportedMediaType(message: string, errors: FieldError[]): DomainException {
    return new DomainException(ErrorCode.UnsupportedMediaType, message, errors);
  }
}

/** A 429: the answer carries `Retry-After` with these seconds (set by whoever sends the problem). */
export class TooManyRequestsException extends DomainException {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(ErrorCode.TooManyRequests, message);
  }
}
