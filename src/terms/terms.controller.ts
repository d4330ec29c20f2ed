import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AwardService } from '../awards/award.service.js';
import { type AuthenticatedRequest, Roles } from '../auth/auth.guard.js';
import { assertNotTermBound, assertProgrammeAccess, assertTermAccess } from '../common/access.js';
import { IdPipe } from '../common/id.pipe.js';
import { AWARD_SERVICE } from '../domain.tokens.js';
import { type CommandContext, Ctx } from '../http/command-context.js';
import { TermCommand } from './term.commands.js';
import { ApprovalDto, OpenTermDto, ProposedListDto, StartPublicityDto, SupplementaryApprovalDto } from './terms.dto.js';

@ApiTags('terms')
@ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body: the first answer again' })
@Controller()
export class TermsController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(AWARD_SERVICE) private readonly awards: AwardService,
  ) {}

  @Post('programmes/:programmeId/terms')
  @Roles('office')
  @ApiOperation({ summary: 'Open a term (届); governed for life by the policy version in force on its notice date' })
  async open(@Param('programmeId', IdPipe) programmeId: string, @Body() dto: OpenTermDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    assertProgrammeAccess(req.user, programmeId);
    assertNotTermBound(req.user, 'opening a term');
    const { year, noticeDate, applicationDeadline } = dto;
    return this.commands.execute(new TermCommand({ kind: 'open', programmeId, input: { year, noticeDate, applicationDeadline } }, ctx));
  }

  @Get('terms/:termId')
  @Roles('office', 'auditor', 'supervisor')
  @ApiOperation({ summary: 'The term: policy version, dates, proposed list, publicity rounds, approval' })
  async get(@Param('termId', IdPipe) termId: string, @Req() req: AuthenticatedRequest) {
    await assertTermAccess(req.user, await this.awards.scopeOfTerm(termId), this.awards);
    return this.awards.getTerm(termId);
  }

  @Post('terms/:termId/proposed-list')
  @HttpCode(200)
  @Roles('office')
  @ApiOperation({ summary: 'Record the committee’s proposed list with tiers; quotas per tier and applicant kind are enforced atomically' })
  async proposedList(@Param('termId', IdPipe) termId: string, @Body() dto: ProposedListDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    await assertTermAccess(req.user, await this.awards.scopeOfTerm(termId), this.awards);
    const entries = dto.entries.map(({ applicationId, tier }) => ({ applicationId, tier }));
    return this.commands.execute(new TermCommand({ kind: 'proposed-list', termId, entries }, ctx));
  }

  @Post('terms/:termId/publicity')
  @HttpCode(200)
  @Roles('office')
  @ApiOperation({ summary: 'Start a publicity round; its end is computed in Chinese working days or calendar days per the programme' })
  async publicity(@Param('termId', IdPipe) termId: string, @Body() dto: StartPublicityDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    await assertTermAccess(req.user, await this.awards.scopeOfTerm(termId), this.awards);
    return this.commands.execute(new TermCommand({ kind: 'publicity', termId, input: { startDate: dto.startDate, round: dto.round, ...(dto.candidates ? { candidates: dto.candidates } : {}) } }, ctx));
  }

  @Post('terms/:termId/approval')
  @HttpCode(200)
  @Roles('office')
  @ApiOperation({ summary: 'The government’s approval: awards every proposed application whose publicity closed without a pending or upheld objection' })
  async approval(@Param('termId', IdPipe) termId: string, @Body() dto: ApprovalDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest) {
    await assertTermAccess(req.user, await this.awards.scopeOfTerm(termId), this.awards);
    return this.commands.execute(new TermCommand({ kind: 'approval', termId, input: { decisionDate: dto.decisionDate, documentNo: dto.documentNo } }, ctx));
  }

  @Post('terms/:termId/supplementary-approval')
  @HttpCode(200)
  @Roles('office')
  @ApiOperation({
    summary:
      'The government’s later decision on an application the approval left out with an objection still open, once it is settled: ' +
      'award (in the tier proposed; quotas enforced atomically with the term’s other decisions) or not-award (with a reason)',
  })
  async supplementaryApproval(
    @Param('termId', IdPipe) termId: string,
    @Body() dto: SupplementaryApprovalDto,
    @Ctx() ctx: CommandContext,
    @Req() req: AuthenticatedRequest,
  ) {
    await assertTermAccess(req.user, await this.awards.scopeOfTerm(termId), this.awards);
    const { applicationId, decision, decisionDate, documentNo, reason } = dto;
    const input = { applicationId, decision, decisionDate, documentNo, ...(reason !== undefined ? { reason } : {}) };
    return this.commands.execute(new TermCommand({ kind: 'supplementary-approval', termId, input }, ctx));
  }
}
