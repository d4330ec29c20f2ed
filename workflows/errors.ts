/**
 * Domain errors with stable codes. Nest's single exception filter maps them to RFC 7807
 * problem+json (src/http/problem-details.filter.ts); the domain never imports Nest.
 */

export interface RuleRef {
  programme: string;
  version?: string;
  article: string;
  /** How the article was read where its wording is open or the rule only follows from it. */
  reading?: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** HTTP status the edge answers with. */
  abstract readonly status: number;
  /** Extra members for the problem document (never personal data). */
  readonly details: Record<string, unknown>;
  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

/** A regulation refuses the command (422). */
export class RuleViolationError extends DomainError {
  readonly code = 'RULE_VIOLATION';
  readonly status = 422;
  constructor(
    message: string,
    readonly rule: RuleRef,
    readonly field?: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, { ...details, rule, ...(field ? { field } : {}) });
  }
}

/** The application's (or term's) current state does not accept the command (409). */
export class IllegalTransitionError extends DomainError {
  readonly code = 'ILLEGAL_TRANSITION';
  readonly status = 409;
  constructor(
    readonly command: string,
    readonly currentState: string,
    readonly acceptedCommands: string[],
  ) {
    super(`Command '${command}' is not accepted in state '${currentState}'`, {
      command,
      currentState,
      acceptedCommands,
    });
  }
}

/** A quota would be exceeded (422, with the rule). */
export class QuotaExceededError extends RuleViolationError {
  override readonly code = 'QUOTA_EXCEEDED' as 'RULE_VIOLATION';
}

/** Input that is well-formed but wrong for the domain (422), e.g. an invalid USCC check character. */
export class InvalidInputError extends DomainError {
  readonly code = 'VALIDATION_FAILED';
  readonly status = 422;
  constructor(message: string, readonly field: string, details: Record<string, unknown> = {}) {
    super(message, { ...details, errors: [{ field, message }] });
  }
}

/** A referenced thing does not exist (404). */
export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND';
  readonly status = 404;
}

/** No policy version covers the date: an administrator must add one (422). */
export class NoPolicyVersionError extends DomainError {
  readonly code = 'NO_POLICY_VERSION';
  readonly status = 422;
}

/** The working-day calendar does not cover the year: refused, never guessed (422). */
export class CalendarYearNotCoveredError extends DomainError {
  readonly code = 'CALENDAR_YEAR_NOT_COVERED';
  readonly status = 422;
}

/** A business date is in the future or before the stream's last event (422). */
export class InvalidOccurredAtError extends DomainError {
  readonly code = 'INVALID_OCCURRED_AT';
  readonly status = 422;
}
