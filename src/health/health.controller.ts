import { Controller, Get, HttpCode, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public, Roles } from '../auth/auth.guard.js';
import { EVENT_STORE, EventStoreUnavailableError, type EventStore } from '../event-store/event-store.port.js';
import { METRICS, type Metrics } from '../observability/metrics.js';

@ApiTags('operations')
@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}

  @Public()
  @Get('health')
  @HttpCode(200)
  @ApiOperation({ summary: 'Liveness and store reachability (no token needed: load balancers probe it)' })
  @ApiOkResponse({ description: '{ status: "ok", store }; 503 with a problem document when the store is unreachable' })
  async health(): Promise<{ status: 'ok'; store: string }> {
    try {
      await this.store.ping();
    } catch (error) {
      throw new EventStoreUnavailableError('event store unreachable', error);
    }
    return { status: 'ok', store: this.store.kind };
  }

  @Roles('admin', 'auditor')
  @Get('metrics')
  @ApiOperation({ summary: 'Prometheus metrics (admin or auditor token)' })
  async metricsText(@Res() response: Response): Promise<void> {
    await this.store.headPosition().catch(() => undefined);
    response.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }
}
