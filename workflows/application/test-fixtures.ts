/**
 * A complete ProgrammePolicy for the application's specs, independent of the real policy files:
 * every optional stage (opinion survey, department opinions, oral defence), two publicity rounds
 * (candidate list, then proposed list, as 忻州 第十八、十九条), 朝阳-style objection rules
 * (第二十条–第二十五条) with calendar-day evidence deadlines, windowed revocation grounds
 * (瀍河 第二十九条, 朝阳 第三十六条) and annual reports (瀍河 第二十四条).
 */
import type { ProgrammePolicy } from '../policy/policy.types.js';

export const fixturePolicy: ProgrammePolicy = {
  programmeId: 'fixture-award',
  version: '2024',
  name: '测试市市长质量奖',
  nameEn: 'Fixture Mayor’s Quality Award',
  issuer: '测试市人民政府',
  regulation: { title: '测试市市长质量奖管理办法', issuedOn: '2024-01-01' },
  validity: { from: '2024-01-01', until: null, article: '第四十条' },
  cycle: { years: 2, article: '第三条' },
  applicantKinds: { kinds: ['organisation', 'individual'], article: '第二条' },
  channels: { kinds: ['county', 'industry', 'direct'], oneChannelOnly: true, article: '第十七条(三)' },
  tiers: [
    { id: 'gold', name: '金奖', quota: { total: 3 }, prize: { organisation: 200000 }, article: '第三条' },
    { id: 'nomination', name: '提名奖', quota: { total: 10 }, prize: { organisation: 50000 }, article: '第三条' },
  ],
  totalQuota: { total: 13, article: '第三条' },
  vacanciesAllowed: { article: '第三条' },
  eligibility: {
    organisation: { minOperatingYears: 5, article: '第十三条' },
    individual: { minQualityWorkYears: 10, article: '第十二条' },
    exclusions: [
      { code: 'major-accident-3y', description: '近3年重大事故', lookbackYears: 3, appliesTo: ['organisation'], article: '第十四条' },
    ],
  },
  stages: [
    { id: 'recommendation', article: '第十七条(三)' },
    { id: 'opinion-survey', article: '第十六条' },
    { id: 'qualification-review', article: '第十七条(四)' },
    { id: 'materials-review', article: '第十七条(五)' },
    { id: 'shortlist', article: '第十七条(五)' },
    { id: 'on-site-review', article: '第十七条(六)' },
    { id: 'oral-defence', article: '第十七条(六)' },
    { id: 'candidate', article: '第十七条(七)' },
    { id: 'department-opinions', article: '第十八条' },
    { id: 'publicity', round: 1, article: '第十八条' },
    { id: 'proposed', article: '第十九条' },
    { id: 'publicity', round: 2, article: '第十九条' },
    { id: 'approval', article: '第二十条' },
  ],
  // As 朝阳 第五条: GB/T 19580 with its seven categories, so the category maxima are enforced.
  scoring: {
    standard: 'GB/T 19580',
    maxScore: 1000,
    article: '第五条',
    categories: [
      { id: 'leadership', name: '领导', points: 110 },
      { id: 'strategy', name: '战略', points: 90 },
      { id: 'customers-and-market', name: '顾客与市场', points: 90 },
      { id: 'resources', name: '资源', points: 130 },
      { id: 'process-management', name: '过程管理', points: 100 },
      { id: 'measurement-analysis-improvement', name: '测量、分析与改进', points: 80 },
      { id: 'results', name: '结果', points: 400 },
    ],
  },
  publicity: [
    { round: 1, list: 'candidate', days: 5, unit: 'working', minimum: true, article: '第十八条' },
    { round: 2, list: 'proposed', days: 7, unit: 'calendar', minimum: false, article: '第十九条' },
  ],
  objections: {
    anonymousAllowed: false,
    realIdentityRequired: true,
    writtenEvidenceRequired: true,
    lateRefused: true,
    handledBy: 'office',
    confidentialityArticle: '第二十五条',
    defaultDeadlines: { recommender: 5, applicant: 5, objector: 5, unit: 'calendar', article: '第二十二条、第二十三条' },
    decidedBy: { body: 'committee', article: '第二十四条' },
    article: '第二十条',
  },
  bans: [],
  revocation: {
    article: '第二十七条、第三十六条',
    grounds: [
      { code: 'fraud', description: '弄虚作假', appliesTo: ['organisation', 'individual'], recovers: ['prize-money', 'certificate'], publicNotice: true, article: '第二十七条' },
      { code: 'major-accident', description: '获奖后3年内重大事故', appliesTo: ['organisation'], recovers: ['trophy'], windowYears: 3, publicNotice: true, article: '第三十六条' },
    ],
  },
  postAward: { annualReports: { years: 3, article: '第二十四条' } },
  noFees: { article: '第十九条' },
};

/** The same programme with one proposed-list round and none of the optional stages (朝阳-like). */
export const singleRoundPolicy: ProgrammePolicy = {
  ...fixturePolicy,
  programmeId: 'fixture-single',
  stages: fixturePolicy.stages.filter(
    (s) => !['opinion-survey', 'department-opinions', 'oral-defence'].includes(s.id) && !(s.id === 'publicity' && s.round === 1),
  ).map((s) => (s.id === 'publicity' ? { ...s, round: 1 } : s)),
  publicity: [{ round: 1, list: 'proposed', days: 7, unit: 'calendar', minimum: false, article: '第十九条' }],
  objections: { ...fixturePolicy.objections, anonymousAllowed: true, realIdentityRequired: false, writtenEvidenceRequired: false, lateRefused: false },
};
