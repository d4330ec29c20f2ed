/**
 * An applicant's history within one programme, stream `applicant-<programmeId>-<applicantId>`.
 *
 * Appended in the same atomic append as the application event that causes it, with the expected
 * revision of this stream. That makes two rules consistent instead of eventually consistent:
 * - one application per applicant per term, whatever the channel (朝阳 第十七条(三));
 * - the re-application bans checked at submission (济南 第六条, 忻州 第十二、二十八条,
 *   瀍河 第二十八、二十九条, 朝阳 第十五、二十七、三十六条), evaluated over the facts of this stream.
 * Two concurrent submissions by one applicant race on this stream's revision; one loses.
 */
import { RuleViolationError } from '../errors.js';
import type { ApplicantFact, BanFinding } from '../policy/bans.js';
import type { ProgrammePolicy } from '../policy/policy.types.js';

export function applicantStreamId(programmeId: string, applicantId: string): string {
  return `applicant-${programmeId}-${applicantId}`;
}

type E<Type extends string, Data> = { readonly type: Type; readonly data: Data };

export type ApplicantApplied = E<
  'ApplicantApplied',
  { applicationId: string; termId: string; termYear: number; policyVersion: string; date: string }
>;
export type ApplicantAwarded = E<
  'ApplicantAwarded',
  { applicationId: string; termId: string; termYear: number; tier: string; date: string }
>;
export type ApplicantAwardRevoked = E<
  'ApplicantAwardRevoked',
  { applicationId: string; termId: string; termYear: number; tier: string; ground: string; date: string; awardedOn: string }
>;

export type ApplicantEvent = ApplicantApplied | ApplicantAwarded | ApplicantAwardRevoked;
export const APPLICANT_EVENT_TYPES: readonly ApplicantEvent['type'][] = [
  'ApplicantApplied',
  'ApplicantAwarded',
  'ApplicantAwardRevoked',
];

export interface ApplicantHistory {
  applications: Array<ApplicantApplied['data'] & { tier?: string; awardedOn?: string; revokedOn?: string; ground?: string }>;
}

export const initialApplicantHistory = (): ApplicantHistory => ({ applications: [] });

export function evolveApplicant(state: ApplicantHistory, event: ApplicantEvent): ApplicantHistory {
  switch (event.type) {
    case 'ApplicantApplied':
      return { applications: [...state.applications, { ...event.data }] };
    case 'ApplicantAwarded':
      return {
        applications: state.applications.map((a) =>
          a.applicationId === event.data.applicationId ? { ...a, tier: event.data.tier, awardedOn: event.data.date } : a,
        ),
      };
    case 'ApplicantAwardRevoked':
      return {
        applications: state.applications.map((a) =>
          a.applicationId === event.data.applicationId
            ? { ...a, revokedOn: event.data.date, ground: event.data.ground }
            : a,
        ),
      };
    default:
      return state;
  }
}

/** The stream's events as the facts evaluateBans reads. `policyVersion` is the application's. */
export function applicantFacts(programmeId: string, events: readonly ApplicantEvent[]): ApplicantFact[] {
  const versionOf = new Map<string, string>();
  const facts: ApplicantFact[] = [];
  for (const event of events) {
    switch (event.type) {
      case 'ApplicantApplied':
        versionOf.set(event.data.applicationId, event.data.policyVersion);
        facts.push({ type: 'applied', programmeId, ...pick(event.data) });
        break;
      case 'ApplicantAwarded':
        facts.push({ type: 'awarded', programmeId, ...pick(event.data), tier: event.data.tier });
        break;
      case 'ApplicantAwardRevoked':
        facts.push({
          type: 'revoked',
          programmeId,
          ...pick(event.data),
          tier: event.data.tier,
          ground: event.data.ground,
          awardedOn: event.data.awardedOn,
        });
        break;
    }
  }
  return facts.map((f) => ({ ...f, policyVersion: versionOf.get(f.applicationId) ?? '' }));

  function pick(d: { applicationId: string; termId: string; termYear: number; date: string }) {
    return { applicationId: d.applicationId, termId: d.termId, termYear: d.termYear, date: d.date, policyVersion: '' };
  }
}

export interface ApplyCommand {
  applicationId: string;
  termId: string;
  termYear: number;
  policyVersion: string;
  date: string;
}

/**
 * Decides the applicant's side of a submission: refused when the applicant already applied in
 * this term (朝阳 第十七条(三): 禁止通过多个渠道重复申报; we read it as one application per term
 * whatever its outcome, for every programme) or when a ban applies.
 */
export function decideApply(
  command: ApplyCommand,
  events: readonly ApplicantEvent[],
  policy: ProgrammePolicy,
  bansFor: (facts: ApplicantFact[]) => BanFinding[],
): ApplicantApplied {
  const history = events.reduce(evolveApplicant, initialApplicantHistory());
  const earlier = history.applications.find((a) => a.termId === command.termId);
  if (earlier) {
    throw new RuleViolationError(
      `The applicant already applied in term ${command.termId} (application ${earlier.applicationId})`,
      {
        programme: policy.programmeId,
        version: policy.version,
        article: policy.channels.article,
        // Only 朝阳 第十七条(三) says it (禁止通过多个渠道重复申报); elsewhere it follows from applying
        // through one recommending body, and is applied to every programme as the reading says.
        ...(policy.channels.oneChannelOnly
          ? {}
          : {
              reading: `${policy.channels.article} routes an application through one recommending body; the text has no explicit ban on a second application, so one application per applicant per term is applied as a reading`,
            }),
      },
      'applicant.id',
      { applicationId: earlier.applicationId },
    );
  }
  const findings = bansFor(applicantFacts(policy.programmeId, events));
  const ban = findings[0];
  if (ban) {
    throw new RuleViolationError(
      `The applicant may not apply: ${ban.description} (${ban.from} – ${ban.until})`,
      { programme: ban.programme, version: ban.version, article: ban.article },
      'applicant.id',
      { ban: { ruleId: ban.ruleId, from: ban.from, until: ban.until, ground: ban.ground, restsOn: ban.restsOn }, bans: findings.length },
    );
  }
  return { type: 'ApplicantApplied', data: { ...command } };
}
