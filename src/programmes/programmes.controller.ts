import { Controller, Get, Inject, Param, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { PolicyRegistry } from '../../workflows/policy/registry.js';
import type { ProgrammePolicy } from '../../workflows/policy/policy.types.js';
import { toMermaid } from '../../workflows/application/mermaid.js';
import { type AuthenticatedRequest } from '../auth/auth.guard.js';
import { mayActOnProgramme } from '../auth/jwt.js';
import { CLOCK, type Clock, shanghaiDate } from '../clock/clock.js';
import { assertProgrammeAccess } from '../common/access.js';
import { IdPipe } from '../common/id.pipe.js';
import { isCalendarDate } from '../common/validators.js';
import { POLICY_REGISTRY } from '../domain.tokens.js';
import { ValidationFailedError } from '../http/http-errors.js';

const summary = (policy: ProgrammePolicy) => ({
  version: policy.version,
  validity: { from: policy.validity.from, until: policy.validity.until, article: policy.validity.article },
  regulation: policy.regulation,
});

/** Programmes and their versioned policies: what the rules are, and which version governs when. */
@ApiTags('programmes')
@Controller('programmes')
export class ProgrammesController {
  constructor(
    @Inject(POLICY_REGISTRY) private readonly policies: PolicyRegistry,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Programmes the token may see, with their versions and the one in force today' })
  list(@Req() req: AuthenticatedRequest) {
    const today = shanghaiDate(this.clock.now());
    return {
      programmes: this.policies
        .programmes()
        .filter((id) => mayActOnProgramme(req.user, id))
        .map((id) => {
          const versions = this.policies.versions(id);
          const current = versions.find((v) => v.validity.from <= today && (v.validity.until === null || today <= v.validity.until));
          const latest = versions.at(-1)!;
          return {
            id,
            name: latest.name,
            nameEn: latest.nameEn,
            issuer: latest.issuer,
            versionInForce: current?.version ?? null,
            versions: versions.map(summary),
          };
        }),
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'The policy in force (today, or on ?date=) and every version' })
  @ApiQuery({ name: 'date', required: false, description: 'YYYY-MM-DD: which version governed a notice issued that day' })
  get(@Param('id', IdPipe) id: string, @Req() req: AuthenticatedRequest, @Query('date') date?: string) {
    assertProgrammeAccess(req.user, id);
    const on = this.dateParam(date);
    const versions = this.policies.versions(id);
    const inForce = versions.find((v) => v.validity.from <= on && (v.validity.until === null || on <= v.validity.until)) ?? null;
    return { id, date: on, inForce, versions: versions.map(summary) };
  }

  @Get(':id/statechart')
  @ApiOperation({ summary: 'The application statechart of a version as a Mermaid stateDiagram-v2' })
  @ApiQuery({ name: 'version', required: false, description: 'Defaults to the version in force today, else the latest' })
  statechart(@Param('id', IdPipe) id: string, @Req() req: AuthenticatedRequest, @Query('version') version?: string) {
    assertProgrammeAccess(req.user, id);
    const versions = this.policies.versions(id);
    const today = shanghaiDate(this.clock.now());
    const policy =
      version !== undefined
        ? this.policies.get(id, version)
        : (versions.find((v) => v.validity.from <= today && (v.validity.until === null || today <= v.validity.until)) ?? versions.at(-1)!);
    return {
      programmeId: id,
      version: policy.version,
      format: 'mermaid',
      diagram: toMermaid(policy),
    };
  }

  private dateParam(date: string | undefined): string {
    if (date === undefined) return shanghaiDate(this.clock.now());
    if (!isCalendarDate(date)) throw new ValidationFailedError([{ field: 'date', message: 'must be a date written YYYY-MM-DD' }]);
    return date;
  }
}
