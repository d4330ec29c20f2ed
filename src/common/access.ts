import { mayActOnProgramme, mayActOnTerm, type TermScope, type TokenClaims } from '../auth/jwt.js';
import { ForbiddenError } from '../http/http-errors.js';

/**
 * 403 unless the token lists the programme (or '*'). For what belongs to one term (the term
 * itself, its applications, their objections and histories) use assertTermAccess instead, so
 * that a token bound to terms is held to them.
 */
export function assertProgrammeAccess(user: TokenClaims, programmeId: string): void {
  if (!mayActOnProgramme(user, programmeId)) {
    throw new ForbiddenError(`Your token does not allow programme '${programmeId}'`, { programme: programmeId });
  }
}

/**
 * 403 unless the token allows the programme and, when it is bound to terms (a supervision group
 * appointed for one term, 济南 第九条, 淄博 第十二条), the term.
 */
function assertTermScope(user: TokenClaims, scope: TermScope): void {
  assertProgrammeAccess(user, scope.programmeId);
  if (!mayActOnTerm(user, scope)) {
    throw new ForbiddenError(`Your token is bound to the terms ${user.terms!.join(', ')}; it does not allow term '${scope.termId}'`, {
      programme: scope.programmeId,
      term: scope.termId,
    });
  }
}

/** Where the dissolution of a term's supervision group is recorded (AwardService). */
export interface SupervisionRecords {
  supervisionDissolution(termId: string): Promise<{ dissolvedOn: string; article: string } | null>;
}

/**
 * 403 unless the token allows the programme and, when it is bound to terms, the term; and for the
 * token of a supervision group's member (bound to terms, no role but supervisor) also once the
 * group of that term has been dissolved (济南 第九条, 淄博 第十二条: its work ends with the term).
 * Other tokens cost no read.
 */
export async function assertTermAccess(user: TokenClaims, scope: TermScope, records: SupervisionRecords): Promise<void> {
  assertTermScope(user, scope);
  if (!isGroupMember(user)) return;
  const dissolved = await records.supervisionDissolution(scope.termId);
  if (dissolved) {
    throw new ForbiddenError(`The supervision group of term '${scope.termId}' was dissolved on ${dissolved.dissolvedOn} (${dissolved.article})`, {
      programme: scope.programmeId,
      term: scope.termId,
      rule: { programme: scope.programmeId, article: dissolved.article },
    });
  }
}

/**
 * The terms a token may act on now: undefined when it is not bound to terms; for a supervision
 * group member's token, those whose group has not been dissolved.
 */
export async function currentTerms(user: TokenClaims, records: SupervisionRecords): Promise<string[] | undefined> {
  if (user.terms === undefined || !isGroupMember(user)) return user.terms;
  const dissolved = await Promise.all(user.terms.map((termId) => records.supervisionDissolution(termId)));
  return user.terms.filter((_, index) => dissolved[index] === null);
}

/**
 * A supervision group's member: a token bound to terms acting on this call as a supervisor only
 * (the roles of the token that the route admits, AuthGuard's `actingAs`). A token that also
 * holds a role the route admits (an auditor's, the office's) keeps that role's access when the
 * group is dissolved; on a route only the supervisor role opens, it is the member's token.
 */
function isGroupMember(user: TokenClaims): boolean {
  return user.terms !== undefined && (user.actingAs ?? user.roles).every((role) => role === 'supervisor');
}

/**
 * 403 unless the token reaches every programme (`["*"]`, not bound to terms): for what acts on all
 * of them at once, such as moving the shared clock (which starts every programme's publicity
 * ends and deadlines) or rebuilding a read model of every programme's records. An admin whose
 * token names some programmes administers those, not the whole service.
 */
export function assertEveryProgramme(user: TokenClaims, what: string): void {
  if (!user.programmes.includes('*') || user.terms !== undefined) {
    const scope = user.terms !== undefined ? `the terms ${user.terms.join(', ')}` : `the programmes ${user.programmes.join(', ')}`;
    throw new ForbiddenError(`${what} acts on every programme; your token is limited to ${scope} (it needs programmes ["*"])`);
  }
}

/**
 * 403 for a token bound to terms: it acts within its terms, not on a programme as a whole (opening
 * a term, or a question about any term of the programme).
 */
export function assertNotTermBound(user: TokenClaims, what: string): void {
  if (user.terms !== undefined) {
    throw new ForbiddenError(`Your token is bound to the terms ${user.terms.join(', ')}; ${what} needs a token not bound to terms`);
  }
}
