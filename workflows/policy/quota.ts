import { QuotaExceededError, RuleViolationError } from '../errors.js';
import type { ApplicantKind, ProgrammePolicy, TierPolicy } from './policy.types.js';
import { ALL_TIERS } from './validate.js';

export { ALL_TIERS } from './validate.js';

/** One place in a term: awarded (taken) or about to be (requested). */
export interface QuotaClaim {
  tier: string;
  kind: ApplicantKind;
}

export interface QuotaRow {
  /** Tier id, or ALL_TIERS ('*') for the programme-wide limit. */
  tier: string;
  kind: ApplicantKind | 'total';
  limit: number;
  used: number;
  free: number;
  article: string;
}

interface Bucket {
  tier: string;
  kind: ApplicantKind | 'total';
  limit: number;
  article: string;
  counts: (claim: QuotaClaim) => boolean;
}

/** Every limit the policy sets: per tier and kind, per tier, programme-wide (total and per kind). */
function buckets(policy: ProgrammePolicy): Bucket[] {
  const out: Bucket[] = [];
  for (const tier of policy.tiers) {
    for (const kind of policy.applicantKinds.kinds) {
      const limit = tier.quota.perKind?.[kind];
      if (limit !== undefined) out.push({ tier: tier.id, kind, limit, article: tier.article, counts: (c) => c.tier === tier.id && c.kind === kind });
    }
    if (tier.quota.total !== undefined)
      out.push({ tier: tier.id, kind: 'total', limit: tier.quota.total, article: tier.article, counts: (c) => c.tier === tier.id });
  }
  const tq = policy.totalQuota;
  if (tq) {
    for (const kind of policy.applicantKinds.kinds) {
      const limit = tq.perKind?.[kind];
      if (limit !== undefined) out.push({ tier: ALL_TIERS, kind, limit, article: tq.article, counts: (c) => c.kind === kind });
    }
    out.push({ tier: ALL_TIERS, kind: 'total', limit: tq.total, article: tq.article, counts: () => true });
  }
  return out;
}

function tierOf(policy: ProgrammePolicy, claim: QuotaClaim): TierPolicy {
  const tier = policy.tiers.find((t) => t.id === claim.tier);
  const rule = (article: string) => ({ programme: policy.programmeId, version: policy.version, article });
  if (!tier)
    throw new RuleViolationError(
      `${policy.name} has no tier '${claim.tier}' (tiers: ${policy.tiers.map((t) => t.id).join(', ')})`,
      rule([...new Set(policy.tiers.map((t) => t.article))].join('、')),
      'tier',
    );
  if (!policy.applicantKinds.kinds.includes(claim.kind))
    throw new RuleViolationError(`${policy.name} does not award ${claim.kind} applicants`, rule(policy.applicantKinds.article), 'kind');
  return tier;
}

/**
 * Refuses `requested` places when, together with `taken`, they would exceed any limit of the
 * term. Callers pass everything decided in one step at once, so two awards decided together are
 * checked together (every programme: 名额 never exceeded; 淄博 第四条, 济南 第二条, 忻州 第四条,
 * 瀍河 第四条, 朝阳 第三条).
 */
export function checkQuota(policy: ProgrammePolicy, taken: QuotaClaim[], requested: QuotaClaim[]): void {
  requested.forEach((c) => tierOf(policy, c));
  for (const b of buckets(policy)) {
    const asked = requested.filter(b.counts).length;
    if (asked === 0) continue;
    const used = taken.filter(b.counts).length;
    if (used + asked <= b.limit) continue;
    const what = b.tier === ALL_TIERS ? `all tiers together${b.kind === 'total' ? '' : ` (${b.kind})`}` : `tier '${b.tier}'${b.kind === 'total' ? '' : ` (${b.kind})`}`;
    throw new QuotaExceededError(
      `Quota exceeded for ${what}: limit ${b.limit} per term, ${used} taken, ${asked} requested`,
      { programme: policy.programmeId, version: policy.version, article: b.article },
      undefined,
      { tier: b.tier, kind: b.kind, limit: b.limit, used, requested: asked },
    );
  }
}

/** Limits and use of a term, one row per limit the policy sets (the quota read model). */
export function quotaTable(policy: ProgrammePolicy, taken: QuotaClaim[]): QuotaRow[] {
  return buckets(policy).map((b) => {
    const used = taken.filter(b.counts).length;
    return { tier: b.tier, kind: b.kind, limit: b.limit, used, free: Math.max(0, b.limit - used), article: b.article };
  });
}
