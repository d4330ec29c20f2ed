import { type ArgumentsHost, Catch, Controller, type ExceptionFilter, Get, Inject, Logger, Param, Query, Req, UseFilters } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiPropertyOptional, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { IsOptional, IsString, Matches } from 'class-validator';
import { BANS_PROJECTION, type BanAnswer, type BansDocument, banAnswer, bansKey, withinAskedTerm } from '../../projections/bans.js';
import { validateApplicantId } from '../../workflows/identifiers/index.js';
import { yearOf } from '../../workflows/policy/dates.js';
import type { PolicyRegistry } from '../../workflows/policy/registry.js';
import type { AwardService } from '../awards/award.service.js';
import { type AuthenticatedRequest, Roles } from '../auth/auth.guard.js';
import { CLOCK, type Clock, shanghaiDate } from '../clock/clock.js';
import { assertNotTermBound, assertProgrammeAccess, assertTermAccess } from '../common/access.js';
import { IsCalendarDate } from '../common/validators.js';
import { AWARD_SERVICE, POLICY_REGISTRY } from '../domain.tokens.js';
import { ValidationFailedError } from '../http/http-errors.js';
import { toProblem } from '../http/problem-details.filter.js';
import { maskUrl } from '../observability/logging.js';
import { type Fresh, ProjectionReader } from '../projections/projection-reader.js';

export class BanQueryDto {
  @ApiProperty({ example: 'jinan-mayor' })
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,62}$/, { message: 'programmeId must be a programme id' })
  programmeId!: string;

  @ApiPropertyOptional({ description: 'The term asked about; its year decides term-counted bans', example: 'jinan-mayor-2021' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9][\w.-]{0,99}$/, { message: 'termId must be a term id' })
  termId?: string;

  @ApiPropertyOptional({ description: 'As-of date: only facts dated on or before it count (past questions get past answers)', example: '2022-05-10' })
  @IsOptional()
  @IsCalendarDate()
  onDate?: string;

  @ApiPropertyOptional({ description: 'Global position of your own write: waits briefly until the read model has it' })
  @IsOptional()
  @Matches(/^\d{1,15}$/, { message: 'minPosition must be a non-negative integer (a global event position)' })
  minPosition?: string;
}

/**
 * The path holds the applicant id, a resident id for individuals (personal data): this
 * controller's problems carry the masked path as `instance` (the global filter would echo it).
 * The request log masks it already (src/observability/logging.ts).
 */
@Catch()
export class MaskedPathProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response & { locals: Record<string, unknown> }>();
    const request = http.getRequest<Request>();
    const problem = toProblem(error);
    problem.instance = maskUrl(request.originalUrl?.split('?')[0]);
    if (problem.status >= 500) this.logger.error({ err: error, code: problem.code }, 'request failed');
    response.locals.problemCode = problem.code;
    if (response.headersSent) return;
    response.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
  }
}

/**
 * Roles: the office checks at intake, auditors ask about the past ("was it barred when it
 * applied?"), and the supervision group handles complaints that a barred applicant was let in
 * (忻州 第二十七条; it reads the objection log too, 淄博 第十二条, 济南 第九条). Admins (operations)
 * have no business with applicants' personal data. Every answer is scoped to the token's programmes.
 */
@ApiTags('read-models')
@Controller('bans')
@UseFilters(MaskedPathProblemFilter)
export class BansController {
  constructor(
    @Inject(ProjectionReader) private readonly reader: ProjectionReader,
    @Inject(POLICY_REGISTRY) private readonly policies: PolicyRegistry,
    @Inject(AWARD_SERVICE) private readonly awards: AwardService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get(':applicantId')
  @Roles('office', 'auditor', 'supervisor')
  @ApiOperation({
    summary:
      'Re-application bans of an applicant in a programme, for a term (?termId=) and/or on a date (?onDate=YYYY-MM-DD): allowed, or each rule that bars it (article, ground, from, until or permanent) and the events it rests on',
  })
  @ApiParam({ name: 'applicantId', description: 'USCC (organisation) or resident id (individual); never logged or echoed' })
  @ApiOkResponse({ description: '{ checkpoint, stale, data: BanAnswer }' })
  async bans(@Param('applicantId') rawId: string, @Query() query: BanQueryDto, @Req() req: AuthenticatedRequest): Promise<Fresh<BanAnswer>> {
    const applicantId = parseApplicantId(rawId);
    const { programmeId, termId, onDate, minPosition } = query;
    if (termId === undefined && onDate === undefined) {
      throw new ValidationFailedError([{ field: 'termId', message: 'name a term (termId) or a date (onDate), or both' }]);
    }
    assertProgrammeAccess(req.user, programmeId);
    // A token bound to terms asks about its terms' submissions, not about any date of the programme.
    if (termId === undefined) assertNotTermBound(req.user, 'a question without termId');
    else await assertTermAccess(req.user, { programmeId, termId }, this.awards);
    this.policies.versions(programmeId); // 404 for an unknown programme
    const question = termId === undefined ? { programmeId, termYear: yearOf(onDate!), date: onDate! } : await this.termQuestion(programmeId, termId, onDate);
    const answer = await this.reader.read<BansDocument, BansDocument | null>(BANS_PROJECTION, { minPosition }, (view) =>
      view.get(bansKey(programmeId, applicantId)),
    );
    const data = banAnswer(answer.data, question, (p, v) => this.policies.get(p, v));
    // A token bound to terms asks about its term: not the applicant's facts of the programme's other terms.
    return { ...answer, data: req.user.terms === undefined ? data : withinAskedTerm(data) };
  }

  /**
   * A term's year decides term-counted bans. Without ?onDate= the date is today, or the term's
   * application deadline once it has passed: the last day a submission to it could be checked.
   */
  private async termQuestion(programmeId: string, termId: string, onDate: string | undefined) {
    const term = await this.awards.getTerm(termId);
    if (term.programmeId !== programmeId) {
      throw new ValidationFailedError([{ field: 'termId', message: `term ${termId} is not a term of ${programmeId}` }]);
    }
    const today = shanghaiDate(this.clock.now());
    const date = onDate ?? (today < term.applicationDeadline ? today : term.applicationDeadline);
    return { programmeId, termYear: term.year, date, termId };
  }
}

/** Normalised like the submission's (upper case); the error never repeats the value. */
function parseApplicantId(raw: string): string {
  for (const kind of ['organisation', 'individual'] as const) {
    const result = validateApplicantId(kind, raw);
    if (result.ok) return result.normalised;
  }
  throw new ValidationFailedError([
    { field: 'applicantId', message: 'must be a unified social credit code (GB 32100) or a resident id (GB 11643) with a valid check character' },
  ]);
}
