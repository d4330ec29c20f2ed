import { Controller, Get, Inject, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  OBJECTION_LOG_PROJECTION,
  type ObjectionLogApplication,
  type ObjectionLogDoc,
  type ObjectionRow,
  type ObjectionScope,
  objectionRows,
  readObjectionLog,
} from '../../projections/objection-log.js';
import type { PolicyRegistry } from '../../workflows/policy/registry.js';
import type { AwardService } from '../awards/award.service.js';
import { type AuthenticatedRequest, Roles } from '../auth/auth.guard.js';
import { mayActOnTerm } from '../auth/jwt.js';
import { assertProgrammeAccess, assertTermAccess, currentTerms } from '../common/access.js';
import { IdPipe } from '../common/id.pipe.js';
import { isCalendarDate } from '../common/validators.js';
import { AWARD_SERVICE, POLICY_REGISTRY } from '../domain.tokens.js';
import { type FieldError, ValidationFailedError } from '../http/http-errors.js';
import { type Fresh, ProjectionReader } from '../projections/projection-reader.js';
import { type ShownObjector, maskObjector } from './objector-masking.js';

const STATUSES = ['received', 'accepted', 'refused', 'upheld', 'dismissed', 'not-admitted'] as const;

export type ObjectionLogRow = Omit<ObjectionRow, 'objector'> & { objector: ShownObjector };

export interface ObjectionLogView {
  objections: ObjectionLogRow[];
}

/**
 * The objection log, for the supervision group (济南 第九条, 淄博 第十二条) and the office. The
 * objector's identity is shown only to the programme's handler role (朝阳 第二十五条: the office;
 * 忻州 第二十七条: the supervision group), or when the objector consented to disclosure.
 */
@ApiTags('read-models')
@Controller('objections')
export class ObjectionsLogController {
  private readonly idPipe = new IdPipe();

  constructor(
    @Inject(ProjectionReader) private readonly reader: ProjectionReader,
    @Inject(POLICY_REGISTRY) private readonly policies: PolicyRegistry,
    @Inject(AWARD_SERVICE) private readonly awards: AwardService,
  ) {}

  @Get()
  @Roles('supervisor', 'office')
  @ApiOperation({
    summary:
      'Objections with application, received date, within the publicity period or not, status, deadlines, every step and who took it, outcome; ' +
      'objector identity only for the programme’s handler role or with the objector’s consent',
  })
  @ApiQuery({ name: 'programmeId', required: false })
  @ApiQuery({ name: 'termId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'from', required: false, description: 'Received on or after (YYYY-MM-DD)' })
  @ApiQuery({ name: 'to', required: false, description: 'Received on or before (YYYY-MM-DD)' })
  @ApiQuery({ name: 'minPosition', required: false })
  @ApiOkResponse({ description: '{ checkpoint, stale, data: { objections } }' })
  async list(
    @Req() req: AuthenticatedRequest,
    @Query('programmeId') programmeId?: string,
    @Query('termId') termId?: string,
    @Query('status') status?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('minPosition') minPosition?: string,
  ): Promise<Fresh<ObjectionLogView>> {
    const errors: FieldError[] = [];
    if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) errors.push({ field: 'status', message: `must be one of ${STATUSES.join(', ')}` });
    if (from !== undefined && !isCalendarDate(from)) errors.push({ field: 'from', message: 'must be a date YYYY-MM-DD' });
    if (to !== undefined && !isCalendarDate(to)) errors.push({ field: 'to', message: 'must be a date YYYY-MM-DD' });
    if (errors.length > 0) throw new ValidationFailedError(errors);
    if (programmeId !== undefined) {
      this.idPipe.transform(programmeId, { type: 'query', data: 'programmeId' });
      assertProgrammeAccess(req.user, programmeId);
    }
    let termProgramme: string | undefined;
    if (termId !== undefined) {
      this.idPipe.transform(termId, { type: 'query', data: 'termId' });
      termProgramme = (await this.awards.scopeOfTerm(termId)).programmeId;
      await assertTermAccess(req.user, { programmeId: termProgramme, termId }, this.awards);
    }
    const scope: ObjectionScope = {};
    if (termProgramme !== undefined) scope.programmeIds = programmeId === undefined || programmeId === termProgramme ? [termProgramme] : [];
    else if (programmeId !== undefined) scope.programmeIds = [programmeId];
    else if (!req.user.programmes.includes('*')) scope.programmeIds = req.user.programmes;
    if (termId !== undefined) scope.termId = termId;
    // A term is one exact lookup of the log's index, a programme one range: only documents it shows.
    const answer = await this.reader.read<ObjectionLogDoc, ObjectionLogApplication[]>(OBJECTION_LOG_PROJECTION, { minPosition }, (view) =>
      readObjectionLog({ list: (query) => view.list(query) }, scope, { status, from, to }),
    );
    // A group member's token no longer reaches a term whose group was dissolved.
    const allowed = { programmes: req.user.programmes, terms: await currentTerms(req.user, this.awards) };
    const rows = objectionRows(answer.data, { status, from, to })
      // Never a row of a programme the token does not list, nor, for a token bound to terms (a
      // supervision group appointed for a term, 济南 第九条, 淄博 第十二条), of another term.
      .filter(
        (row) =>
          row.programmeId !== null && row.termId !== null && row.policyVersion !== null && mayActOnTerm(allowed, { programmeId: row.programmeId, termId: row.termId }),
      )
      .map((row): ObjectionLogRow => {
        const rule = this.policies.get(row.programmeId!, row.policyVersion!).objections;
        return { ...row, objector: maskObjector(row.objector, req.user, rule) };
      });
    return { ...answer, data: { objections: rows } };
  }
}
