import { Body, Controller, HttpCode, Inject, Param, ParseEnumPipe, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AwardService } from '../awards/award.service.js';
import { deterministicUuid } from '../awards/command-context.js';
import type { PolicyRegistry } from '../../workflows/policy/registry.js';
import type { ProgrammePolicy } from '../../workflows/policy/policy.types.js';
import type { WorkingDayCalendar } from '../../workflows/calendar/working-days.js';
import { addDays } from '../../workflows/calendar/local-date.js';
import { CLOCK, type Clock, shanghaiDate } from '../clock/clock.js';
import { type AuthenticatedRequest, Roles } from '../auth/auth.guard.js';
import { assertTermAccess } from '../common/access.js';
import { IdPipe } from '../common/id.pipe.js';
import { AWARD_SERVICE, POLICY_REGISTRY, WORKING_DAY_CALENDAR } from '../domain.tokens.js';
import { type CommandContext, Ctx } from '../http/command-context.js';
import { ForbiddenError, ValidationFailedError } from '../http/http-errors.js';
import { type CommandResult, RunApplicationCommand } from './application.commands.js';
import {
  DECISION_REQUIRES,
  OBJECTION_DECISIONS,
  type ObjectionDecision,
  ObjectionDecisionDto,
  ReceiveObjectionDto,
} from './objections.dto.js';

/**
 * The answer to a received objection: the application's state, the objection's id and status. An
 * objection the policy refuses (朝阳 第二十条: anonymous, without real identity or written evidence,
 * late) is recorded as `not-admitted`, and `notAdmitted` says why with the rule; it opens nothing.
 */
export interface ObjectionReceivedResult extends CommandResult {
  objectionId: string;
  objectionStatus: 'received' | 'not-admitted';
  notAdmitted?: { reason: string; field?: string; rule: { programme: string; version: string; article: string } };
}

type StepCommand = Parameters<AwardService['applicationCommand']>[1];

/**
 * The roles the programmes name as objection handler (policy `objections.handledBy`): the route
 * admits these, then assertHandler holds each call to its programme's. Not the admin: operations
 * neither handle objections nor see who raised them.
 */
const HANDLER_ROLES = ['office', 'supervisor'] as const;

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
    @Inject(WORKING_DAY_CALENDAR) private readonly calendar: WorkingDayCalendar,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Roles(...HANDLER_ROLES)
  @ApiOperation({
    summary:
      'Record an objection received: 201 with objectionStatus "received" (admitted, open) or "not-admitted" (refused by the ' +
      'programme’s rules, e.g. 朝阳 第二十条 anonymous or late; recorded for the objection log, with notAdmitted.rule). ' +
      'Where it cannot be recorded (no publicity round yet, a final state) the refusal is an error and nothing is written.',
  })
  @ApiParam({ name: 'id', description: 'Application id' })
  async receive(
    @Param('id', IdPipe) id: string,
    @Body() dto: ReceiveObjectionDto,
    @Ctx() ctx: CommandContext,
    @Req() req: AuthenticatedRequest,
  ): Promise<ObjectionReceivedResult> {
    await this.assertHandler(req, id);
    const { occurredAt, receivedOn, objector, grounds, evidenceProvided } = dto;
    // receivedOn is the record's business date: the decider dates the objection by occurredOn.
    if (occurredAt !== undefined && receivedOn !== undefined && occurredAt !== receivedOn) {
      throw new ValidationFailedError([{ field: 'receivedOn', message: 'receivedOn and occurredAt name the same day; give one, or both equal' }]);
    }
    // Derived from the command id, so a retry with the same Idempotency-Key records the same objection.
    const objectionId = `obj-${deterministicUuid(`objection\u0000${ctx.commandId}`)}`;
    const command = {
      type: 'object' as const,
      objectionId,
      objector: { ...objector },
      grounds,
      evidenceProvided,
    };
    const result = await this.commands.execute(
      new RunApplicationCommand(id, command as StepCommand, { ...ctx, occurredAt: occurredAt ?? receivedOn }),
    );
    // How it was recorded: a not-admitted record never changes, so reading it back is exact.
    const view = await this.awards.getApplication(id);
    const refusal = view.objections.find((o) => o.objectionId === objectionId && o.status === 'not-admitted')?.refusal;
    if (!refusal) return { ...result, objectionId, objectionStatus: 'received' };
    return {
      ...result,
      objectionId,
      objectionStatus: 'not-admitted',
      notAdmitted: {
        reason: refusal.reason,
        ...(refusal.field !== undefined ? { field: refusal.field } : {}),
        rule: { programme: view.programmeId, version: view.policyVersion, article: refusal.article },
      },
    };
  }

  @Post(':objectionId/:decision')
  @HttpCode(200)
  @Roles(...HANDLER_ROLES)
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
    const policy = await this.assertHandler(req, id);
    const missing = DECISION_REQUIRES[decision].filter((field) => dto[field] === undefined);
    if (missing.length > 0) {
      throw new ValidationFailedError(missing.map((field) => ({ field, message: `${field} is required to ${decision}` })));
    }
    const { from, reason, summary } = dto;
    const command = {
      type: 'objection-decision' as const,
      objectionId,
      decision,
      ...(from !== undefined ? { from } : {}),
      // The decider reads what was supplied from `reason` for record-evidence.
      ...(decision === 'record-evidence' ? { reason: summary } : reason !== undefined ? { reason } : {}),
      ...(decision === 'request-evidence' ? { deadline: dto.deadline ?? this.defaultDeadline(policy, from!, ctx.occurredAt) } : {}),
    };
    return this.commands.execute(new RunApplicationCommand(id, command as StepCommand, ctx));
  }

  /**
   * The policy's default time to answer (朝阳 第二十二、二十三条: 5 working days), counted from the
   * day after the request. The decider counts calendar days itself but has no working-day calendar.
   */
  private defaultDeadline(policy: ProgrammePolicy, from: 'recommender' | 'applicant' | 'objector', occurredAt: string | undefined): string | undefined {
    const defaults = policy.objections.defaultDeadlines;
    if (!defaults) return undefined; // the decider asks for one
    const on = occurredAt ?? shanghaiDate(this.clock.now());
    return defaults.unit === 'working' ? this.calendar.addWorkingDays(on, defaults[from]) : addDays(on, defaults[from]);
  }

  private async assertHandler(req: AuthenticatedRequest, applicationId: string): Promise<ProgrammePolicy> {
    const scope = await this.awards.scopeOfApplication(applicationId);
    await assertTermAccess(req.user, scope, this.awards);
    const { programmeId } = scope;
    const application = await this.awards.getApplication(applicationId);
    const policy = this.policies.get(programmeId, application.policyVersion);
    const handler = policy.objections.handledBy;
    // No exception for admins (operations): README's roles give objections to the handler alone.
    if (!req.user.roles.includes(handler)) {
      throw new ForbiddenError(`Objections of ${programmeId} are handled by the ${handler} role (${policy.objections.article})`, {
        rule: { programme: programmeId, version: policy.version, article: policy.objections.article },
      });
    }
    return policy;
  }
}
