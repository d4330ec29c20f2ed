import type { Projection } from '../../projections/projection.js';
import { createDeadlinesProjection } from '../../projections/deadlines.js';
import { defaultPolicyLookup } from '../deadlines/policy-lookup.js';
import { auditProjection } from '../../projections/audit.js';
import { bansProjection } from '../../projections/bans.js';
import { objectionLogProjection } from '../../projections/objection-log.js';
import { quotaProjection } from '../../projections/quota.js';

/**
 * The projections the server keeps up to date and `npm run projections:rebuild` knows.
 * Register a read model with one line here.
 */
export const REGISTERED_PROJECTIONS: readonly Projection<any>[] = [
  quotaProjection,
  bansProjection,
  auditProjection,
  objectionLogProjection,
  createDeadlinesProjection(defaultPolicyLookup),
];
