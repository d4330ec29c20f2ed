import { DomainError } from '../../workflows/errors.js';

/** If-Match named a revision the stream is no longer at (412); nothing was written. */
export class PreconditionFailedError extends DomainError {
  readonly code = 'PRECONDITION_FAILED';
  readonly status = 412;
  constructor(
    readonly streamId: string,
    readonly expectedRevision: number,
    readonly actualRevision: number | 'no_stream',
  ) {
    super(`${streamId} is at revision ${String(actualRevision)}, not ${expectedRevision}`, {
      expectedRevision,
      actualRevision,
    });
  }
}
