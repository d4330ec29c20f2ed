import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError } from '../../workflows/errors.js';
import {
  AppendTooLargeError,
  EventStoreUnavailableError,
  IdempotencyMismatchError,
  WrongExpectedRevisionError,
} from '../event-store/event-store.port.js';
import { HttpProblem } from './http-errors.js';

export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [member: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const problemType = (code: string) => `urn:quality-award:problem:${code.toLowerCase().replace(/_/g, '-')}`;

/** Maps any thrown error to one RFC 7807 problem. Everything not recognised is a 500, and logged. */
export function toProblem(error: unknown): ProblemDocument {
  const make = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}): ProblemDocument => ({
    type: problemType(code),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extra,
  });

  if (error instanceof HttpProblem) return make(error.status, error.code, error.message, error.details);
  if (error instanceof DomainError) return make(error.status, error.code, error.message, error.details);
  if (error instanceof WrongExpectedRevisionError) {
    return make(409, 'CONCURRENCY_CONFLICT', 'The record changed since it was read; read it again and retry', {
      expectedRevision: error.expectedRevision,
      actualRevision: error.actualRevision,
    });
  }
  if (error instanceof IdempotencyMismatchError) return make(422, error.code, error.message);
  if (error instanceof AppendTooLargeError) {
    return make(422, error.code, 'The event store refused to record this decision: it is larger than the store accepts in one append. Nothing was written', {
      ...(error.maxBytes !== undefined ? { maxBytes: error.maxBytes } : {}),
      ...(error.bytes !== undefined ? { bytes: error.bytes } : {}),
    });
  }
  if (error instanceof EventStoreUnavailableError) {
    return make(503, error.code, 'The event store is unavailable; the request may be retried with the same Idempotency-Key');
  }
  // Errors of other layers that carry a stable code and an HTTP status (e.g. the award service's 412).
  if (isCodedError(error)) return make(error.status, error.code, error.message, codedDetails(error));
  // body-parser errors arrive with a `type`, bare or wrapped by Nest's adapter as the cause.
  const parserType =
    (error as { type?: string } | null)?.type ?? ((error as { cause?: { type?: string } } | null)?.cause?.type);
  if (parserType === 'entity.parse.failed') return make(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
  if (parserType === 'entity.too.large') return make(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large');
  if (parserType === 'encoding.unsupported' || parserType === 'charset.unsupported') {
    return make(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported request encoding');
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = status === 404 ? 'NOT_FOUND' : status === 405 ? 'METHOD_NOT_ALLOWED' : `HTTP_${status}`;
    return make(status, code, error.message);
  }
  return make(500, 'INTERNAL_ERROR', 'An unexpected error occurred; it has been logged');
}

function isCodedError(error: unknown): error is Error & { code: string; status: number } {
  const candidate = error as { code?: unknown; status?: unknown } | null;
  return (
    error instanceof Error &&
    typeof candidate?.code === 'string' &&
    /^[A-Z][A-Z0-9_]+$/.test(candidate.code) &&
    typeof candidate.status === 'number' &&
    candidate.status >= 400 &&
    candidate.status < 600
  );
}

function codedDetails(error: Error): Record<string, unknown> {
  const details = (error as { details?: unknown }).details;
  return details && typeof details === 'object' ? (details as Record<string, unknown>) : {};
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const problem = toProblem(error);
    problem.instance = request.originalUrl?.split('?')[0];
    if (problem.status >= 500) {
      this.logger.error({ err: error, code: problem.code }, 'request failed');
    }
    (response as Response & { locals: Record<string, unknown> }).locals.problemCode = problem.code;
    if (response.headersSent) return;
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}
