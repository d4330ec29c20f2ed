import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedRequest, Roles } from '../auth/auth.guard.js';
import { mayActOnTerm } from '../auth/jwt.js';
import type { AwardService } from '../awards/award.service.js';
import { CLOCK, type Clock } from '../clock/clock.js';
import { assertProgrammeAccess, assertTermAccess } from '../common/access.js';
import { IdPipe } from '../common/id.pipe.js';
import { isCalendarDate } from '../common/validators.js';
import { AWARD_SERVICE } from '../domain.tokens.js';
import { type FieldError, ValidationFailedError } from '../http/http-errors.js';
import { ProjectionReader } from '../projections/projection-reader.js';
import type { JsonScalar } from '../projections/projection-store.port.js';
import {
  DEADLINE_STATUSES,
  DEADLINES_PROJECTION,
  type Deadline,
  type DeadlineStatus,
  type DeadlineStreamDoc,
} from '../../projections/deadlines.js';
import { startInstant } from '../../workflows/calendar/local-date.js';

/** Deadlines in one answer unless `limit` says otherwise, and the most it may say. */
export const DEADLINES_DEFAULT_LIMIT = 500;
export const DEADLINES_MAX_LIMIT = 5000;

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export interface DeadlineView extends Omit<Deadline, 'eventId' | 'scheduledAt' | 'action'> {
  /** The command the scheduler will issue. */
  action: Deadline['action'];
  /** Due and waiting only for an open objection to be settled. */
  waiting: boolean;
}

/** The office's (and the auditor's) list of deadlines, from the durable index. */
@ApiTags('deadlines')
@Controller('deadlines')
export class DeadlinesController {
  private readonly idPipe = new IdPipe();

  constructor(
    private readonly reader: ProjectionReader,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(AWARD_SERVICE) private readonly awards: AwardService,
  ) {}

  @Get()
  @Roles('office', 'auditor', 'admin')
  @ApiOperation({ summary: 'Deadlines: publicity ends, evidence deadlines, annual reports, revocation windows, supervision terms; earliest first' })
  @ApiQuery({ name: 'due-before', required: false, description: 'ISO instant (due at or before it) or date YYYY-MM-DD (last day before that date)' })
  @ApiQuery({ name: 'programmeId', required: false })
  @ApiQuery({ name: 'termId', required: false, description: 'Only this term (403 when the token does not reach it, 404 when there is no such term)' })
  @ApiQuery({ name: 'status', required: false, enum: DEADLINE_STATUSES, description: 'Default: pending and overdue' })
  @ApiQuery({ name: 'limit', required: false, description: `At most this many, earliest first (default ${DEADLINES_DEFAULT_LIMIT}, at most ${DEADLINES_MAX_LIMIT}); \`total\` counts them all` })
  @ApiQuery({ name: 'minPosition', required: false, description: 'Wait (up to 2 s) until the index reflects this global position' })
  @ApiOkResponse({ description: '{ now, checkpoint, stale, total, truncated, deadlines: DeadlineView[] }' })
  async list(
    @Req() req: AuthenticatedRequest,
    @Query('due-before') dueBefore?: string,
    @Query('programmeId') programmeId?: string,
    @Query('termId') termId?: string,
    @Query('status') status?: string,
    @Query('limit') limitText?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    const errors: FieldError[] = [];
    const dueLimit = parseDueBefore(dueBefore, errors);
    const statuses = parseStatus(status, errors);
    const limit = parseLimit(limitText, errors);
    if (errors.length > 0) throw new ValidationFailedError(errors);
    const where: Record<string, JsonScalar> = {};
    if (programmeId !== undefined) {
      this.idPipe.transform(programmeId, { type: 'query', data: 'programmeId' });
      assertProgrammeAccess(req.user, programmeId);
      where.programmeId = programmeId;
    }
    if (termId !== undefined) {
      this.idPipe.transform(termId, { type: 'query', data: 'termId' });
      await assertTermAccess(req.user, await this.awards.scopeOfTerm(termId), this.awards);
      where.termId = termId;
    }
    // Most streams' deadlines are settled once their term is over: the default question (pending
    // and overdue) reads only the documents that still have one (`open`), not every stream's.
    if (statuses.every((s) => s === 'pending' || s === 'overdue')) where.open = true;
    const answer = await this.reader.read<DeadlineStreamDoc, DeadlineStreamDoc[]>(DEADLINES_PROJECTION, { minPosition }, async (view) =>
      (await view.list({ where })).map((d) => d.doc),
    );
    const deadlines = answer.data
      .filter((doc) => mayActOnTerm(req.user, doc))
      .flatMap((doc) => doc.deadlines)
      .filter((x) => statuses.includes(x.status) && (dueLimit === undefined || Date.parse(x.dueAt) <= dueLimit))
      .sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.id < b.id ? -1 : 1));
    return {
      now: this.clock.now().toISOString(),
      checkpoint: answer.checkpoint,
      stale: answer.stale,
      total: deadlines.length,
      truncated: deadlines.length > limit,
      deadlines: deadlines.slice(0, limit).map(toView),
    };
  }
}

function toView({ eventId: _eventId, scheduledAt: _scheduledAt, ...deadline }: Deadline): DeadlineView {
  return { ...deadline, waiting: deadline.status === 'pending' && deadline.blockedBy.length > 0 };
}

/** An instant includes deadlines due at or before it; a date D those whose last day is before D. */
function parseDueBefore(value: string | undefined, errors: FieldError[]): number | undefined {
  if (value === undefined || value === '') return undefined;
  // The date part of an instant a real day too: Date.parse rolls 2026-02-30 into March.
  const day = value.slice(0, 10);
  if (isCalendarDate(value)) return Date.parse(startInstant(value));
  if (!INSTANT.test(value) || !isCalendarDate(day) || Number.isNaN(Date.parse(value))) {
    errors.push({ field: 'due-before', message: 'must be an ISO instant with offset or a date YYYY-MM-DD' });
    return undefined;
  }
  return Date.parse(value);
}

function parseStatus(value: string | undefined, errors: FieldError[]): DeadlineStatus[] {
  if (value === undefined || value === '') return ['pending', 'overdue'];
  if (!(DEADLINE_STATUSES as readonly string[]).includes(value)) {
    errors.push({ field: 'status', message: `must be one of ${DEADLINE_STATUSES.join(', ')}` });
    return [];
  }
  return [value as DeadlineStatus];
}

function parseLimit(value: string | undefined, errors: FieldError[]): number {
  if (value === undefined || value === '') return DEADLINES_DEFAULT_LIMIT;
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1 || Number(value) > DEADLINES_MAX_LIMIT) {
    errors.push({ field: 'limit', message: `must be a whole number from 1 to ${DEADLINES_MAX_LIMIT}` });
    return DEADLINES_DEFAULT_LIMIT;
  }
  return Number(value);
}
