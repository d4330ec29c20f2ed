/**
 * Re-application ban read model (济南 第六条, 忻州 第十二、二十八条, 瀍河 第二十八、二十九条,
 * 朝阳 第十五、二十七、三十六条): one document per (programme, applicant) holding the applicant's
 * facts — applied, awarded, revoked, with dates, term years, policy versions — each with the event
 * it rests on (id, stream, position).
 *
 * It folds the applicant stream (`applicant-<programmeId>-<applicantId>`), the very stream the
 * submission reads, into the same `ApplicantFact`s that `applicantFacts` gives the submission, and
 * the query evaluates them with the same `evaluateBans`: the two agree by construction, and
 * bans.consistency.spec.ts checks it on random histories. Facts are dated, and evaluateBans only
 * counts those on or before the asked date, so past questions get past answers.
 *
 * Applicant ids of individuals are resident ids (personal data): they appear in keys and stream
 * ids only, never in an error message.
 */
import type { StoredEvent } from '../src/event-store/event-store.port.js';
import {
  APPLICANT_EVENT_TYPES,
  type ApplicantEvent,
  applicantStreamId,
} from '../workflows/applicant/applicant.js';
import { type ApplicantFact, type BanFinding, type BanTarget, evaluateBans } from '../workflows/policy/bans.js';
import type { ProgrammePolicy } from '../workflows/policy/policy.types.js';
import { termIdFor } from '../workflows/term/events.js';
import { defineProjection } from './projection.js';

export const BANS_PROJECTION = 'applicant-bans';

/** The only place a document key is built: programme and applicant, as the applicant stream. */
export function bansKey(programmeId: string, applicantId: string): string {
  return `${programmeId}:${applicantId}`;
}

export interface FactSource {
  eventId: string;
  streamId: string;
  revision: number;
  position: number;
}

export type RecordedFact = ApplicantFact & { source: FactSource };

export interface BansDocument {
  programmeId: string;
  facts: RecordedFact[];
  /** Revision of the last applicant-stream event applied: replays change nothing. */
  revision: number;
}

const APPLICANT_PREFIX = 'applicant-';

/**
 * Programme and applicant of an applicant-stream event. The stream id alone is ambiguous
 * (programme ids contain '-'), so the programme comes from the term id, built only by termIdFor.
 */
function owner(stored: StoredEvent): { programmeId: string; applicantId: string } | null {
  if (!stored.streamId.startsWith(APPLICANT_PREFIX)) return null;
  const { termId, termYear } = stored.data as { termId?: unknown; termYear?: unknown };
  const suffix = `-${String(termYear)}`;
  if (typeof termId !== 'string' || typeof termYear !== 'number' || !termId.endsWith(suffix)) {
    // Never the stream id in the message: it holds the applicant id.
    throw new Error(`${BANS_PROJECTION}: event ${stored.id} does not name its term as <programmeId>-<year>`);
  }
  const programmeId = termId.slice(0, -suffix.length);
  const prefix = applicantStreamId(programmeId, '');
  if (termIdFor(programmeId, termYear) !== termId || !stored.streamId.startsWith(prefix)) {
    throw new Error(`${BANS_PROJECTION}: event ${stored.id} is not in its programme's applicant stream`);
  }
  return { programmeId, applicantId: stored.streamId.slice(prefix.length) };
}

/** The fact `applicantFacts` gives for this event (the awarded/revoked ones take the application's version). */
function factOf(programmeId: string, event: ApplicantEvent, facts: readonly ApplicantFact[]): ApplicantFact {
  const { applicationId, termId, termYear, date } = event.data;
  const base = { programmeId, applicationId, termId, termYear, date };
  const versionOf = (id: string) => facts.find((f) => f.type === 'applied' && f.applicationId === id)?.policyVersion ?? '';
  switch (event.type) {
    case 'ApplicantApplied':
      return { type: 'applied', ...base, policyVersion: event.data.policyVersion };
    case 'ApplicantAwarded':
      return { type: 'awarded', ...base, policyVersion: versionOf(applicationId), tier: event.data.tier };
    case 'ApplicantAwardRevoked':
      return {
        type: 'revoked',
        ...base,
        policyVersion: versionOf(applicationId),
        tier: event.data.tier,
        ground: event.data.ground,
        awardedOn: event.data.awardedOn,
      };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

export const bansProjection = defineProjection<BansDocument>({
  name: BANS_PROJECTION,
  version: 1,
  handles: APPLICANT_EVENT_TYPES,
  keys(event) {
    const who = owner(event);
    return who ? [bansKey(who.programmeId, who.applicantId)] : [];
  },
  evolve(document, stored) {
    if (document && stored.revision <= document.revision) return document;
    const { programmeId } = owner(stored)!;
    const facts = document?.facts ?? [];
    const fact = factOf(programmeId, stored as unknown as ApplicantEvent, facts);
    const source: FactSource = { eventId: stored.id, streamId: stored.streamId, revision: stored.revision, position: stored.position };
    return { programmeId, facts: [...facts, { ...fact, source }], revision: stored.revision };
  },
});

// --- query side (pure) ---------------------------------------------------------------------------

export type ResolvePolicy = (programmeId: string, version: string) => ProgrammePolicy;

export interface BanRestsOn {
  applicationId: string;
  termId: string;
  type: ApplicantFact['type'];
  date: string;
  eventId: string | null;
  streamId: string | null;
  position: number | null;
}

export interface BarringRule {
  programme: string;
  version: string;
  article: string;
  ruleId: string;
  description: string;
  ground?: string;
  from: string;
  until: string | 'permanent';
  reading?: string;
  restsOn: BanRestsOn[];
}

export interface BanAnswer {
  programmeId: string;
  asOf: { date: string; termYear: number; termId: string | null };
  /** No re-application ban bars the applicant from that term on that date. */
  allowed: boolean;
  bans: BarringRule[];
  /**
   * The applicant's application in the asked term, dated on or before the date: the submission
   * also refuses a second application in one term (朝阳 第十七条(三)), which is not a ban.
   */
  alreadyAppliedInTerm: { applicationId: string; date: string } | null;
  /** The facts the answer was evaluated over (dated on or before `asOf.date`). */
  facts: RecordedFact[];
}

export interface BanQuestion extends BanTarget {
  /** The term asked about, when the question names one. */
  termId?: string;
}

/**
 * Facts in the form the submission evaluates (applicantFacts), without their sources. The ban
 * check at submission is `evaluateBans(resolve, applicantFacts(programmeId, events), target)`.
 */
export function factsOf(document: BansDocument | null): ApplicantFact[] {
  return (document?.facts ?? []).map(({ source: _source, ...fact }) => fact);
}

export function banAnswer(document: BansDocument | null, question: BanQuestion, resolvePolicy: ResolvePolicy): BanAnswer {
  const { programmeId, termYear, date, termId } = question;
  const findings = evaluateBans(resolvePolicy, factsOf(document), { programmeId, termYear, date });
  const recorded = (document?.facts ?? []).filter((f) => f.programmeId === programmeId && f.date <= date);
  const applied = termId === undefined ? undefined : recorded.find((f) => f.type === 'applied' && f.termId === termId);
  return {
    programmeId,
    asOf: { date, termYear, termId: termId ?? null },
    allowed: findings.length === 0,
    bans: findings.map((finding) => barringRule(finding, recorded)),
    alreadyAppliedInTerm: applied ? { applicationId: applied.applicationId, date: applied.date } : null,
    facts: recorded,
  };
}

/**
 * The answer as a token bound to terms may read it: such a token reaches its terms and what belongs
 * to them (a supervision group appointed for one term), so `facts` keeps the asked term's facts and
 * those a barring rule rests on (the answer's grounds, which the submission would cite as well),
 * not the rest of the applicant's history in the programme (its applications to other terms).
 */
export function withinAskedTerm(answer: BanAnswer): BanAnswer {
  const { termId } = answer.asOf;
  const cited = (fact: RecordedFact) =>
    answer.bans.some((ban) => ban.restsOn.some((r) => r.applicationId === fact.applicationId && r.type === fact.type && r.date === fact.date));
  return { ...answer, facts: answer.facts.filter((fact) => (termId !== null && fact.termId === termId) || cited(fact)) };
}

function barringRule(finding: BanFinding, facts: readonly RecordedFact[]): BarringRule {
  const { restsOn, ...rule } = finding;
  return {
    ...rule,
    restsOn: restsOn.map((r) => {
      const source = facts.find((f) => f.applicationId === r.applicationId && f.type === r.type && f.date === r.date)?.source;
      return { ...r, eventId: source?.eventId ?? null, streamId: source?.streamId ?? null, position: source?.position ?? null };
    }),
  };
}
