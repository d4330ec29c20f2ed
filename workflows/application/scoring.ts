/**
 * Review scores: seven category fields per reviewer (the stored CategoryScores), at most
 * `scoring.maxScore` in all. Per-category maxima are enforced only where the policy lists
 * `scoring.categories`, i.e. where the text names GB/T 19580 as its standard (瀍河 第十三条, 朝阳 第五条:
 * 领导 110 … 结果 400, read from the policy). 淄博 (第六条、第十六条), 济南 (第五条) and 忻州 (第十三条,
 * DB 14/T 1462–1464) name no categories or maxima: only the total is checked, against the 1000 points
 * their policies assume (`scoring.reading`). Materials and on-site reviews are scored per reviewer; a
 * recused reviewer (xinzhou 第二十九条, 朝阳 第三十二条) is recorded but not counted, and the stage's
 * score is the mean of the counted reviewers' totals.
 */
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { SCORING_CATEGORY_FIELDS } from '../policy/validate.js';
import { InvalidInputError, RuleViolationError } from '../errors.js';
import type { CategoryScores, ReviewerScore, ScoredReview } from './events.js';

type PolicyCategoryId = keyof typeof SCORING_CATEGORY_FIELDS;
type MappedField = (typeof SCORING_CATEGORY_FIELDS)[PolicyCategoryId];
/** Compile-time: the policy ids map onto exactly the seven stored fields. */
const sameFields: [MappedField, keyof CategoryScores] extends [keyof CategoryScores, MappedField] ? true : never = true;
void sameFields;

export const SCORE_CATEGORIES: ReadonlyArray<keyof CategoryScores> = Object.values(SCORING_CATEGORY_FIELDS);

/**
 * The policy's per-category maxima keyed by the stored fields, or undefined where the policy lists
 * no categories (its text names none). The validator (policy/validate.ts) ensures the ids map.
 */
export function categoryMaxima(policy: ProgrammePolicy): Readonly<CategoryScores> | undefined {
  const categories = policy.scoring.categories;
  if (categories === undefined) return undefined;
  return Object.fromEntries(categories.map((c) => [SCORING_CATEGORY_FIELDS[c.id as PolicyCategoryId], c.points])) as unknown as CategoryScores;
}

export function totalOf(scores: CategoryScores): number {
  return SCORE_CATEGORIES.reduce((sum, c) => sum + scores[c], 0);
}

/** Rounded to hundredths so that stored scores compare exactly across platforms. */
function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/**
 * Checks every reviewer's scores (each a number >= 0; at most the category's maximum where the
 * policy has categories; in all at most the programme's maximum) and returns the reviews with the
 * counted mean. Throws InvalidInputError for a score that is not a number >= 0, RuleViolationError
 * citing the scoring article otherwise, each naming the field.
 */
export function scoreReviews(policy: ProgrammePolicy, reviews: ReviewerScore[], field = 'reviews'): ScoredReview {
  const { article, standard, maxScore, reading } = policy.scoring;
  const rule = { programme: policy.programmeId, version: policy.version, article };
  const maxima = categoryMaxima(policy);
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
      // Input validity, not a rule: every programme's scores are numbers >= 0.
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new InvalidInputError(`${category} must be a number >= 0`, `${at}.scores.${category}`);
      }
      // The category maxima of GB/T 19580, where the text names it (瀍河 第十三条, 朝阳 第五条).
      if (maxima !== undefined && value > maxima[category]) {
        throw new RuleViolationError(`${category} must be between 0 and ${maxima[category]} (${standard})`, rule, `${at}.scores.${category}`);
      }
    }
    const total = totalOf(review.scores);
    if (total > maxScore) {
      // Where the text gives no scale (淄博, 济南, 忻州), the 1000 points are the policy's reading.
      throw new RuleViolationError(
        `Total ${total} exceeds ${maxScore}${reading !== undefined ? ` (the ${maxScore}-point scale is this policy's assumed reading)` : ''}`,
        reading !== undefined ? { ...rule, reading } : rule,
        `${at}.scores`,
      );
    }
    totals.push(total);
  });
  if (totals.length === 0) {
    throw new RuleViolationError('Every reviewer withdrew: no score can be counted', rule, field);
  }
  const score = round2(totals.reduce((a, b) => a + b, 0) / totals.length);
  return { reviews, counted: totals.length, score };
}
