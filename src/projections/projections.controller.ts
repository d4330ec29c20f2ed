import { Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedRequest, Roles } from '../auth/auth.guard.js';
import { assertEveryProgramme } from '../common/access.js';
import { ProjectionRunner } from './projection-runner.js';
import type { ProjectionStatus } from './projection-status.js';

@ApiTags('operations')
@Controller('projections')
export class ProjectionsController {
  constructor(@Inject(ProjectionRunner) private readonly runner: ProjectionRunner) {}

  // Office staff see it too: they are the ones wondering why a list has not caught up yet.
  @Roles('admin', 'auditor', 'office')
  @Get()
  @ApiOperation({ summary: 'Read models: checkpoint, store head, lag in events and seconds, status, generation, rebuild progress' })
  @ApiOkResponse({ description: '{ projections: ProjectionStatus[] }' })
  async list(): Promise<{ projections: ProjectionStatus[] }> {
    return { projections: await this.runner.statuses() };
  }

  @Roles('admin')
  @Post(':name/rebuild')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Rebuild a read model in the background; queries keep answering from the current generation until the switch',
  })
  @ApiAcceptedResponse({
    description: 'The projection status, with `rebuild` progress; 404 PROJECTION_NOT_FOUND for an unknown name; 403 for a token without programmes ["*"]',
  })
  async rebuild(@Req() req: AuthenticatedRequest, @Param('name') name: string): Promise<ProjectionStatus> {
    // A read model holds every programme's records: its rebuild is the whole service's business.
    assertEveryProgramme(req.user, 'A rebuild');
    return this.runner.rebuild(name);
  }
}
