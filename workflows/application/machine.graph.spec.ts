/**
 * Model-based tests (@xstate/graph 3.0.4) over the statechart of every policy: every state node is
 * reachable, final states have no way out, non-final ones have one, and every generated path
 * replayed through `decide` (commands derived from the path's events) ends in the machine's state.
 */
import { getShortestPaths, getSimplePaths, getStateNodes, type StatePath } from '@xstate/graph';
import type { AnyStateNode, EventFromLogic } from 'xstate';
import { PolicyRegistry } from '../policy/registry.js';
import type { ProgrammePolicy } from '../policy/policy.types.js';
import { addDays, yearOf } from '../calendar/local-date.js';
import { buildChain } from './chain.js';
import { businessDateOf } from './context.js';
import type { ApplicationCommand } from './commands.js';
import { decide } from './decide.js';
import type { ApplicationEvent, EvidenceParty } from './events.js';
import { createApplicationMachine, type ApplicationMachine } from './machine.js';
import { evolveApplication, replayApplication, stateName, type ApplicationSnapshot, type ReplayedApplication } from './replay.js';
import { fixturePolicy, singleRoundPolicy } from './test-fixtures.js';
import { GRAPH_START, notAdmittedSample, sampleEvents } from './spec-helpers.js';
import { nextSnapshot } from './pure-transition.js';
import { acceptedEventTypes } from './accepted.js';

const at = (date: string, hourZ = '04') => `${date}T${hourZ}:00:00.000Z`;

/**
 * The commands a path's events come from. A missed deadline and its consequence are one command
 * (朝阳 第二十二、二十三条); null where the path stops between them or takes another way out
 * (the machine allows it, no command produces it).
 */
function commandsOf(events: ApplicationEvent[]): ApplicationCommand[] | null {
  const commands: ApplicationCommand[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const base = (date: string, now = at(date)) => ({ occurredOn: date, now });
    switch (e.type) {
      case 'ApplicationSubmitted':
        return null; // only the first event, replayed rather than decided
      case 'ApplicationRecommended':
        commands.push({ type: 'recommend', opinion: e.data.opinion, ...base(e.data.recommendedOn) });
        break;
      case 'QualificationAccepted':
        commands.push({ type: 'qualification-review', outcome: 'accepted', ...base(e.data.acceptedOn) });
        break;
      case 'QualificationRejected':
        commands.push({ type: 'qualification-review', outcome: 'rejected', reason: e.data.reason, ...base(e.data.rejectedOn) });
        break;
      case 'OpinionSurveyCompleted':
        commands.push({ type: 'opinion-survey', findings: e.data.findings, adverse: e.data.adverse, ...base(e.data.completedOn) });
        break;
      case 'DepartmentOpinionsCollected':
        commands.push({ type: 'department-opinions', opinions: e.data.opinions, ...base(e.data.collectedOn) });
        break;
      case 'MaterialsReviewScored':
        commands.push({ type: 'materials-review', reviews: e.data.reviews, ...base(e.data.scoredOn) });
        break;
      case 'ApplicationShortlisted':
        commands.push({ type: 'shortlist', ...base(e.data.shortlistedOn) });
        break;
      case 'ApplicationEliminated':
        commands.push({ type: 'eliminate', reason: e.data.reason, ...base(e.data.eliminatedOn) });
        break;
      case 'OnSiteReviewScored':
        commands.push({ type: 'on-site-review', reviews: e.data.reviews, ...base(e.data.scoredOn) });
        break;
      case 'OralDefenceHeld':
        commands.push({ type: 'oral-defence', outcome: e.data.outcome!, ...base(e.data.heldOn) });
        break;
      case 'CandidateListed':
        commands.push({ type: 'candidate', ...base(e.data.listedOn) });
        break;
      case 'ApplicationProposed':
        commands.push({ type: 'propose', tier: e.data.tier, ...base(e.data.proposedOn) });
        break;
      case 'PublicityStarted': {
        const { round, startDate, endDate, endsAt } = e.data;
        commands.push({ type: 'start-publicity', round, startDate, endDate, endsAt, ...base(lastDate(events, i)) });
        break;
      }
      case 'ObjectionReceived':
        commands.push({ type: 'object', objectionId: e.data.objectionId, objector: e.data.objector, grounds: e.data.grounds, evidenceProvided: e.data.evidenceProvided, ...base(e.data.receivedOn, e.data.receivedAt) });
        break;
      case 'ObjectionNotAdmitted':
        // The same command as an admitted one: the policy's refusal makes it not admitted (朝阳 第二十条).
        commands.push({ type: 'object', objectionId: e.data.objectionId, objector: e.data.objector, grounds: e.data.grounds, evidenceProvided: e.data.evidenceProvided, ...base(e.data.receivedOn, e.data.receivedAt) });
        break;
      case 'ObjectionAccepted':
        commands.push({ type: 'objection-decision', objectionId: e.data.objectionId, decision: 'accept', ...base(e.data.acceptedOn) });
        break;
      case 'ObjectionRefused':
        commands.push({ type: 'objection-decision', objectionId: e.data.objectionId, decision: 'refuse', reason: e.data.reason, ...base(e.data.refusedOn) });
        break;
      case 'ObjectionEvidenceRequested':
        commands.push({ type: 'objection-decision', objectionId: e.data.objectionId, decision: 'request-evidence', from: e.data.from, deadline: e.data.deadline, ...base(e.data.requestedOn) });
        break;
      case 'ObjectionEvidenceRecorded':
        commands.push({ type: 'objection-decision', objectionId: e.data.objectionId, decision: 'record-evidence', from: e.data.from, reason: e.data.summary, ...base(e.data.recordedOn) });
        break;
      case 'ObjectionUpheld':
      case 'ObjectionDismissed':
        commands.push({ type: 'objection-decision', objectionId: e.data.objectionId, decision: e.type === 'ObjectionUpheld' ? 'uphold' : 'dismiss', reason: e.data.reason, ...base(e.data.decidedOn) });
        break;
      case 'ObjectionEvidenceDeadlineMissed': {
        const next = events[i + 1];
        const consequence = { recommender: 'ApplicationDisqualified', applicant: 'ObjectionUpheld', objector: 'ObjectionDismissed' }[e.data.from];
        if (next?.type !== consequence || (next.type !== 'ApplicationDisqualified' && (next.data as { decidedBy: string }).decidedBy !== 'deemed')) return null;
        commands.push({ type: 'evidence-deadline-missed', objectionId: e.data.objectionId, deadlineId: e.data.deadlineId, ...base(e.data.missedOn, at(e.data.missedOn, '02')) });
        i++;
        break;
      }
      case 'ApplicationDisqualified':
        return null; // only as the consequence above
      case 'PublicityClosed':
        commands.push({ type: 'close-publicity', round: e.data.round, ...base(e.data.closedOn) });
        break;
      case 'ApplicationAwarded':
        commands.push({ type: 'award', tier: e.data.tier, decisionDate: e.data.decisionDate, documentNo: e.data.documentNo, ...base(e.data.decisionDate) });
        break;
      case 'ApplicationNotAwarded':
        commands.push({ type: 'not-award', reason: e.data.reason, ...base(e.data.decidedOn) });
        break;
      case 'ApplicationWithdrawn':
        commands.push({ type: 'withdraw', reason: e.data.reason, ...base(e.data.withdrawnOn) });
        break;
      case 'ApplicationRevoked':
        commands.push({ type: 'revoke', ground: e.data.ground, revokedOn: e.data.revokedOn, ...base(e.data.revokedOn) });
        break;
      case 'AnnualReportFiled':
        commands.push({ type: 'file-annual-report', year: e.data.year, ...base(e.data.filedOn) });
        break;
      case 'AnnualReportOverdue':
      case 'RevocationWindowClosed':
        return null; // scheduler facts, not generated here (decide.deadlines.spec.ts)
      default: {
        const _exhaustive: never = e;
        throw new Error(`unmapped ${String(_exhaustive)}`);
      }
    }
  }
  return commands;
}

/** The latest business date before index i (a PublicityStarted is decided then). */
function lastDate(events: ApplicationEvent[], i: number): string {
  return events.slice(0, i).reduce((last, e) => {
    const d = businessDateOf(e);
    return d && d > last ? d : last;
  }, GRAPH_START);
}

function atomicValues(policy: ProgrammePolicy): Array<{ key: string; node: AnyStateNode }> {
  const machine = createApplicationMachine(policy);
  return getStateNodes(machine.root)
    .filter((n) => n.type === 'atomic' || n.type === 'final')
    .map((node) => ({ node, key: JSON.stringify(node.path.length === 1 ? node.path[0] : { [node.path[0]!]: node.path[1] }) }));
}

type MachinePath = StatePath<ApplicationSnapshot, EventFromLogic<ApplicationMachine>>;

function replayThroughDecide(policy: ProgrammePolicy, path: MachinePath): 'ok' | 'skipped' {
  // The first step is xstate.init; the rest are domain events.
  const events = path.steps.map((s) => s.event).filter((e): e is ApplicationEvent => !e.type.startsWith('xstate.'));
  if (events.length === 0) return 'skipped';
  const commands = commandsOf(events.slice(1));
  if (!commands) return 'skipped';
  let state: ReplayedApplication = replayApplication(policy, events.slice(0, 1));
  for (const command of commands) {
    const decided = decide(command, state, policy);
    state = decided.reduce((s, e) => evolveApplication(policy, s, e), state);
  }
  expect({ path: events.map((e) => e.type), state: state.state }).toEqual({ path: events.map((e) => e.type), state: stateName(path.state) });
  expect(state.snapshot.value).toEqual(path.state.value);
  return 'ok';
}

const registry = PolicyRegistry.fromDirectories([PolicyRegistry.builtInDirectory()]);
const realPolicies = registry.programmes().flatMap((id) => [...registry.versions(id)]);

describe.each([
  ['fixture (two rounds, every optional stage)', fixturePolicy],
  ['fixture (one round)', singleRoundPolicy],
  ...realPolicies.map((p) => [`${p.programmeId}/${p.version}`, p] as [string, ProgrammePolicy]),
])('statechart of %s', (_name, policy) => {
  const machine = createApplicationMachine(policy);
  const options = { events: (s: ApplicationSnapshot) => sampleEvents(policy, s) };
  let shortest: MachinePath[] = [];
  beforeAll(() => {
    shortest = getShortestPaths(machine, options);
  });

  it('reaches every state node', () => {
    const reached = new Set(shortest.map((p) => JSON.stringify(p.state.value)));
    const missing = atomicValues(policy).filter(({ key }) => !reached.has(key)).map(({ key }) => key);
    expect(missing).toEqual([]);
  });

  it('has no way out of a final state, and a way out of every other state', () => {
    for (const { node } of atomicValues(policy)) {
      const own = [...node.transitions.keys()];
      const inherited = node.parent && node.parent !== machine.root ? [...node.parent.transitions.keys()] : [];
      if (node.type === 'final') expect({ state: node.key, events: own }).toEqual({ state: node.key, events: [] });
      else expect(own.length + inherited.length).toBeGreaterThan(0);
    }
    const finals = shortest.filter((p) => p.state.status === 'done').map((p) => stateName(p.state));
    expect(new Set(finals)).toEqual(new Set(['rejected', 'eliminated', 'withdrawn', 'disqualified', 'notAwarded', 'revoked']));
  });

  // 朝阳 第二十条: an objection the policy refuses is recorded as not admitted in every state from
  // the first publicity round on but the final ones, and changes no state.
  it('takes an objection the policy refuses, without moving, in every state after a round started but the final ones', () => {
    let checked = 0;
    for (const path of shortest) {
      const event = notAdmittedSample(policy, path.state.context, 'app-graph', 'na-check');
      if (!event) continue;
      expect({ state: stateName(path.state), accepted: path.state.can(event) }).toEqual({ state: stateName(path.state), accepted: path.state.status !== 'done' });
      if (path.state.status === 'done') continue;
      expect(nextSnapshot(machine, path.state, event).value).toEqual(path.state.value);
      checked += 1;
    }
    const refuses = policy.objections.lateRefused || policy.objections.writtenEvidenceRequired || !policy.objections.anonymousAllowed;
    if (refuses) expect(checked).toBeGreaterThan(0);
    // Before any round there is nowhere to record it.
    const before = shortest.filter((p) => p.state.context.publicity.current === null && p.state.status !== 'done');
    expect(before.some((p) => acceptedEventTypes(policy, p.state).has('ObjectionNotAdmitted'))).toBe(false);
  });

  it('is built from the policy’s stages', () => {
    const stages = policy.stages.filter((s) => s.id !== 'publicity' && s.id !== 'approval').map((s) => s.id);
    const chainStages = buildChain(policy).steps.flatMap((s) => (s.kind === 'stage' && s.stage !== 'approval' ? [s.stage] : []));
    expect(chainStages.filter((s) => s !== 'proposed')).toEqual(stages.filter((s) => s !== 'proposed'));
  });

  it('gives the machine’s state when every shortest path is decided command by command', () => {
    const skipped = shortest.filter((p) => replayThroughDecide(policy, p) === 'skipped');
    // Only the initial path and the machine-only steps between a missed deadline and its consequence.
    const unexplained = skipped.filter((p) => p.steps.length > 1 && !p.steps.some((s) => s.event.type === 'ObjectionEvidenceDeadlineMissed' || s.event.type === 'ApplicationDisqualified'));
    expect(unexplained.map((p) => p.steps.map((s) => s.event.type))).toEqual([]);
    expect(skipped.length).toBeLessThan(shortest.length);
  });

  it('gives the machine’s state along every simple path to the end of the procedure', () => {
    // Without the objection sub-graph (covered by the shortest paths): simple paths through it explode.
    const simple = getSimplePaths(machine, {
      events: (s: ApplicationSnapshot) =>
        sampleEvents(policy, s).filter((e) => !e.type.startsWith('Objection') && e.type !== 'ApplicationDisqualified'),
      toState: (s: ApplicationSnapshot) => s.status === 'done' || stateName(s) === 'awarded',
    });
    expect(simple.length).toBeGreaterThan(0);
    expect(simple.filter((p) => replayThroughDecide(policy, p) === 'skipped')).toEqual([]);
  });
});
