import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedRequest, Roles } from '../auth/auth.guard.js';
import { mayActOnTerm } from '../auth/jwt.js';
import { CLOCK, type Clock } from '../clock/clock.js';
import { assertProgrammeAccess } from '../common/access.js';
import { isCalendarDate } from '../common/validators.js';
import { type FieldError, ValidationFailedError } from '../http/http-errors.js';
import { ProjectionReader } from '../projections/projection-reader.js';
import {
  DEADLINE_STATUSES,
  DEADLINES_PROJECTION,
  type Deadline,
  type DeadlineStatus,
  type DeadlineStreamDoc,
} from '../../projections/deadlines.js';
import { startInstant } from '../../workflows/calendar/local-date.js';

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
  constructor(
    private readonly reader: ProjectionReader,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @Roles('office', 'auditor', 'admin')
  @ApiOperation({ summary: 'Deadlines: publicity ends, evidence deadlines, annual reports, revocation windows, supervision terms; earliest first' })
  @ApiQuery({ name: 'due-before', required: false, description: 'ISO instant (due at or before it) or date YYYY-MM-DD (last day before that date)' })
  @ApiQuery({ name: 'programmeId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: DEADLINE_STATUSES, description: 'Default: pending and overdue' })
  @ApiQuery({ name: 'minPosition', required: false, description: 'Wait (up to 2 s) until the index reflects this global position' })
  @ApiOkResponse({ description: '{ now, checkpoint, stale, deadlines: DeadlineView[] }' })
  async list(
    @Req() req: AuthenticatedRequest,
    @Query('due-before') dueBefore?: string,
    @Query('programmeId') programmeId?: string,
    @Query('status') status?: string,
    @Query('minPosition') minPosition?: string,
  ) {
    const limit = parseDueBefore(dueBefore);
    const statuses = parseStatus(status);
    if (programmeId !== undefined) assertProgrammeAccess(req.user, programmeId);
    const answer = await this.reader.read<DeadlineStreamDoc, DeadlineStreamDoc[]>(DEADLINES_PROJECTION, { minPosition }, async (view) =>
      (await view.list(programmeId !== undefined ? { where: { programmeId } } : {})).map((d) => d.doc),
    );
    const deadlines = answer.data
      .filter((doc) => mayActOnTerm(req.user, doc))
      .flatMap((doc) => doc.deadlines)
      .filter((x) => statuses.includes(x.status) && (limit === undefined || Date.parse(x.dueAt) <= limit))
      .sort((a, b) => (a.dueAt < b.dueAt ? -1 : a.dueAt > b.dueAt ? 1 : a.id < b.id ? -1 : 1))
      .map(toView);
    return { now: this.clock.now().toISOString(), checkpoint: answer.checkpoint, stale: answer.stale, deadlines };
  }
}

function toView({ eventId: _eventId, scheduledAt: _scheduledAt, ...deadline }: Deadline): DeadlineView {
  return { ...deadline, waiting: deadline.status === 'pending' && deadline.blockedBy.length > 0 };
}

/** An instant includes deadlines due at or before it; a date D those whose last day is before D. */
function parseDueBefore(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const errors: FieldError[] = [{ field: 'due-before', message: 'must be an ISO instant with offset or a date YYYY-MM-DD' }];
  if (isCalendarDate(value)) return Date.parse(startInstant(value));
  if (!INSTANT.test(value) || Number.isNaN(Date.parse(value))) throw new ValidationFailedError(errors);
  return Date.parse(value);
}

function parseStatus(value: string | undefined): DeadlineStatus[] {
  if (value === undefined || value === '') return ['pending', 'overdue'];
  if (!(DEADLINE_STATUSES as readonly string[]).includes(value)) {
    throw new ValidationFailedError([{ field: 'status', message: `must be one of ${DEADLINE_STATUSES.join(', ')}` }]);
  }
  return [value as DeadlineStatus];
}
