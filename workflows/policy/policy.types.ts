/**
 * A programme's rules for one version of its regulation, as data. The generic statechart, the
 * deciders and the projections read these; a new programme or version is a new file
 * (workflows/policies/<programme>/<version>.json), never new code.
 *
 * Every rule carries `article`: where the regulation says it, cited in errors (`rule`), in the
 * statechart and in tests.
 */

export type ApplicantKind = 'organisation' | 'individual';
export type ChannelKind = 'county' | 'industry' | 'direct';
export type DayUnit = 'working' | 'calendar';
export type Role = 'office' | 'auditor' | 'supervisor' | 'admin';

/** Review stages a programme may use; the statechart includes only those listed, in order. */
export type StageId =
  | 'recommendation'
  | 'qualification-review'
  | 'opinion-survey' // 舆情调查 (zibo 第十六条)
  | 'department-opinions' // 征求部门意见 (xinzhou 第十八条)
  | 'materials-review'
  | 'shortlist'
  | 'on-site-review'
  | 'oral-defence'
  | 'candidate'
  | 'proposed'
  | 'publicity'
  | 'approval';

export interface Cited {
  /** Article of the regulation, e.g. '第四条' or '第十七条(八)'. */
  article: string;
  /** How an open wording was read, when it was (kept with the rule, shown by the API). */
  reading?: string;
}

export interface TierPolicy extends Cited {
  /** Stable id used in commands: 'award', 'nomination', 'gold', 'silver'… */
  id: string;
  name: string;
  /** Places per term; a kind absent from `perKind` is limited only by `total`. */
  quota: { total?: number; perKind?: Partial<Record<ApplicantKind, number>> };
  /** Prize per applicant kind in CNY; null where the regulation sets it elsewhere. */
  prize: Partial<Record<ApplicantKind, number | null>> & { article?: string; reading?: string };
}

export interface ExclusionPolicy extends Cited {
  /** Key of `declaration.exclusions` the applicant must declare false. */
  code: string;
  description: string;
  /** Years before the notice date the declaration covers; 0 when the text sets no period (whole record). */
  lookbackYears: number;
  appliesTo: ApplicantKind[];
}

export interface EligibilityPolicy {
  organisation?: {
    /** Years between `operatingSince` and the notice date. */
    minOperatingYears: number;
    /** Shorter minimum for 四新 fields (zibo 第七条(一)). */
    fourNewFieldMinYears?: number;
    /** The leading group may waive the minimum (xinzhou 第十条). */
    waivableBy?: 'leading-group';
    article: string;
    waiverArticle?: string;
    fourNewArticle?: string;
    reading?: string;
  };
  individual?: { minQualityWorkYears: number; article: string; reading?: string };
  exclusions: ExclusionPolicy[];
}

export type BanDuration =
  | { unit: 'permanent' }
  /** The next `count` terms after the one the decision belongs to (by the programme's cycle). */
  | { unit: 'terms'; count: number }
  /** `count` years from the date of the decision (revocation). */
  | { unit: 'years'; count: number }
  /** `count` cycles counted from the calendar year of the decision (xinzhou 第二十八条). */
  | { unit: 'cycles-from-year'; count: number };

export type BanRule = Cited & {
  id: string;
  description: string;
  duration: BanDuration;
} & (
    | { trigger: 'awarded'; tiers: string[] }
    | { trigger: 'revoked'; grounds: string[] | 'any' }
  );

export interface RevocationGround extends Cited {
  /** Stable code used in the `revoke` command, e.g. 'fraud', 'major-accident'. */
  code: string;
  description: string;
  appliesTo: ApplicantKind[];
  /** What is recovered: 'prize-money', 'trophy', 'plaque', 'medal', 'certificate'. */
  recovers: string[];
  /** Only within this many years after the award (瀍河 第二十九条 2, 朝阳 第三十六条 3). */
  windowYears?: number;
  /** Public notice or media exposure required. */
  publicNotice: boolean;
}

export interface PublicityRound extends Cited {
  round: number;
  /** Which list is publicised: the candidate list (xinzhou 第十八条) or the proposed list. */
  list: 'candidate' | 'proposed';
  days: number;
  unit: DayUnit;
  /** "不少于" (at least) in the text: the office may publicise longer, never shorter. */
  minimum: boolean;
  /** Where the list is publicised, as the text says (e.g. 'city-wide', 'region and industry'). */
  where?: string;
}

export interface ObjectionPolicy extends Cited {
  anonymousAllowed: boolean;
  realIdentityRequired: boolean;
  writtenEvidenceRequired: boolean;
  /** Objections received after the publicity period are refused. */
  lateRefused: boolean;
  /** Role that receives and handles objections and may see the objector's identity. */
  handledBy: Role;
  /** Where the objector's identity is protected. */
  confidentialityArticle: string;
  /** Default deadlines, in days of `deadlineUnit`, when the office requests evidence (朝阳 第二十二、二十三条). */
  defaultDeadlines?: { recommender: number; applicant: number; objector: number; unit: DayUnit; article: string };
  /** Body that decides how an objection is settled, when the text names one (济南 第十七条, 朝阳 第二十四条). */
  decidedBy?: { body: 'office' | 'leading-group' | 'committee' | 'supervisor'; article: string };
}

export interface ProgrammePolicy {
  programmeId: string;
  /** Version id, unique within the programme (e.g. '2018'). */
  version: string;
  name: string;
  nameEn: string;
  issuer: string;
  regulation: { title: string; documentNo?: string; issuedOn: string; repeals?: string; reading?: string };
  /** The notice that opens a term (申报通知), when the text has an article for it. */
  notice?: Cited;
  /** Publicity inside the applicant's own organisation before submission (忻州 第十四条). */
  internalPublicity?: Cited & { days: number; unit: DayUnit; minimum: boolean };
  /** Inclusive dates (YYYY-MM-DD); `until` null when the text sets no end. */
  validity: Cited & { from: string; until: string | null };
  cycle: Cited & { years: number };
  applicantKinds: Cited & { kinds: ApplicantKind[] };
  channels: Cited & { kinds: ChannelKind[]; oneChannelOnly: boolean };
  tiers: TierPolicy[];
  /** Limit over all tiers together, when the text sets one (zibo 8, chaoyang 20). */
  totalQuota?: Cited & { total: number; perKind?: Partial<Record<ApplicantKind, number>> };
  /** Places may stay empty (名额可以空缺). */
  vacanciesAllowed: Cited;
  eligibility: EligibilityPolicy;
  /**
   * Stages this programme uses, in order. Every id appears once, except 'publicity', which
   * appears once per entry of `publicity` and carries that entry's `round` (忻州 publicises the
   * candidate list and later the proposed list: 第十八、十九条).
   */
  stages: Array<Cited & { id: StageId; round?: number }>;
  scoring: Cited & { standard: string; maxScore: number; categories?: Array<{ id: string; name: string; points: number }> };
  publicity: PublicityRound[];
  objections: ObjectionPolicy;
  bans: BanRule[];
  revocation: Cited & { grounds: RevocationGround[] };
  postAward?: { annualReports?: Cited & { years: number } };
  supervision?: Cited & { endsWithTerm: boolean; minRotation?: string };
  noFees: Cited;
  /** Readings of things the text is silent on (e.g. 淄博 has no re-application ban). */
  notes?: Array<Cited & { topic: string; reading: string }>;
}
