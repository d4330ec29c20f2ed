/**
 * GB/T 19580 卓越绩效评价准则: seven categories, 1000 points (瀍河 第十三条, 朝阳 第五条). Materials and
 * on-site reviews are scored per reviewer; a recused reviewer (xinzhou 第二十九条, 朝阳 第三十二条) is
 * recorded but not counted, and the stage's score is the mean of the counted reviewers' totals.
 */
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { RuleViolationError } from '../errors.js';
import type { CategoryScores, ReviewerScore, ScoredReview } from './events.js';

export const GBT19580_MAXIMA: Readonly<CategoryScores> = Object.freeze({
  leadership: 110,
  strategy: 90,
  customersAndMarket: 90,
  resources: 130,
  processManagement: 100,
  measurementAnalysisImprovement: 80,
  results: 400,
});

export const SCORE_CATEGORIES = Object.keys(GBT19580_MAXIMA) as Array<keyof CategoryScores>;

export function totalOf(scores: CategoryScores): number {
  return SCORE_CATEGORIES.reduce((sum, c) => sum + scores[c], 0);
}

/** Rounded to hundredths so that stored scores compare exactly across platforms. */
function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Checks every reviewer's scores against the category maxima and the programme's maximum, and
 * returns the reviews with the counted mean. Throws RuleViolationError naming the field.
 */
export function scoreReviews(policy: ProgrammePolicy, reviews: ReviewerScore[], field = 'reviews'): ScoredReview {
  const rule = { programme: policy.programmeId, version: policy.version, article: policy.scoring.article };
  if (!Array.isArray(reviews) || reviews.length === 0) {
    throw new RuleViolationError('A scored review needs at least one reviewer', rule, field);
  }
  const seen = new Set<string>();
  const totals: number[] = [];
  reviews.forEach((review, i) => {
    const at = `${field}[${i}]`;
    if (!review || typeof review.reviewerId !== 'string' || review.reviewerId === '') {
      throw new RuleViolationError('Each review names its reviewer', rule, `${at}.reviewerId`);
    }
    if (seen.has(review.reviewerId)) {
      throw new RuleViolationError(`Reviewer ${review.reviewerId} is listed twice`, rule, `${at}.reviewerId`);
    }
    seen.add(review.reviewerId);
    if (review.recused) return; // recorded, never counted (xinzhou 第二十九条, 朝阳 第三十二条)
    if (!review.scores) {
      throw new RuleViolationError('A reviewer who did not withdraw must score every category', rule, `${at}.scores`);
    }
    for (const category of SCORE_CATEGORIES) {
      const value = review.scores[category];
      const max = GBT19580_MAXIMA[category];
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
        throw new RuleViolationError(
          `${category} must be between 0 and ${max} (${policy.scoring.standard})`,
          rule,
          `${at}.scores.${category}`,
        );
      }
    }
    const total = totalOf(review.scores);
    if (total > policy.scoring.maxScore) {
      throw new RuleViolationError(`Total ${total} exceeds ${policy.scoring.maxScore}`, rule, `${at}.scores`);
    }
    totals.push(total);
  });
  if (totals.length === 0) {
    throw new RuleViolationError('Every reviewer withdrew: no score can be counted', rule, field);
  }
  const score = round2(totals.reduce((a, b) => a + b, 0) / totals.length);
  return { reviews, counted: totals.length, score };
}
