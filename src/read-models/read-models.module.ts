/**
 * Query endpoints of the read models (issue "Projections"), one controller per read model.
 *
 * TO ADD YOURS (audit, objection log, …): put `<name>.controller.ts` in this folder and add its
 * class to `controllers` below — one import line and one array entry, nothing else. Register the
 * projection itself in src/projections/registered-projections.ts. In the controller, inject
 * ProjectionReader (global, from ProjectionsModule) and answer through
 * `reader.read(name, { minPosition }, (view) => …)`, which waits for ?minPosition= and returns
 * `{ checkpoint, stale, data }`. AWARD_SERVICE (scopeOfTerm, …) and POLICY_REGISTRY come from
 * AwardsHttpModule, imported here. Scope every answer to the token's programmes
 * (assertProgrammeAccess) and keep applicant ids out of error messages (personal data).
 */
import { Module } from '@nestjs/common';
import { AwardsHttpModule } from '../awards-http.module.js';
import { AuditController } from './audit.controller.js';
import { BansController } from './bans.controller.js';
import { ObjectionsLogController } from './objections.controller.js';
import { QuotaController } from './quota.controller.js';

@Module({
  imports: [AwardsHttpModule],
  controllers: [QuotaController, BansController, AuditController, ObjectionsLogController],
})
export class ReadModelsModule {}
