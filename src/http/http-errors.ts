/** Edge errors with stable codes; the problem-details filter renders them like domain errors. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class UnauthorizedError extends HttpProblem {
  constructor(message: string) {
    super(401, 'UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends HttpProblem {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(403, 'FORBIDDEN', message, details);
  }
}

export interface FieldError {
  field: string;
  message: string;
  constraint?: string;
}

export class ValidationFailedError extends HttpProblem {
  constructor(readonly errors: FieldError[]) {
    super(400, 'VALIDATION_FAILED', `${errors.length} field(s) failed validation`, { errors });
  }
}

/** The body is read as JSON only: another type's body would be dropped and the command run without it. */
export class UnsupportedMediaTypeError extends HttpProblem {
  constructor() {
    super(415, 'UNSUPPORTED_MEDIA_TYPE', 'A request body must be JSON (Content-Type: application/json); nothing was done');
  }
}

/** Bodies nested deeper than any command's overflow the stack of the layers after parsing. */
export class BodyTooDeepError extends HttpProblem {
  constructor(maxDepth: number) {
    super(400, 'BODY_TOO_DEEP', `The request body nests objects and lists more than ${maxDepth} levels deep`, { maxDepth });
  }
}

export class PreconditionFailedHttpError extends HttpProblem {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(412, 'PRECONDITION_FAILED', message, details);
  }
}

export class IdempotencyKeyReusedError extends HttpProblem {
  constructor() {
    super(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with a different request body');
  }
}

export class IdempotencyInProgressError extends HttpProblem {
  constructor() {
    super(409, 'IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed; retry shortly');
  }
}
