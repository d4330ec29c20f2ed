import { Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from './config/config.js';
import { CLOCK, type Clock } from './clock/clock.js';
import { EVENT_STORE, type EventStore } from './event-store/event-store.port.js';
import { AwardService } from './awards/award.service.js';
import { PolicyRegistry } from '../workflows/policy/registry.js';
import { WorkingDayCalendar } from '../workflows/calendar/working-days.js';
import { AWARD_SERVICE, POLICY_REGISTRY, WORKING_DAY_CALENDAR } from './domain.tokens.js';
import { ApplicationsController } from './applications/applications.controller.js';
import { ObjectionsController } from './applications/objections.controller.js';
import { RunApplicationHandler, SubmitApplicationHandler } from './applications/application.commands.js';
import { TermsController } from './terms/terms.controller.js';
import { TermCommandHandler } from './terms/term.commands.js';
import { ProgrammesController } from './programmes/programmes.controller.js';
import { loadExtraCalendarYears } from './calendar-config.js';

/** The award domain at the edge: policies, calendar and the award service, and their endpoints. */
@Module({
  controllers: [ProgrammesController, TermsController, ApplicationsController, ObjectionsController],
  providers: [
    {
      provide: POLICY_REGISTRY,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => PolicyRegistry.fromDirectories([PolicyRegistry.builtInDirectory(), ...config.policyDirs]),
    },
    {
      provide: WORKING_DAY_CALENDAR,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const extra = loadExtraCalendarYears(config);
        return extra ? WorkingDayCalendar.withExtraYears(extra) : WorkingDayCalendar.fromPackage();
      },
    },
    {
      provide: AWARD_SERVICE,
      inject: [EVENT_STORE, POLICY_REGISTRY, CLOCK, WORKING_DAY_CALENDAR],
      useFactory: (store: EventStore, policies: PolicyRegistry, clock: Clock, calendar: WorkingDayCalendar) =>
        new AwardService({ store, policies, clock, calendar }),
    },
    SubmitApplicationHandler,
    RunApplicationHandler,
    TermCommandHandler,
  ],
  exports: [POLICY_REGISTRY, WORKING_DAY_CALENDAR, AWARD_SERVICE],
})
export class AwardsHttpModule {}
