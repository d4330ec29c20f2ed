/**
 * Applicant identifiers: organisations by 统一社会信用代码 (GB 32100-2015), individuals by
 * 公民身份号码 (GB 11643-1999) — see shared/domain/RULES.md, Vocabulary.
 */
import { InvalidInputError } from '../errors.js';
import type { ApplicantKind } from '../policy/policy.types.js';
import { validateResidentId, type ResidentIdFailure, type ResidentIdOptions } from './resident-id.js';
import { validateUscc, type UsccFailure } from './uscc.js';

export { USCC_CHARSET, usccCheckCharacter, validateUscc, withUsccCheck } from './uscc.js';
export { residentIdCheckCharacter, validateResidentId, withResidentIdCheck } from './resident-id.js';

export type ApplicantIdFailure = UsccFailure | ResidentIdFailure | 'not-a-string';

export type ApplicantIdResult =
  | { ok: true; normalised: string }
  | { ok: false; reason: ApplicantIdFailure; message: string };

/** Trims and upper-cases (people type 'x' for the check character, and lower-case codes). */
export function normaliseApplicantId(id: string): string {
  return id.trim().toUpperCase();
}

export function validateApplicantId(
  kind: ApplicantKind,
  id: unknown,
  options: ResidentIdOptions = {},
): ApplicantIdResult {
  if (typeof id !== 'string') return { ok: false, reason: 'not-a-string', message: 'The applicant id must be a string' };
  const normalised = normaliseApplicantId(id);
  switch (kind) {
    case 'organisation':
      return validateUscc(normalised);
    case 'individual':
      return validateResidentId(normalised, options);
    default: {
      const _exhaustive: never = kind;
      throw new InvalidInputError(`Unknown applicant kind ${String(_exhaustive)}`, 'kind');
    }
  }
}

/** The normalised id, or InvalidInputError (422) naming `field`; never echoes the id. */
export function assertApplicantId(
  kind: ApplicantKind,
  id: unknown,
  field = 'applicantId',
  options: ResidentIdOptions = {},
): string {
  const result = validateApplicantId(kind, id, options);
  if (!result.ok) throw new InvalidInputError(result.message, field, { reason: result.reason });
  return result.normalised;
}
