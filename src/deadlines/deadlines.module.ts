import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { AwardsHttpModule } from '../awards-http.module.js';
import type { AwardService } from '../awards/award.service.js';
import { CLOCK, type Clock } from '../clock/clock.js';
import { AWARD_SERVICE, POLICY_REGISTRY } from '../domain.tokens.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { ProjectionRunner } from '../projections/projection-runner.js';
import { PROJECTION_STORE, type ProjectionStore } from '../projections/projection-store.port.js';
import { DEADLINES_PROJECTION } from '../../projections/deadlines.js';
import type { PolicyRegistry } from '../../workflows/policy/registry.js';
import { ClockController } from './clock.controller.js';
import { DeadlineFirer } from './deadline-firer.js';
import { ProjectionDeadlineIndex } from './deadline-index.js';
import { DeadlinesController } from './deadlines.controller.js';
import { DeadlineScheduler } from './scheduler.js';

const RUN_SCHEDULER = Symbol.for('RUN_DEADLINE_SCHEDULER');

/**
 * Durable deadlines: the scheduler (started once the application is up, after the projection
 * engine), GET /api/deadlines and the manual clock's endpoint. Without the deadlines projection
 * among the engine's (a test that runs others only), or with `runScheduler: false` (a test that
 * closes its rounds by hand on a clock already past them), the scheduler stays off.
 */
@Module({
  imports: [AwardsHttpModule],
  controllers: [DeadlinesController, ClockController],
  providers: [
    {
      provide: DeadlineScheduler,
      inject: [EVENT_STORE, ProjectionRunner, PROJECTION_STORE, CLOCK, AWARD_SERVICE, POLICY_REGISTRY],
      useFactory: (events: EventStore, runner: ProjectionRunner, store: ProjectionStore, clock: Clock, awards: AwardService, policies: PolicyRegistry) =>
        new DeadlineScheduler(new ProjectionDeadlineIndex(events, runner, store), new DeadlineFirer({ store: events, clock, awards, policies }), clock),
    },
  ],
  exports: [DeadlineScheduler],
})
export class DeadlinesModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(DeadlineScheduler) private readonly scheduler: DeadlineScheduler,
    @Inject(ProjectionRunner) private readonly runner: ProjectionRunner,
    @Inject(RUN_SCHEDULER) private readonly runScheduler: boolean,
  ) {}

  static forRoot(options: { runScheduler?: boolean } = {}): DynamicModule {
    return { module: DeadlinesModule, providers: [{ provide: RUN_SCHEDULER, useValue: options.runScheduler ?? true }] };
  }

  onApplicationBootstrap(): void {
    if (this.runScheduler && this.runner.names.includes(DEADLINES_PROJECTION)) this.scheduler.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.scheduler.stop();
  }
}
