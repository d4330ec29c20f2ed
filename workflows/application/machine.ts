/**
 * The application's statechart, generated from a ProgrammePolicy: the review steps come from
 * `policy.stages` and the publicity rounds from `policy.publicity` (chain.ts), so a new programme is
 * a new policy file. The machine's events are the domain events (events.ts): replaying a stream
 * through it with the pure `transition` gives the state (replay.ts). No side effects: the only
 * action records the event in the context (context.ts).
 *
 * Durable deadlines (publicity end, evidence deadlines, annual reports, revocation windows) are events from our scheduler, never
 * XState `after` delays, which are not restored from persisted state (xstate#5331).
 */
import { and, assign, setup } from 'xstate';
import type { ProgrammePolicy } from '../policy/policy.types.js';
import {
  buildChain,
  FINAL_STATES,
  INITIAL_STATE,
  stateBefore,
  SUBMITTED_STATE,
  type Chain,
  type Step,
} from './chain.js';
import { evolveContext, initialContext, openObjections, type ApplicationContext } from './context.js';
import type { ApplicationEvent, ApplicationEventType } from './events.js';
import { annualReportRefusal, objectionRefusal, revocationRefusal } from './rules.js';

export const MACHINE_ID = 'application';

// `unknown` admits xstate's guard combinators (and/or/not), whose types depend on the machine.
type GuardRef = string | { type: string; params: Record<string, unknown> } | { readonly combinator: unknown };
export interface TransitionConfig {
  target?: string;
  guard?: GuardRef;
  actions: 'record';
  /** Which filing channel the transition needs, read by acceptedCommands without an event at hand. */
  meta?: { channel: 'direct' | 'recommender' };
}
export interface StateConfig {
  type?: 'final';
  initial?: string;
  description?: string;
  meta?: Record<string, unknown>;
  on?: Partial<Record<ApplicationEventType, TransitionConfig | TransitionConfig[]>>;
  states?: Record<string, StateConfig>;
}

const abs = (state: string) => `#${MACHINE_ID}.${state}`;

function objectionOf(context: ApplicationContext, event: ApplicationEvent) {
  const id = (event.data as { objectionId?: string }).objectionId;
  return id === undefined ? undefined : context.objections[id];
}

function createGuards(policy: ProgrammePolicy) {
  const tierIds = new Set(policy.tiers.map((t) => t.id));
  const isOpenAnd = (context: ApplicationContext, event: ApplicationEvent, status: string, last: boolean) => {
    const o = objectionOf(context, event);
    return !!o && o.status === status && (!last || openObjections(context).length === 1);
  };
  return {
    /** Replaying with another programme's or version's policy is refused. */
    policyMatches: ({ event }: { event: ApplicationEvent }) =>
      event.type === 'ApplicationSubmitted' &&
      event.data.programmeId === policy.programmeId &&
      event.data.policyVersion === policy.version,
    /** A direct filing (朝阳 第十七条(三) 1) has no recommending body. */
    viaRecommender: ({ context }: { context: ApplicationContext }) => context.channel?.kind !== 'direct',
    directChannel: ({ context }: { context: ApplicationContext }) => context.channel?.kind === 'direct',
    tierKnown: ({ event }: { event: ApplicationEvent }) =>
      (event.type === 'ApplicationProposed' || event.type === 'ApplicationAwarded') && tierIds.has(event.data.tier),
    roundStarts: ({ event }: { event: ApplicationEvent }, params: { round: number; list: string }) =>
      event.type === 'PublicityStarted' && event.data.round === params.round && event.data.list === params.list,
    /** Closes only the running round, and only with no objection open. */
    closesRound: ({ context, event }: { context: ApplicationContext; event: ApplicationEvent }, params: { round: number }) =>
      event.type === 'PublicityClosed' && event.data.round === params.round && openObjections(context).length === 0,
    /** 朝阳 第二十条 (anonymous, late, without evidence), per the policy. */
    objectionAdmissible: ({ context, event }: { context: ApplicationContext; event: ApplicationEvent }) =>
      event.type === 'ObjectionReceived' &&
      event.data.round === context.publicity.current &&
      context.objections[event.data.objectionId] === undefined &&
      objectionRefusal(policy, event.data) === null,
    /**
     * 朝阳 第二十条: an objection the policy refuses is recorded as not admitted once a round has
     * started (the round it came in: the current one), with the article and field the policy gives.
     */
    objectionNotAdmissible: ({ context, event }: { context: ApplicationContext; event: ApplicationEvent }) => {
      if (event.type !== 'ObjectionNotAdmitted' || context.publicity.current === null) return false;
      const d = event.data;
      if (d.round !== context.publicity.current || context.objections[d.objectionId] !== undefined) return false;
      const refusal = objectionRefusal(policy, d);
      return refusal !== null && refusal.article === d.refusal.article && (refusal.field ?? null) === (d.refusal.field ?? null);
    },
    objectionReceived: ({ context, event }: { context: ApplicationContext; event: ApplicationEvent }) =>
      isOpenAnd(context, event, 'received', false),
    lastOpenReceived: ({ context, event }: { context: ApplicationContext; event: ApplicationEvent }) =>
      isOpenAnd(context, event, 'received', true),
    objectionAccepted: ({ context, event }: { context: ApplicationContext; event: ApplicationEvent }) =>
      isOpenAnd(context, event, 'accepted', false),
    lastOpenAccepted: ({ context, event }: { context: ApplicationContext; event: ApplicationEvent }) =>
      isOpenAnd(context, event, 'accepted', true),
    /** One pending request per party at a time (朝阳 第二十二、二十三条). */
    evidenceRequestable: ({ context, event }: { context: ApplicationContext; event: ApplicationEvent }) => {
      const o = objectionOf(context, event);
      return (
        event.type === 'ObjectionEvidenceRequested' &&
        o?.status === 'accepted' &&
        !o.evidenceRequests.some((r) => r.deadlineId === event.data.deadlineId) &&
        !o.evidenceRequests.some((r) => r.from === event.data.from && r.status === 'pending')
      );
    },
    evidencePending: ({ context, event }: { context: ApplicationContext; event: ApplicationEvent }) => {
      const o = objectionOf(context, event);
      return (
        event.type === 'ObjectionEvidenceRecorded' &&
        o?.status === 'accepted' &&
        o.evidenceRequests.some((r) => r.from === event.data.from && r.status === 'pending')
      );
    },
    deadlinePending: ({ context, event }: { context: ApplicationContext; event: ApplicationEvent }) => {
      const o = objectionOf(context, event);
      return (
        event.type === 'ObjectionEvidenceDeadlineMissed' &&
        o?.status === 'accepted' &&
        o.evidenceRequests.some(
          (r) => r.deadlineId === event.data.deadlineId && r.from === event.data.from && r.status === 'pending',
        )
      );
    },
    revocable: ({ context, event }: { context: ApplicationContext; event: ApplicationEvent }) =>
      event.type === 'ApplicationRevoked' &&
      revocationRefusal(policy, context, event.data) === null &&
      policy.revocation.grounds.find((g) => g.code === event.data.ground)?.article === event.data.article,
    annualReportDue: ({ context, event }: { context: ApplicationContext; event: ApplicationEvent }) =>
      event.type === 'AnnualReportFiled' && annualReportRefusal(policy, context, event.data.year) === null,
    /** 瀍河 第二十四条: only a report of the rule that is still unfiled can be overdue. */
    annualReportMissing: ({ context, event }: { context: ApplicationContext; event: ApplicationEvent }) => {
      const rule = policy.postAward?.annualReports;
      return (
        event.type === 'AnnualReportOverdue' &&
        !!rule &&
        Number.isInteger(event.data.report) &&
        event.data.report >= 1 &&
        event.data.report <= rule.years &&
        context.annualReports.length < event.data.report
      );
    },
    /** A window some ground of the policy has (瀍河 第二十九条, 朝阳 第三十六条). */
    revocationWindowKnown: ({ event }: { event: ApplicationEvent }) =>
      event.type === 'RevocationWindowClosed' && policy.revocation.grounds.some((g) => g.windowYears === event.data.windowYears),
  };
}

const t = (target?: string, guard?: GuardRef): TransitionConfig => ({
  ...(target ? { target } : {}),
  ...(guard ? { guard } : {}),
  actions: 'record',
});

/** Transitions that enter step `index` from the state before it. */
function entering(chain: Chain, index: number): Partial<Record<ApplicationEventType, TransitionConfig[]>> {
  const step = chain.steps[index]!;
  const on: Partial<Record<ApplicationEventType, TransitionConfig[]>> = {};
  const add = (type: ApplicationEventType, tr: TransitionConfig) => (on[type] ??= []).push(tr);
  if (step.kind === 'publicity') {
    add('PublicityStarted', t(`${step.node}`, { type: 'roundStarts', params: { round: step.round.round, list: step.round.list } }));
    return on;
  }
  switch (step.stage) {
    case 'recommendation': {
      add(step.event, { ...t(step.after, 'viaRecommender'), meta: { channel: 'recommender' } });
      // A direct filing skips the recommendation (朝阳 第十七条(三) 1).
      if (index + 1 < chain.steps.length) {
        for (const [type, trs] of Object.entries(entering(chain, index + 1)) as Array<[ApplicationEventType, TransitionConfig[]]>) {
          for (const tr of trs) {
            const guard = tr.guard === undefined ? 'directChannel' : (and(['directChannel', tr.guard as never]) as never);
            add(type, { ...tr, guard, meta: { channel: 'direct' } });
          }
        }
      }
      return on;
    }
    case 'qualification-review':
      add(step.event, t(step.after));
      add('QualificationRejected', t('rejected'));
      return on;
    case 'proposed':
    case 'approval':
      add(step.event, t(step.after, 'tierKnown'));
      return on;
    default:
      add(step.event, t(step.after));
      return on;
  }
}

function publicityState(step: Extract<Step, { kind: 'publicity' }>, index: number, chain: Chain): StateConfig {
  const round = step.round.round;
  // A candidate list's publicity precedes the proposed list: a candidate dropped then is not awarded.
  return {
    initial: 'publicized',
    description: `Publicity round ${round} (${step.round.list} list, ${step.round.article})`,
    meta: { round, list: step.round.list, article: step.round.article, stepIndex: index, steps: chain.steps.length },
    // Recorded without leaving publicized/objected: not an open objection (朝阳 第二十条).
    on: { ApplicationWithdrawn: t(abs('withdrawn')), ObjectionNotAdmitted: t(undefined, 'objectionNotAdmissible') },
    states: {
      publicized: {
        on: {
          ObjectionReceived: t('objected', 'objectionAdmissible'),
          PublicityClosed: t(abs(step.after), { type: 'closesRound', params: { round } }),
        },
      },
      objected: {
        on: {
          ObjectionReceived: t(undefined, 'objectionAdmissible'),
          ObjectionAccepted: t(undefined, 'objectionReceived'),
          ObjectionRefused: [t('publicized', 'lastOpenReceived'), t(undefined, 'objectionReceived')],
          // An upheld objection removes the applicant from the list.
          ObjectionUpheld: t(abs('disqualified'), 'objectionAccepted'),
          ObjectionDismissed: [t('publicized', 'lastOpenAccepted'), t(undefined, 'objectionAccepted')],
          // Evidence within a time limit, and what a miss decides (朝阳 第二十二、二十三条). Only 朝阳
          // has the rule and only there does the decider ask (decideObjection); the edges stay in
          // every statechart because streams recorded before 2026-12-01 hold such events in other
          // programmes too, and a stored event must always replay.
          ObjectionEvidenceRequested: t(undefined, 'evidenceRequestable'),
          ObjectionEvidenceRecorded: t(undefined, 'evidencePending'),
          ObjectionEvidenceDeadlineMissed: t(undefined, 'deadlinePending'),
          // The recommender did not verify in time: the applicant fails review (朝阳 第二十二条).
          ApplicationDisqualified: t(abs('disqualified')),
        },
      },
    },
  };
}

const stateConfigs = new WeakMap<ProgrammePolicy, Record<string, StateConfig>>();

/** The statechart's config for a policy (data: also read by acceptedCommands). */
export function buildStates(policy: ProgrammePolicy): Record<string, StateConfig> {
  const cached = stateConfigs.get(policy);
  if (cached) return cached;
  const states = generateStates(policy);
  stateConfigs.set(policy, states);
  return states;
}

function generateStates(policy: ProgrammePolicy): Record<string, StateConfig> {
  const chain = buildChain(policy);
  const states: Record<string, StateConfig> = {
    [INITIAL_STATE]: { on: { ApplicationSubmitted: t(SUBMITTED_STATE, 'policyMatches') } },
  };
  // From the first publicity round on, an objection the policy refuses is recorded where it comes
  // in (late ones included, 朝阳 第二十条), in every state but a final one; it changes no state.
  const firstRound = chain.steps.findIndex((s) => s.kind === 'publicity');
  const notAdmitted = () => t(undefined, 'objectionNotAdmissible');
  const waiting = (index: number): StateConfig => {
    const on: StateConfig['on'] = { ...entering(chain, index) };
    on.ApplicationWithdrawn = t('withdrawn');
    if (firstRound >= 0 && index > firstRound) on.ObjectionNotAdmitted = notAdmitted();
    // Review stages may drop an application until the proposed list; from the candidate list on,
    // not being proposed or approved is "not awarded".
    if (index <= chain.proposedIndex) on.ApplicationEliminated = t('eliminated');
    if (index > chain.candidateIndex) on.ApplicationNotAwarded = t('notAwarded');
    const next = chain.steps[index]!;
    return { description: `Waiting for ${next.kind === 'stage' ? next.stage : `publicity round ${next.round.round}`}`, on };
  };
  chain.steps.forEach((step, index) => {
    states[stateBefore(chain, index)] = waiting(index);
    if (step.kind === 'publicity') states[step.node] = publicityState(step, index, chain);
  });
  states.awarded = {
    on: {
      ApplicationRevoked: t('revoked', 'revocable'),
      AnnualReportFiled: t(undefined, 'annualReportDue'),
      AnnualReportOverdue: t(undefined, 'annualReportMissing'),
      RevocationWindowClosed: t(undefined, 'revocationWindowKnown'),
      ...(firstRound >= 0 ? { ObjectionNotAdmitted: notAdmitted() } : {}),
    },
  };
  for (const final of FINAL_STATES) states[final] = { type: 'final' };
  return states;
}

const machines = new WeakMap<ProgrammePolicy, ReturnType<typeof createMachineFor>>();

function createMachineFor(policy: ProgrammePolicy) {
  return setup({
    types: {
      context: {} as ApplicationContext,
      events: {} as ApplicationEvent,
    },
    guards: createGuards(policy),
    actions: {
      record: assign(({ context, event }) => evolveContext(context, event)),
    },
  }).createMachine({
    id: MACHINE_ID,
    initial: INITIAL_STATE,
    context: initialContext(policy.programmeId, policy.version),
    meta: { programmeId: policy.programmeId, version: policy.version },
    // Generated from data (typed by StateConfig above); XState's config type cannot follow it.
    states: buildStates(policy) as never,
  });
}

/** The statechart for one policy version (memoised per policy object). */
export function createApplicationMachine(policy: ProgrammePolicy) {
  let machine = machines.get(policy);
  if (!machine) {
    machine = createMachineFor(policy);
    machines.set(policy, machine);
  }
  return machine;
}

export type ApplicationMachine = ReturnType<typeof createApplicationMachine>;
