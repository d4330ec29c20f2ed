import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { QUOTA_PROJECTION, type QuotaDocument, type QuotaView, quotaView } from '../../projections/quota.js';
import { NotFoundError } from '../../workflows/errors.js';
import type { PolicyRegistry } from '../../workflows/policy/registry.js';
import type { AwardService } from '../awards/award.service.js';
import { type AuthenticatedRequest, Roles } from '../auth/auth.guard.js';
import { assertTermAccess } from '../common/access.js';
import { IdPipe } from '../common/id.pipe.js';
import { AWARD_SERVICE, POLICY_REGISTRY } from '../domain.tokens.js';
import { type Fresh, ProjectionReader } from '../projections/projection-reader.js';

@ApiTags('read-models')
@Controller('terms')
export class QuotaController {
  constructor(
    @Inject(ProjectionReader) private readonly reader: ProjectionReader,
    @Inject(POLICY_REGISTRY) private readonly policies: PolicyRegistry,
    @Inject(AWARD_SERVICE) private readonly awards: AwardService,
  ) {}

  // The office fills the places; auditors and the supervision group check them (淄博 第十二条, 济南 第九条).
  @Get(':termId/quota')
  @Roles('office', 'auditor', 'supervisor')
  @ApiOperation({
    summary: 'Places per tier and applicant kind, and programme-wide, of a term: limit (its policy version), proposed, awarded, revoked, held, free',
  })
  @ApiQuery({ name: 'minPosition', required: false, description: 'Global position of your own write: waits briefly until the read model has it' })
  @ApiOkResponse({ description: '{ checkpoint, stale, data: QuotaView }' })
  async quota(
    @Param('termId', IdPipe) termId: string,
    @Query('minPosition') minPosition: string | undefined,
    @Req() req: AuthenticatedRequest,
  ): Promise<Fresh<QuotaView>> {
    // Scope from the term stream itself (404 when unknown), not from a possibly lagging document.
    await assertTermAccess(req.user, await this.awards.scopeOfTerm(termId), this.awards);
    const answer = await this.reader.read<QuotaDocument, QuotaDocument | null>(QUOTA_PROJECTION, { minPosition }, (view) => view.get(termId));
    if (!answer.data) {
      throw new NotFoundError(`Term ${termId} is not in the quota read model yet; retry with ?minPosition=`, {
        termId,
        checkpoint: answer.checkpoint,
      });
    }
    const policy = this.policies.get(answer.data.programmeId, answer.data.policyVersion);
    return { ...answer, data: quotaView(answer.data, policy) };
  }
}
