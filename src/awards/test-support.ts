/**
 * Test scaffolding for the award service specs: a service on an in-memory (or file) SQLite
 * store, applicant ids with valid check characters, declarations that pass eligibility, and a
 * helper that walks an application through the review stages of its policy up to the candidate
 * list by appending the stage events (the review commands are the statechart's concern).
 */
import { ManualClock } from '../clock/clock.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { WorkingDayCalendar } from '../../workflows/calendar/working-days.js';
import { PolicyRegistry, builtInPolicyDirectory } from '../../workflows/policy/registry.js';
import type { ApplicantKind, ProgrammePolicy } from '../../workflows/policy/policy.types.js';
import { withResidentIdCheck, withUsccCheck } from '../../workflows/identifiers/index.js';
import { applicationStreamId } from '../../workflows/application/events.js';
import { buildChain } from '../../workflows/application/chain.js';
import { AwardService, type ApplicationCommandInput } from './award.service.js';
import { type CommandContext, deterministicUuid } from './command-context.js';

export const policies = PolicyRegistry.fromDirectories([builtInPolicyDirectory()]);
export const calendar = WorkingDayCalendar.fromPackage();

export function makeService(clock: ManualClock, store: EventStore = new SqliteEventStore({ filename: ':memory:' })) {
  return { store, clock, service: new AwardService({ store, policies, clock, calendar }) };
}

let counter = 0;
export function ctx(occurredAt?: string, extra: Partial<CommandContext> = {}): CommandContext {
  counter += 1;
  const commandId = deterministicUuid(`test-command-${counter}-${Math.random()}`);
  return {
    actor: { sub: 'office-1', name: '评定办', roles: ['office'] },
    commandId,
    correlationId: commandId,
    ...(occurredAt ? { occurredAt } : {}),
    ...extra,
  };
}

export function organisationId(n: number): string {
  // 9 (工商) 1 (企业) 370100 (济南) + 9-character organisation code; the check character closes it.
  return withUsccCheck(`91370100${String(n).padStart(9, '0')}`);
}

export function personId(n: number): string {
  return withResidentIdCheck(`11010519700101${String(n % 1000).padStart(3, '0')}`);
}

/** 忻州 第十四条: five working days (Mon–Fri, no holiday) before any term of the 2021 version. */
export const INTERNAL_PUBLICITY = { startDate: '2021-11-15', endDate: '2021-11-19', objectionsRaised: false };

export function declaration(policy: ProgrammePolicy) {
  return {
    operatingSince: '2000-01-01',
    qualityWorkSince: '1995-01-01',
    exclusions: Object.fromEntries(policy.eligibility.exclusions.map((e) => [e.code, false])),
    ...(policy.internalPublicity ? { internalPublicity: INTERNAL_PUBLICITY } : {}),
  };
}

export function submission(termId: string, policy: ProgrammePolicy, n: number, kind: ApplicantKind = 'organisation', channelKind = policy.channels.kinds[0]!) {
  return {
    termId,
    applicant: { kind, id: kind === 'organisation' ? organisationId(n) : personId(n), name: `申报者${n}` },
    channel: { kind: channelKind, recommender: channelKind === 'direct' ? null : '市场监督管理局' },
    declaration: declaration(policy),
  };
}

/** Walks an application through the review stages of its policy to the candidate list, through the service. */
export async function advanceToCandidate(service: AwardService, applicationId: string, policy: ProgrammePolicy, on: string): Promise<void> {
  const chain = buildChain(policy);
  const reviews = [{ reviewerId: 'expert-1', recused: false, scores: { leadership: 90, strategy: 70, customersAndMarket: 70, resources: 100, processManagement: 80, measurementAnalysisImprovement: 60, results: 300 } }];
  for (const step of chain.steps) {
    if (step.kind === 'publicity' || step.stage === 'proposed' || step.stage === 'approval') break;
    const view = await service.getApplication(applicationId);
    const command = stageCommand(step.stage, reviews);
    if (!view.acceptedCommands.includes(command.type)) continue; // e.g. a direct filing skips the recommendation
    await service.applicationCommand(applicationId, command, ctx(on));
  }
}

function stageCommand(stage: string, reviews: unknown[]): ApplicationCommandInput {
  switch (stage) {
    case 'recommendation':
      return { type: 'recommend', opinion: '同意推荐' };
    case 'qualification-review':
      return { type: 'qualification-review', outcome: 'accepted' };
    case 'opinion-survey':
      return { type: 'opinion-survey', findings: '无不良舆情', adverse: false };
    case 'department-opinions':
      return { type: 'department-opinions', opinions: [{ department: '公安局', opinion: '无异常', adverse: false }] };
    case 'materials-review':
      return { type: 'materials-review', reviews } as ApplicationCommandInput;
    case 'shortlist':
      return { type: 'shortlist' };
    case 'on-site-review':
      return { type: 'on-site-review', reviews } as ApplicationCommandInput;
    case 'oral-defence':
      return { type: 'oral-defence', outcome: 'passed' };
    case 'candidate':
      return { type: 'candidate' };
    default:
      throw new Error(`No test command for stage ${stage}`);
  }
}

/** Closes a publicity round as the scheduler would. */
export async function closeRound(store: EventStore, applicationId: string, round: number, on: string): Promise<void> {
  await appendRaw(store, applicationStreamId(applicationId), { type: 'PublicityClosed', data: { applicationId, round, closedOn: on } }, on);
}

export async function appendRaw(store: EventStore, streamId: string, event: { type: string; data: object }, on: string): Promise<void> {
  const id = deterministicUuid(`raw-${streamId}-${event.type}-${Math.random()}`);
  await store.append(streamId, [
    {
      id,
      type: event.type,
      data: event.data as Record<string, unknown>,
      metadata: {
        actor: { sub: 'test', name: 'test', roles: ['office'] },
        occurredAt: on,
        recordedAt: `${on}T00:00:00.000Z`,
        commandId: id,
        correlationId: id,
        causationId: id,
        schemaVersion: 1,
      },
    },
  ]);
}
