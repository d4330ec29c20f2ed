import { AppendTooLargeError, EventStoreUnavailableError } from '../event-store/event-store.port.js';
import { toProblem } from './problem-details.filter.js';

describe('toProblem', () => {
  it('answers a store refusal for size with 422 APPEND_TOO_LARGE and the limit, not a 500 (the request itself is small: not a 413)', () => {
    const problem = toProblem(new AppendTooLargeError(1_048_576, 1_200_000));
    expect(problem).toMatchObject({
      status: 422,
      code: 'APPEND_TOO_LARGE',
      type: 'urn:quality-award:problem:append-too-large',
      title: 'Unprocessable Content',
      maxBytes: 1_048_576,
      bytes: 1_200_000,
    });
    expect(problem.detail).toMatch(/Nothing was written/);
  });

  it('leaves out what the store did not report', () => {
    const problem = toProblem(new AppendTooLargeError(undefined, undefined));
    expect(problem.status).toBe(422);
    expect(problem).not.toHaveProperty('maxBytes');
    expect(problem).not.toHaveProperty('bytes');
  });

  it('still answers an unreachable store with 503, and anything unknown with 500', () => {
    expect(toProblem(new EventStoreUnavailableError('down')).status).toBe(503);
    expect(toProblem(new Error('boom'))).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
  });
});
