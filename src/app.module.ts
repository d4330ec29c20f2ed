import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { AuthGuard } from './auth/auth.guard.js';
import type { Clock } from './clock/clock.js';
import type { AppConfig } from './config/config.js';
import { CoreModule } from './core.module.js';
import type { EventStore } from './event-store/event-store.port.js';
import { HealthController } from './health/health.controller.js';
import { AwardsHttpModule } from './awards-http.module.js';
import { EtagInterceptor } from './http/etag.interceptor.js';
import { IdempotencyInterceptor } from './http/idempotency.interceptor.js';
import { ProblemDetailsFilter } from './http/problem-details.filter.js';
import { createValidationPipe } from './http/validation.js';
import type { DestinationStream } from 'pino';
import type { Projection } from '../projections/projection.js';
import { ProjectionsModule } from './projections/projections.module.js';
import { DeadlinesModule } from './deadlines/deadlines.module.js';
import { ReadModelsModule } from './read-models/read-models.module.js';

export interface AppOverrides {
  clock?: Clock;
  store?: EventStore;
  /** Read models to run instead of the registered ones (tests). */
  projections?: readonly Projection<any>[];
  /** false: deadlines are listed but not fired (tests that close publicity rounds by hand). */
  deadlineScheduler?: boolean;
  /** Where log lines go (default stdout; tests read them). */
  logDestination?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, overrides: AppOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CqrsModule.forRoot(),
        CoreModule.forRoot(config, overrides),
        AwardsHttpModule,
        ProjectionsModule.forRoot({ projections: overrides.projections }),
        ReadModelsModule,
        DeadlinesModule.forRoot({ runScheduler: overrides.deadlineScheduler }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        // Order matters: the ETag is set before the idempotency record stores the headers.
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: APP_INTERCEPTOR, useClass: EtagInterceptor },
      ],
    };
  }
}
