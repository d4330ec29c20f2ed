import { type DynamicModule, Inject, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Projection } from '../../projections/projection.js';
import { CLOCK, type Clock } from '../clock/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { METRICS, type Metrics } from '../observability/metrics.js';
import { createProjectionStore } from './create-projection-store.js';
import { ProjectionReader } from './projection-reader.js';
import { PROJECTIONS, ProjectionRunner, type ProjectionRunnerOptions } from './projection-runner.js';
import { PROJECTION_STORE, type ProjectionStore } from './projection-store.port.js';
import { ProjectionsController } from './projections.controller.js';
import { REGISTERED_PROJECTIONS } from './registered-projections.js';
import { workerBuilder } from './rebuild-worker.js';

const RUNNER_OPTIONS = Symbol.for('PROJECTION_RUNNER_OPTIONS');

export interface ProjectionsModuleOptions {
  /** Defaults to REGISTERED_PROJECTIONS; tests pass their own. */
  projections?: readonly Projection<any>[];
  runner?: ProjectionRunnerOptions;
}

/**
 * Read-model engine: runs from application bootstrap to shutdown (stopped in onModuleDestroy, so
 * before CoreModule closes the event store whose connection it shares). Global, so a read model's
 * module injects ProjectionReader without importing this one.
 */
@Module({})
export class ProjectionsModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(ProjectionRunner) private readonly runner: ProjectionRunner,
    @Inject(PROJECTION_STORE) private readonly store: ProjectionStore,
  ) {}

  static forRoot(options: ProjectionsModuleOptions = {}): DynamicModule {
    return {
      module: ProjectionsModule,
      global: true,
      controllers: [ProjectionsController],
      providers: [
        { provide: PROJECTIONS, useValue: options.projections ?? REGISTERED_PROJECTIONS },
        { provide: RUNNER_OPTIONS, useValue: options.runner ?? {} },
        {
          provide: PROJECTION_STORE,
          inject: [EVENT_STORE, APP_CONFIG],
          useFactory: (events: EventStore, config: AppConfig) => createProjectionStore(events, config),
        },
        {
          provide: ProjectionRunner,
          inject: [EVENT_STORE, PROJECTION_STORE, PROJECTIONS, CLOCK, METRICS, RUNNER_OPTIONS, APP_CONFIG],
          useFactory: (
            events: EventStore,
            store: ProjectionStore,
            projections: readonly Projection<any>[],
            clock: Clock,
            metrics: Metrics,
            runnerOptions: ProjectionRunnerOptions,
            config: AppConfig,
          ) =>
            // Rebuilds in worker threads where they can run (the compiled server), so the event loop keeps answering.
            new ProjectionRunner(events, store, projections, clock, metrics, { offThread: workerBuilder(config, projections), ...runnerOptions }),
        },
        {
          provide: ProjectionReader,
          inject: [ProjectionRunner, PROJECTION_STORE],
          useFactory: (runner: ProjectionRunner, store: ProjectionStore) => new ProjectionReader(runner, store),
        },
      ],
      exports: [PROJECTIONS, PROJECTION_STORE, ProjectionRunner, ProjectionReader],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.runner.stop();
    await this.store.close();
  }
}
