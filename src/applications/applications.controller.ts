import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AwardService, SubmitApplicationInput } from '../awards/award.service.js';
import { type AuthenticatedRequest, Roles } from '../auth/auth.guard.js';
import { assertTermAccess } from '../common/access.js';
import { IdPipe } from '../common/id.pipe.js';
import { AWARD_SERVICE } from '../domain.tokens.js';
import { type CommandContext, Ctx } from '../http/command-context.js';
import {
  AnnualReportDto,
  CandidateDto,
  ClosePublicityDto,
  DepartmentOpinionsDto,
  EmptyCommandDto,
  OpinionSurveyDto,
  OralDefenceDto,
  QualificationReviewDto,
  ReasonDto,
  RecommendDto,
  RevokeDto,
  ScoredReviewDto,
} from './application-commands.dto.js';
import { type CommandResult, RunApplicationCommand, SubmitApplicationCommand } from './application.commands.js';
import { type DeclarationDto, SubmitApplicationDto } from './submit-application.dto.js';

type StepCommand = Parameters<AwardService['applicationCommand']>[1];

/** Drops the envelope fields (occurredAt travels in the command context). */
function payload<T extends { occurredAt?: string }>(dto: T): Omit<T, 'occurredAt'> {
  const { occurredAt: _occurredAt, ...rest } = dto;
  return rest;
}

/** The declaration as plain data (no DTO prototypes in the event), with only the fields given. */
function plainDeclaration(declaration: DeclarationDto): SubmitApplicationInput['declaration'] {
  const { operatingSince, qualityWorkSince, fourNewField, waiver, internalPublicity, exclusions } = declaration;
  return {
    ...(operatingSince !== undefined ? { operatingSince } : {}),
    ...(qualityWorkSince !== undefined ? { qualityWorkSince } : {}),
    ...(fourNewField !== undefined ? { fourNewField } : {}),
    ...(waiver !== undefined ? { waiver: { grantedBy: waiver.grantedBy, documentNo: waiver.documentNo, date: waiver.date } } : {}),
    ...(internalPublicity !== undefined
      ? { internalPublicity: { startDate: internalPublicity.startDate, endDate: internalPublicity.endDate, objectionsRaised: internalPublicity.objectionsRaised } }
      : {}),
    exclusions: { ...exclusions },
  };
}

const COMMAND_HEADERS = [
  ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body: the first answer again, nothing appended twice' }),
  ApiHeader({ name: 'If-Match', required: false, description: 'ETag of the application last read; a stale one is refused with 412' }),
];
const commandDocs = (summary: string): MethodDecorator => (target, key, descriptor) => {
  ApiOperation({ summary })(target, key, descriptor);
  ApiParam({ name: 'id', description: 'Application id' })(target, key, descriptor);
  for (const header of COMMAND_HEADERS) header(target, key, descriptor);
};

@ApiTags('applications')
@Controller('applications')
export class ApplicationsController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(AWARD_SERVICE) private readonly awards: AwardService,
  ) {}

  @Post()
  @Roles('office')
  @ApiOperation({ summary: 'Submit an application to a term (eligibility, bans and one-per-term are checked)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async submit(@Body() dto: SubmitApplicationDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest): Promise<CommandResult> {
    await assertTermAccess(req.user, await this.awards.scopeOfTerm(dto.termId), this.awards);
    const { termId, applicant, channel, declaration } = dto;
    const input: SubmitApplicationInput = {
      termId,
      applicant: { kind: applicant.kind, id: applicant.id, name: applicant.name },
      // The service records a direct filing's recommender as null, never as a missing field.
      channel: { kind: channel.kind, recommender: channel.recommender ?? null },
      declaration: plainDeclaration(declaration),
    };
    return this.commands.execute(new SubmitApplicationCommand(input, ctx));
  }

  @Get(':id')
  @Roles('office', 'auditor')
  @ApiOperation({ summary: 'State, revision (also as ETag), tier and the commands the application accepts now' })
  async get(@Param('id', IdPipe) id: string, @Req() req: AuthenticatedRequest) {
    await assertTermAccess(req.user, await this.awards.scopeOfApplication(id), this.awards);
    return this.awards.getApplication(id);
  }

  @Get(':id/events')
  @Roles('office', 'auditor')
  @ApiOperation({ summary: 'The application’s events in order (objector identities only for the programme’s handler role or with consent)' })
  async events(@Param('id', IdPipe) id: string, @Req() req: AuthenticatedRequest) {
    await assertTermAccess(req.user, await this.awards.scopeOfApplication(id), this.awards);
    // Objector identities are shown to the programme's handler role only (朝阳 第二十五条: the
    // office; 忻州 第二十七条: the supervision group, not allowed here) or with the objector's
    // consent, exactly as in the history, the objection log and the export.
    return this.awards.getApplicationEvents(id, req.user);
  }

  @Post(':id/recommend') @HttpCode(200) @Roles('office') @commandDocs('Recommending body’s recommendation (推荐)')
  recommend(@Param('id', IdPipe) id: string, @Body() dto: RecommendDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'recommend', ...payload(dto) }, ctx);
  }

  @Post(':id/qualification-review') @HttpCode(200) @Roles('office') @commandDocs('Qualification (formal) review: accepted or rejected')
  qualificationReview(@Param('id', IdPipe) id: string, @Body() dto: QualificationReviewDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'qualification-review', ...payload(dto) }, ctx);
  }

  @Post(':id/opinion-survey') @HttpCode(200) @Roles('office') @commandDocs('Public-opinion survey (淄博 第十六条)')
  opinionSurvey(@Param('id', IdPipe) id: string, @Body() dto: OpinionSurveyDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'opinion-survey', ...payload(dto) }, ctx);
  }

  @Post(':id/department-opinions') @HttpCode(200) @Roles('office') @commandDocs('Opinions of other departments (忻州 第十八条)')
  departmentOpinions(@Param('id', IdPipe) id: string, @Body() dto: DepartmentOpinionsDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'department-opinions', ...payload(dto) }, ctx);
  }

  @Post(':id/materials-review') @HttpCode(200) @Roles('office') @commandDocs('Materials review scores per reviewer (GB/T 19580)')
  materialsReview(@Param('id', IdPipe) id: string, @Body() dto: ScoredReviewDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'materials-review', ...payload(dto) }, ctx);
  }

  @Post(':id/shortlist') @HttpCode(200) @Roles('office') @commandDocs('Shortlist for the on-site review')
  shortlist(@Param('id', IdPipe) id: string, @Body() dto: EmptyCommandDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'shortlist', ...payload(dto) }, ctx);
  }

  @Post(':id/eliminate') @HttpCode(200) @Roles('office') @commandDocs('Eliminate at the current stage')
  eliminate(@Param('id', IdPipe) id: string, @Body() dto: ReasonDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'eliminate', ...payload(dto) }, ctx);
  }

  @Post(':id/on-site-review') @HttpCode(200) @Roles('office') @commandDocs('On-site review scores per reviewer (GB/T 19580)')
  onSiteReview(@Param('id', IdPipe) id: string, @Body() dto: ScoredReviewDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'on-site-review', ...payload(dto) }, ctx);
  }

  @Post(':id/oral-defence') @HttpCode(200) @Roles('office') @commandDocs('Oral defence (陈述答辩), where the programme has it')
  oralDefence(@Param('id', IdPipe) id: string, @Body() dto: OralDefenceDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'oral-defence', ...payload(dto) }, ctx);
  }

  @Post(':id/candidate') @HttpCode(200) @Roles('office') @commandDocs('Put on the candidate list (composite evaluation)')
  candidate(@Param('id', IdPipe) id: string, @Body() dto: CandidateDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'candidate', ...payload(dto) }, ctx);
  }

  @Post(':id/withdraw') @HttpCode(200) @Roles('office') @commandDocs('Withdraw the application')
  withdraw(@Param('id', IdPipe) id: string, @Body() dto: ReasonDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'withdraw', ...payload(dto) }, ctx);
  }

  @Post(':id/revoke') @HttpCode(200) @Roles('office') @commandDocs('Revoke an award with a coded ground of the programme')
  revoke(@Param('id', IdPipe) id: string, @Body() dto: RevokeDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'revoke', ...payload(dto) }, ctx);
  }

  @Post(':id/close-publicity') @HttpCode(200) @Roles('office') @commandDocs('Record the end of a publicity round (the scheduler also does it by itself)')
  closePublicity(@Param('id', IdPipe) id: string, @Body() dto: ClosePublicityDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'close-publicity', ...payload(dto) }, ctx);
  }

  @Post(':id/annual-reports') @HttpCode(200) @Roles('office') @commandDocs('File the yearly quality-performance report (瀍河 第二十四条)')
  annualReport(@Param('id', IdPipe) id: string, @Body() dto: AnnualReportDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    return this.run(req, id, { type: 'file-annual-report', ...payload(dto) }, ctx);
  }

  private async run(req: AuthenticatedRequest, id: string, command: object, ctx: CommandContext): Promise<CommandResult> {
    await assertTermAccess(req.user, await this.awards.scopeOfApplication(id), this.awards);
    return this.commands.execute(new RunApplicationCommand(id, command as StepCommand, ctx));
  }
}

// ApiBody is re-exported for controllers that document raw bodies.
export { ApiBody };
