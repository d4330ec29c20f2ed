import { Body, Controller, HttpCode, Inject, Param, ParseEnumPipe, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AwardService } from '../awards/award.service.js';
import type { PolicyRegistry } from '../../workflows/policy/registry.js';
import { type AuthenticatedRequest, Roles } from '../auth/auth.guard.js';
import { assertProgrammeAccess } from '../common/access.js';
import { IdPipe } from '../common/id.pipe.js';
import { AWARD_SERVICE, POLICY_REGISTRY } from '../domain.tokens.js';
import { type CommandContext, Ctx } from '../http/command-context.js';
import { ForbiddenError, ValidationFailedError } from '../http/http-errors.js';
import { type CommandResult, RunApplicationCommand } from './application.commands.js';
import { OBJECTION_DECISIONS, type ObjectionDecision, ObjectionDecisionDto, ReceiveObjectionDto } from './objections.dto.js';

type StepCommand = Parameters<AwardService['applicationCommand']>[1];

/**
 * Objections during publicity. Only the role the programme names as handler may record and decide
 * them (朝阳 第二十一条: the office; 忻州 第二十七条: the supervision group), and it alone sees
 * the objector's identity.
 */
@ApiTags('objections')
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('applications/:id/objections')
export class ObjectionsController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(AWARD_SERVICE) private readonly awards: AwardService,
    @Inject(POLICY_REGISTRY) private readonly policies: PolicyRegistry,
  ) {}

  @Post()
  @Roles('office', 'supervisor', 'admin')
  @ApiOperation({ summary: 'Record an objection received during publicity' })
  @ApiParam({ name: 'id', description: 'Application id' })
  async receive(@Param('id', IdPipe) id: string, @Body() dto: ReceiveObjectionDto, @Ctx() ctx: CommandContext, @Req() req: AuthenticatedRequest): Promise<CommandResult> {
    await this.assertHandler(req, id);
    const { occurredAt: _occurredAt, ...input } = dto;
    return this.commands.execute(new RunApplicationCommand(id, { type: 'object', ...input } as unknown as StepCommand, ctx));
  }

  @Post(':objectionId/:decision')
  @HttpCode(200)
  @Roles('office', 'supervisor', 'admin')
  @ApiOperation({ summary: 'Decide on an objection: accept, refuse, request-evidence, record-evidence, uphold, dismiss' })
  @ApiParam({ name: 'decision', enum: OBJECTION_DECISIONS })
  async decide(
    @Param('id', IdPipe) id: string,
    @Param('objectionId', IdPipe) objectionId: string,
    @Param('decision', new ParseEnumPipe(Object.fromEntries(OBJECTION_DECISIONS.map((d) => [d, d])), {
      exceptionFactory: () => new ValidationFailedError([{ field: 'decision', message: `must be one of ${OBJECTION_DECISIONS.join(', ')}` }]),
    }))
    decision: ObjectionDecision,
    @Body() dto: ObjectionDecisionDto,
    @Ctx() ctx: CommandContext,
    @Req() req: AuthenticatedRequest,
  ): Promise<CommandResult> {
    await this.assertHandler(req, id);
    const { occurredAt: _occurredAt, ...input } = dto;
    return this.commands.execute(
      new RunApplicationCommand(id, { type: 'objection-decision', objectionId, decision, ...input } as unknown as StepCommand, ctx),
    );
  }

  private async assertHandler(req: AuthenticatedRequest, applicationId: string): Promise<void> {
    const programmeId = await this.awards.programmeOfApplication(applicationId);
    assertProgrammeAccess(req.user, programmeId);
    const application = await this.awards.getApplication(applicationId);
    const policy = this.policies.get(programmeId, application.policyVersion);
    const handler = policy.objections.handledBy;
    if (!req.user.roles.includes(handler) && !req.user.roles.includes('admin')) {
      throw new ForbiddenError(`Objections of ${programmeId} are handled by the ${handler} role (${policy.objections.article})`, {
        rule: { programme: programmeId, version: policy.version, article: policy.objections.article },
      });
    }
  }
}
