import { mayActOnProgramme, type TokenClaims } from '../auth/jwt.js';
import { ForbiddenError } from '../http/http-errors.js';

/** 403 unless the token lists the programme (or '*'). */
export function assertProgrammeAccess(user: TokenClaims, programmeId: string): void {
  if (!mayActOnProgramme(user, programmeId)) {
    throw new ForbiddenError(`Your token does not allow programme '${programmeId}'`, { programme: programmeId });
  }
}
