import { InvalidInputError, RuleViolationError } from '../errors.js';
import { fullYearsBetween, isIsoDate } from './dates.js';
import type { ApplicantKind, ChannelKind, ProgrammePolicy } from './policy.types.js';

/** What an applicant submits and declares; the facts are recorded with the application. */
export interface SubmissionInput {
  applicant: { kind: ApplicantKind; id: string; name: string };
  channel: { kind: ChannelKind; recommender: string };
  declaration: {
    /** Start of normal operation (organisations). */
    operatingSince?: string;
    /** Start of quality work in the region (individuals). */
    qualityWorkSince?: string;
    /** The organisation works in a 四新 field (淄博 第七条(一)). */
    fourNewField?: boolean;
    /** The leading group's decision lifting the minimum years (忻州 第十条). */
    waiver?: { grantedBy: 'leading-group'; documentNo: string; date: string };
    /** Exclusion code → whether it happened; every exclusion of the programme must be declared false. */
    exclusions: Record<string, boolean>;
  };
}

/**
 * Refuses a submission the regulation excludes, citing the article. Minimum years are counted
 * in full years up to the term's notice date, the date the regulation's conditions speak from.
 * Articles (carried by the policy data): 淄博 第三条、第七条、第九条; 济南 第三条、第十条、第十二条;
 * 忻州 第十条、第十一条; 瀍河 第二条、第十条、第十一条; 朝阳 第二条、第十三条、第十四条.
 */
export function checkEligibility(policy: ProgrammePolicy, submission: SubmissionInput, noticeDate: string): void {
  const refuse = (message: string, article: string, field: string): never => {
    throw new RuleViolationError(message, { programme: policy.programmeId, version: policy.version, article }, field);
  };
  if (!isIsoDate(noticeDate)) throw new InvalidInputError(`Not a date (YYYY-MM-DD): ${JSON.stringify(noticeDate)}`, 'noticeDate');
  const kind = submission.applicant.kind;
  const declaration = submission.declaration ?? { exclusions: {} };

  if (!policy.applicantKinds.kinds.includes(kind))
    refuse(`${policy.name} does not accept ${kind} applicants (only ${policy.applicantKinds.kinds.join(', ')})`, policy.applicantKinds.article, 'applicant.kind');
  if (!policy.channels.kinds.includes(submission.channel.kind))
    refuse(
      `${policy.name} does not accept applications through the '${submission.channel.kind}' channel (only ${policy.channels.kinds.join(', ')})`,
      policy.channels.article,
      'channel.kind',
    );

  checkMinimumYears(policy, kind, declaration, noticeDate, refuse);

  for (const exclusion of policy.eligibility.exclusions) {
    if (!exclusion.appliesTo.includes(kind)) continue;
    const field = `declaration.exclusions.${exclusion.code}`;
    const declared = declaration.exclusions?.[exclusion.code];
    const period = exclusion.lookbackYears > 0 ? ` (within ${exclusion.lookbackYears} years before ${noticeDate})` : '';
    if (typeof declared !== 'boolean')
      refuse(`The applicant must declare whether this applies${period}: ${exclusion.description}`, exclusion.article, field);
    if (declared) refuse(`Excluded${period}: ${exclusion.description}`, exclusion.article, field);
  }
}

function checkMinimumYears(
  policy: ProgrammePolicy,
  kind: ApplicantKind,
  declaration: SubmissionInput['declaration'],
  noticeDate: string,
  refuse: (message: string, article: string, field: string) => never,
): void {
  if (kind === 'organisation') {
    const rule = policy.eligibility.organisation;
    if (!rule) return;
    if (declaration.waiver !== undefined) {
      // 忻州 第十条: the leading group may lift the minimum; nowhere else may anyone.
      if (rule.waivableBy === undefined)
        refuse(`${policy.name} has no waiver of the minimum operating years`, rule.article, 'declaration.waiver');
      const w = declaration.waiver;
      if (w.grantedBy !== rule.waivableBy)
        refuse(`Only the ${rule.waivableBy} may waive the minimum operating years`, rule.waiverArticle ?? rule.article, 'declaration.waiver.grantedBy');
      if (typeof w.documentNo !== 'string' || w.documentNo.trim() === '')
        refuse('A waiver must name the document that grants it', rule.waiverArticle ?? rule.article, 'declaration.waiver.documentNo');
      if (!isIsoDate(w.date)) throw new InvalidInputError(`Not a date (YYYY-MM-DD): ${JSON.stringify(w.date)}`, 'declaration.waiver.date');
      return;
    }
    const fourNew = declaration.fourNewField === true && rule.fourNewFieldMinYears !== undefined;
    const min = fourNew ? (rule.fourNewFieldMinYears as number) : rule.minOperatingYears;
    const article = fourNew ? (rule.fourNewArticle ?? rule.article) : rule.article;
    const years = yearsSince(declaration.operatingSince, noticeDate, article, 'declaration.operatingSince', refuse);
    if (years < min)
      refuse(
        `An organisation must have operated at least ${min} years${fourNew ? ' (四新 field)' : ''} on the notice date ${noticeDate}; it has ${years}`,
        article,
        'declaration.operatingSince',
      );
    return;
  }
  const rule = policy.eligibility.individual;
  if (!rule) return;
  const years = yearsSince(declaration.qualityWorkSince, noticeDate, rule.article, 'declaration.qualityWorkSince', refuse);
  if (years < rule.minQualityWorkYears)
    refuse(
      `An individual must have done quality work at least ${rule.minQualityWorkYears} years on the notice date ${noticeDate}; they have ${years}`,
      rule.article,
      'declaration.qualityWorkSince',
    );
}

function yearsSince(
  since: string | undefined,
  noticeDate: string,
  article: string,
  field: string,
  refuse: (message: string, article: string, field: string) => never,
): number {
  if (since === undefined) return refuse('The start date must be declared (YYYY-MM-DD)', article, field);
  if (!isIsoDate(since)) throw new InvalidInputError(`Not a date (YYYY-MM-DD): ${JSON.stringify(since)}`, field);
  if (since > noticeDate) return refuse(`The start date ${since} is after the notice date ${noticeDate}`, article, field);
  return fullYearsBetween(since, noticeDate);
}
