/**
 * A store of realistic domain events, built fast and cached under bench/.cache/.
 *
 * 1. Templates: the real AwardService (in-memory SQLite, one ManualClock per term) runs every term
 *    the five programmes' policies allow from 2019 to 2026 (the cycles and validity windows give 12
 *    terms): per term seven applications — two awarded (one after an objection was dismissed, one
 *    later revoked), one whose objection was upheld, one rejected at qualification review, one
 *    eliminated after the materials review, one withdrawn, one left on the candidate list — with
 *    every review step, scores, the proposed list, every publicity round, approval and revocation.
 *    These events are valid by construction (the deciders and the statechart produced them).
 * 2. Replication: the four applications no term event names (rejected, eliminated, withdrawn,
 *    candidate) are cloned with new application ids, applicants, event and command ids, stream by
 *    stream (their events and their applicants' ApplicantApplied), right after each template event,
 *    so global order keeps each stream's order and the business dates stay monotonic. Clone k of a
 *    programme's term is filed by applicant k of that programme, so applicant histories span
 *    terms (several ApplicantApplied per applicant stream), as re-applications do.
 * 3. Appended through the port (SqliteEventStore.appendMultiple), thousands of events from many
 *    streams per transaction; hashes are the adapter's own.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManualClock } from '../../src/clock/clock.js';
import type { AppendRequest, NewEvent, StoredEvent } from '../../src/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import type { AwardService, ApplicationCommandInput } from '../../src/awards/award.service.js';
import { ctx, declaration, makeService, organisationId, policies } from '../../src/awards/test-support.js';
import { deterministicUuid } from '../../src/awards/command-context.js';
import { withUsccCheck } from '../../workflows/identifiers/index.js';
import { sortedRounds } from '../../workflows/term/decide.js';
import type { ProgrammePolicy } from '../../workflows/policy/policy.types.js';

export const CACHE_DIR = fileURLToPath(new URL('../../../bench/.cache/', import.meta.url));
const GENERATOR_VERSION = 1;

export const PROGRAMMES = ['zibo-leader', 'jinan-mayor', 'xinzhou-mayor', 'chanhe-district', 'chaoyang-mayor'] as const;

const SCORES = { leadership: 95, strategy: 75, customersAndMarket: 72, resources: 110, processManagement: 85, measurementAnalysisImprovement: 66, results: 330 };
const REVIEWS = [
  { reviewerId: 'expert-001', recused: false, scores: SCORES },
  { reviewerId: 'expert-002', recused: true, recusalReason: '曾为申报单位提供咨询' },
  { reviewerId: 'expert-003', recused: false, scores: { ...SCORES, results: 350 } },
];
const STAGE_COMMANDS: Record<string, ApplicationCommandInput> = {
  recommend: { type: 'recommend', opinion: '同意推荐，该单位质量管理体系完善' },
  'opinion-survey': { type: 'opinion-survey', findings: '未发现负面舆情', adverse: false },
  'qualification-review': { type: 'qualification-review', outcome: 'accepted' },
  'department-opinions': {
    type: 'department-opinions',
    opinions: [
      { department: '市公安局', opinion: '无违法犯罪记录', adverse: false },
      { department: '市税务局', opinion: '依法纳税', adverse: false },
    ],
  },
  'materials-review': { type: 'materials-review', reviews: REVIEWS } as ApplicationCommandInput,
  shortlist: { type: 'shortlist' },
  'on-site-review': { type: 'on-site-review', reviews: REVIEWS } as ApplicationCommandInput,
  'oral-defence': { type: 'oral-defence', outcome: '答辩通过' },
  candidate: { type: 'candidate', rank: 1 },
};
const STAGE_ORDER = Object.keys(STAGE_COMMANDS);
const OBJECTOR = { anonymous: false, name: '张三', contact: '13800000000', consentToDisclose: false };

type Scenario = 'awarded-objection-dismissed' | 'awarded-revoked' | 'objection-upheld' | 'qualification-rejected' | 'eliminated' | 'withdrawn' | 'candidate';
const CLONABLE: readonly Scenario[] = ['qualification-rejected', 'eliminated', 'withdrawn', 'candidate'];

export interface TemplateRun {
  events: StoredEvent[];
  /** application id → programme and scenario, for the clonable ones. */
  clonable: Map<string, { programmeId: string; termId: string; scenario: Scenario; applicantId: string }>;
  terms: Array<{ termId: string; programmeId: string; year: number }>;
  /** Steps the templates tried that the policy refused (e.g. a decision some programme lacks). */
  skipped: string[];
}

const at = (date: string) => `${date}T02:00:00.000Z`;
function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Runs every template term through the real service; returns the events in global order. */
export async function runTemplates(): Promise<TemplateRun> {
  const store = new SqliteEventStore({ filename: ':memory:' });
  const clonable: TemplateRun['clonable'] = new Map();
  const terms: TemplateRun['terms'] = [];
  const skipped: string[] = [];
  let applicantNo = 0;
  for (let year = 2019; year <= 2026; year++) {
    for (const programmeId of PROGRAMMES) {
      const clock = new ManualClock(at(`${year}-03-01`));
      const { service } = makeService(clock, store);
      let termId: string;
      try {
        termId = (await service.openTerm(programmeId, { year, noticeDate: `${year}-03-01`, applicationDeadline: `${year}-04-30` }, ctx(`${year}-03-01`))).termId;
      } catch {
        continue; // no version in force on that date, or not a year of the programme's cycle
      }
      terms.push({ termId, programmeId, year });
      const policy = policies.inForce(programmeId, `${year}-03-01`);
      await runTerm(service, clock, policy, termId, year, () => ++applicantNo, clonable, skipped);
    }
  }
  const events: StoredEvent[] = [];
  for (let from = 1; ; ) {
    const page = await store.readAll({ fromPosition: from, limit: 5000 });
    if (page.length === 0) break;
    events.push(...page);
    from = page.at(-1)!.position + 1;
  }
  await store.close();
  return { events, clonable, terms, skipped };
}

async function runTerm(
  service: AwardService,
  clock: ManualClock,
  policy: ProgrammePolicy,
  termId: string,
  year: number,
  nextApplicant: () => number,
  clonable: TemplateRun['clonable'],
  skipped: string[],
): Promise<void> {
  const on = (date: string) => {
    if (clock.now().toISOString() < at(date)) clock.set(at(date));
    return ctx(date);
  };
  /** `quiet`: a first try with a fallback, not worth reporting when refused. */
  const command = async (id: string, input: ApplicationCommandInput, date: string, label: string, quiet = false): Promise<boolean> => {
    try {
      await service.applicationCommand(id, input, on(date));
      return true;
    } catch (error) {
      if (!quiet) skipped.push(`${termId} ${label}: ${(error as Error).message.slice(0, 120)}`);
      return false;
    }
  };
  /** Runs the review commands the application accepts, in the stages' order, until none is offered. */
  const advance = async (id: string, date: string, stopBefore?: string) => {
    for (let guard = 0; guard < 20; guard++) {
      const view = await service.getApplication(id);
      const next = STAGE_ORDER.find((c) => view.acceptedCommands.includes(c));
      if (!next || next === stopBefore) return;
      if (!(await command(id, STAGE_COMMANDS[next]!, date, next))) return;
    }
  };
  const scenarios: Scenario[] = ['awarded-objection-dismissed', 'awarded-revoked', 'objection-upheld', 'qualification-rejected', 'eliminated', 'withdrawn', 'candidate'];
  const ids = new Map<Scenario, string>();
  for (const scenario of scenarios) {
    const n = nextApplicant();
    const channelKind = policy.channels.kinds.includes('county') ? 'county' : policy.channels.kinds[0]!;
    const input = {
      termId,
      applicant: { kind: 'organisation' as const, id: organisationId(n), name: `申报企业${n}有限公司` },
      channel: { kind: channelKind, recommender: channelKind === 'direct' ? null : '区市场监督管理局' },
      declaration: declaration(policy),
    };
    const { id } = await service.submitApplication(input, on(`${year}-03-${String(10 + scenarios.indexOf(scenario)).padStart(2, '0')}`));
    ids.set(scenario, id);
    if (CLONABLE.includes(scenario)) clonable.set(id, { programmeId: policy.programmeId, termId, scenario, applicantId: input.applicant.id });
  }
  const reviewOn = `${year}-05-20`;
  for (const [scenario, id] of ids) {
    switch (scenario) {
      case 'qualification-rejected':
        await advance(id, reviewOn, 'qualification-review');
        await command(id, { type: 'qualification-review', outcome: 'rejected', reason: '申报材料不齐全，未按要求提供近三年质量损失率数据' }, reviewOn, 'reject');
        break;
      case 'eliminated':
        await advance(id, reviewOn, 'shortlist');
        await command(id, { type: 'eliminate', reason: '资料评审得分未进入现场评审名单' }, reviewOn, 'eliminate');
        break;
      case 'withdrawn':
        await advance(id, reviewOn, 'materials-review');
        await command(id, { type: 'withdraw', reason: '企业主动申请撤回' }, reviewOn, 'withdraw');
        break;
      default:
        await advance(id, reviewOn);
    }
  }
  const finalists = [ids.get('awarded-objection-dismissed')!, ids.get('awarded-revoked')!, ids.get('objection-upheld')!];
  const rounds = sortedRounds(policy);
  let date = `${year}-06-20`;
  let proposed = false;
  for (const [index, round] of rounds.entries()) {
    const last = index === rounds.length - 1;
    if (round.list === 'proposed' && !proposed) {
      if (!(await propose(service, termId, finalists, policy, on(date), skipped))) return;
      proposed = true;
    }
    await service.startPublicity(termId, { startDate: date, round: round.round, ...(round.list === 'candidate' ? { candidates: finalists } : {}) }, on(date));
    if (last) {
      const receivedOn = addDays(date, 1);
      await object(ids.get('awarded-objection-dismissed')!, receivedOn, 'dismiss');
      await object(ids.get('objection-upheld')!, receivedOn, 'uphold');
    } else {
      const closeOn = addDays(date, 20);
      for (const id of finalists) await command(id, { type: 'close-publicity', round: round.round } as ApplicationCommandInput, closeOn, 'close-publicity');
      for (const id of finalists) await advance(id, closeOn);
    }
    date = addDays(date, 30);
  }
  const approvedOn = addDays(date, -5);
  await service.approve(termId, { decisionDate: approvedOn, documentNo: `${termId}号文` }, on(approvedOn));
  const ground = policy.revocation.grounds[0]!.code;
  await command(ids.get('awarded-revoked')!, { type: 'revoke', ground } as ApplicationCommandInput, `${year}-11-10`, 'revoke');

  async function object(id: string, receivedOn: string, outcome: 'dismiss' | 'uphold') {
    const objectionId = `obj-${randomUUID()}`;
    const ok = await command(
      id,
      { type: 'object', objectionId, objector: OBJECTOR, grounds: '申报材料中的质量数据与实际不符', evidenceProvided: true } as ApplicationCommandInput,
      receivedOn,
      'object',
    );
    if (!ok) return;
    await command(id, { type: 'objection-decision', objectionId, decision: 'accept' } as ApplicationCommandInput, receivedOn, 'accept');
    if (outcome === 'dismiss') {
      const request = { type: 'objection-decision', objectionId, decision: 'request-evidence', from: 'applicant' } as ApplicationCommandInput;
      if (!(await command(id, request, receivedOn, 'request-evidence', true))) {
        await command(id, { ...request, deadline: addDays(receivedOn, 10) } as ApplicationCommandInput, receivedOn, 'request-evidence with deadline');
      }
      await command(id, { type: 'objection-decision', objectionId, decision: 'record-evidence', from: 'applicant', reason: '企业提交了第三方检测报告' } as ApplicationCommandInput, receivedOn, 'record-evidence');
    }
    await command(id, { type: 'objection-decision', objectionId, decision: outcome, reason: outcome === 'dismiss' ? '经核查，申报数据属实' : '查证属实' } as ApplicationCommandInput, receivedOn, outcome);
  }
}

async function propose(service: AwardService, termId: string, finalists: string[], policy: ProgrammePolicy, context: ReturnType<typeof ctx>, skipped: string[]): Promise<boolean> {
  const tiers = policy.tiers.map((t) => t.id);
  // Largest list the quota allows: all three finalists in turn over the tiers, then fewer.
  for (let count = finalists.length; count >= 1; count--) {
    try {
      await service.recordProposedList(termId, finalists.slice(0, count).map((applicationId, i) => ({ applicationId, tier: tiers[i % tiers.length]! })), { ...context, commandId: randomUUID() });
      return true;
    } catch (error) {
      skipped.push(`${termId} proposed list of ${count}: ${(error as Error).message.slice(0, 120)}`);
    }
  }
  return false;
}

// --- replication ----------------------------------------------------------------------------------

interface Plan {
  /** Clones of each clonable template application, per term. */
  clonesPerApplication: number;
}

function cloneApplicantId(programmeIndex: number, scenarioIndex: number, k: number): string {
  // 91 + Hangzhou (330100) region code, unlike the templates' 370100: ids never collide.
  return withUsccCheck(`91330100${String(programmeIndex * 10 + scenarioIndex).padStart(2, '0')}${String(k).padStart(7, '0')}`);
}

/** The events to append, in order: each template event, then its clones (if its stream is cloned). */
function* replicate(run: TemplateRun, plan: Plan): Generator<NewEvent & { streamId: string }> {
  const cloneIds = new Map<string, string[]>(); // template application id → clone ids
  for (const id of run.clonable.keys()) cloneIds.set(id, Array.from({ length: plan.clonesPerApplication }, () => randomUUID()));
  const applicantOfClone = (info: { programmeId: string; scenario: Scenario }, k: number) =>
    cloneApplicantId(PROGRAMMES.indexOf(info.programmeId as (typeof PROGRAMMES)[number]), CLONABLE.indexOf(info.scenario), k);
  // A template command's events (a submission and its ApplicantApplied) keep sharing one command id in each clone.
  const newCommandId = (templateCommandId: string, k: number) => deterministicUuid(`bench-clone\u0000${templateCommandId}\u0000${k}`);
  for (const event of run.events) {
    yield { streamId: event.streamId, id: event.id, type: event.type, data: event.data, metadata: event.metadata };
    const appId = (event.data as { applicationId?: string }).applicationId;
    const info = appId ? run.clonable.get(appId) : undefined;
    if (!info) continue;
    const onApplicationStream = event.streamId === `application-${appId}`;
    const onApplicantStream = event.streamId.startsWith('applicant-') && event.type === 'ApplicantApplied';
    if (!onApplicationStream && !onApplicantStream) continue;
    const clones = cloneIds.get(appId!)!;
    for (let k = 0; k < clones.length; k++) {
      const cloneId = clones[k]!;
      const applicantId = applicantOfClone(info, k);
      const data: Record<string, unknown> = { ...event.data, applicationId: cloneId };
      if (event.type === 'ApplicationSubmitted') {
        data.applicant = { ...(event.data.applicant as object), id: applicantId, name: `申报企业${info.scenario}-${k}有限公司` };
      }
      const commandId = newCommandId(event.metadata.commandId, k);
      yield {
        streamId: onApplicationStream ? `application-${cloneId}` : `applicant-${info.programmeId}-${applicantId}`,
        id: randomUUID(),
        type: event.type,
        data,
        metadata: { ...event.metadata, commandId, correlationId: commandId, causationId: commandId },
      };
    }
  }
}

export interface DomainStore {
  file: string;
  events: number;
  built: boolean;
  buildSeconds: number;
  description: string;
}

/**
 * The cached store of about `targetEvents` events (bench/.cache/domain-<n>-v<version>.db), built
 * if missing. Only the events table is in it: no projections.
 */
export async function domainStore(targetEvents: number, log: (m: string) => void = () => undefined): Promise<DomainStore> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = join(CACHE_DIR, `domain-${targetEvents}-v${GENERATOR_VERSION}.db`);
  const describe = (events: number) =>
    `${events.toLocaleString('en-US')} events: 12 terms of the 5 programmes (2019–2026) run through the AwardService, clonable applications replicated`;
  if (existsSync(file)) {
    const store = new SqliteEventStore({ filename: file });
    const events = await store.headPosition();
    await store.close();
    return { file, events, built: false, buildSeconds: 0, description: describe(events) };
  }
  const start = process.hrtime.bigint();
  log('generating the domain store: running the template terms through the AwardService…');
  const run = await runTemplates();
  const clonableEvents = run.events.filter((e) => {
    const id = (e.data as { applicationId?: string }).applicationId;
    return id !== undefined && run.clonable.has(id) && (e.streamId === `application-${id}` || e.type === 'ApplicantApplied');
  }).length;
  const clonesPerApplication = Math.max(0, Math.round((targetEvents - run.events.length) / Math.max(1, clonableEvents)));
  log(`templates: ${run.terms.length} terms, ${run.events.length} events (${clonableEvents} clonable); ${clonesPerApplication} clones per clonable application`);
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  rmSync(`${partial}-wal`, { force: true });
  rmSync(`${partial}-shm`, { force: true });
  const store = new SqliteEventStore({ filename: partial });
  store.db.pragma('synchronous = NORMAL'); // a cache file: a crash only means generating it again
  let appended = 0;
  const TX_EVENTS = 5000;
  let batch = new Map<string, NewEvent[]>();
  let inBatch = 0;
  const flush = async () => {
    if (inBatch === 0) return;
    const requests: AppendRequest[] = [...batch].map(([streamId, events]) => ({ streamId, events, expectedRevision: 'any' }));
    await store.appendMultiple(requests);
    appended += inBatch;
    batch = new Map();
    inBatch = 0;
    if (appended % 100_000 < TX_EVENTS) log(`  appended ${appended.toLocaleString('en-US')} events`);
  };
  for (const { streamId, ...event } of replicate(run, { clonesPerApplication })) {
    const list = batch.get(streamId);
    if (list) list.push(event);
    else batch.set(streamId, [event]);
    if (++inBatch >= TX_EVENTS) await flush();
  }
  await flush();
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  await store.close();
  renameSync(partial, file);
  rmSync(`${partial}-wal`, { force: true });
  rmSync(`${partial}-shm`, { force: true });
  const buildSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  log(`domain store: ${appended.toLocaleString('en-US')} events in ${buildSeconds.toFixed(1)} s -> ${file}`);
  if (run.skipped.length) log(`template steps refused by a policy (skipped): ${run.skipped.length}\n  ${run.skipped.slice(0, 10).join('\n  ')}`);
  return { file, events: appended, built: true, buildSeconds, description: describe(appended) };
}

/** Ids the query benches ask about: a few of each kind, taken from the store itself. */
export function sampleIds(file: string): {
  terms: Array<{ termId: string; programmeId: string }>;
  applications: Array<{ id: string; termId: string; programmeId: string; objected: boolean; lastDate: string }>;
  applicants: Array<{ id: string; programmeId: string; termId: string }>;
} {
  const store = new SqliteEventStore({ filename: file });
  try {
    const db = store.db;
    const terms = db
      .prepare("SELECT json_extract(data, '$.termId') AS termId, json_extract(data, '$.programmeId') AS programmeId FROM events WHERE type = 'TermOpened'")
      .all() as Array<{ termId: string; programmeId: string }>;
    const objected = new Set(
      (db.prepare("SELECT DISTINCT stream_id FROM events WHERE type = 'ObjectionReceived'").pluck().all() as string[]).map((s) => s.slice('application-'.length)),
    );
    // Spread over the whole store: every 997th submission, plus every application with an objection.
    const submitted = db
      .prepare(
        "SELECT stream_id, json_extract(data, '$.termId') AS termId, json_extract(data, '$.programmeId') AS programmeId, json_extract(data, '$.applicant.id') AS applicantId, position FROM events WHERE type = 'ApplicationSubmitted'",
      )
      .all() as Array<{ stream_id: string; termId: string; programmeId: string; applicantId: string; position: number }>;
    const picked = submitted.filter((row, i) => i % 997 === 0 || objected.has(row.stream_id.slice('application-'.length)));
    const lastDate = db.prepare("SELECT json_extract(metadata, '$.occurredAt') FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1").pluck();
    return {
      terms,
      applications: picked.map((row) => {
        const id = row.stream_id.slice('application-'.length);
        return { id, termId: row.termId, programmeId: row.programmeId, objected: objected.has(id), lastDate: String(lastDate.get(row.stream_id)).slice(0, 10) };
      }),
      applicants: picked.map((row) => ({ id: row.applicantId, programmeId: row.programmeId, termId: row.termId })),
    };
  } finally {
    void store.close();
  }
}
