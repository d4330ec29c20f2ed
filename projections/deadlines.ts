/**
 * The pending-deadlines index, a read model on the projection engine (durable, checkpointed,
 * rebuildable). One document per stream (`application-<id>`, `term-<id>`) holding its deadlines
 * by id: whether a publicity round may close depends on the stream's open objections, an annual
 * report on the filings so far, so a deadline cannot be folded apart from its stream.
 *
 * Scheduled by: PublicityStarted (its endsAt), ObjectionEvidenceRequested (its deadline),
 * ApplicationAwarded (annual reports, revocation windows), TermApproved (supervision group).
 * Settled by the event that fires it (id = deadlineEventId) or by any event that does the same
 * (an office's close-publicity, an approval that closes the round, evidence that came in).
 *
 * Pure: dates come from the events, the policy (versioned data) from the injected lookup.
 */
import type { StoredEvent } from '../src/event-store/event-store.port.js';
import { endInstant } from '../workflows/calendar/local-date.js';
import { annualReportDueDate, revocationWindowLastDay } from '../workflows/application/rules.js';
import type { EvidenceParty } from '../workflows/application/events.js';
import type { ProgrammePolicy } from '../workflows/policy/policy.types.js';
import { defineProjection, type Projection } from './projection.js';
import {
  type Deadline,
  type DeadlineAction,
  type DeadlineKind,
  type DeadlineStreamDoc,
  deadlineEventId,
  isFireable,
} from './deadlines.types.js';

export * from './deadlines.types.js';

export const DEADLINES_PROJECTION = 'deadlines';

/** The policy of a programme version; undefined when unknown (its policy-bound deadlines are then not scheduled). */
export type PolicyLookup = (programmeId: string, version: string) => ProgrammePolicy | undefined;

const APPLICATION_PREFIX = 'application-';
const TERM_PREFIX = 'term-';

/** Application events that end the procedure before an award: nothing is due any more. */
const LEFT_THE_PROCEDURE = new Set([
  'QualificationRejected',
  'ApplicationEliminated',
  'ApplicationDisqualified',
  'ApplicationWithdrawn',
  'ApplicationNotAwarded',
]);

const HANDLES = [
  'ApplicationSubmitted',
  'PublicityStarted',
  'PublicityClosed',
  'ObjectionReceived',
  'ObjectionRefused',
  'ObjectionUpheld',
  'ObjectionDismissed',
  'ObjectionEvidenceRequested',
  'ObjectionEvidenceRecorded',
  'ObjectionEvidenceDeadlineMissed',
  'ApplicationAwarded',
  'AnnualReportFiled',
  'AnnualReportOverdue',
  'RevocationWindowClosed',
  'ApplicationRevoked',
  ...LEFT_THE_PROCEDURE,
  'TermOpened',
  'TermApproved',
  'SupervisionGroupDissolved',
] as const;

const EVIDENCE_CONSEQUENCE: Record<EvidenceParty, string> = {
  recommender: 'ObjectionEvidenceDeadlineMissed, then ApplicationDisqualified: the recommending body did not verify in time, the applicant fails review',
  applicant: 'ObjectionEvidenceDeadlineMissed, then ObjectionUpheld: the applicant is taken to admit the objection',
  objector: 'ObjectionEvidenceDeadlineMissed, then ObjectionDismissed: the objector is taken to abandon the objection',
};

type Data = Record<string, any>;

export function createDeadlinesProjection(policies: PolicyLookup): Projection<DeadlineStreamDoc> {
  return defineProjection<DeadlineStreamDoc>({
    name: DEADLINES_PROJECTION,
    // 2: indexed by the next fireable dueAt (the scheduler reads the earliest, not every stream).
    version: 2,
    handles: HANDLES,
    keys(event) {
      const isApplication = event.streamId.startsWith(APPLICATION_PREFIX);
      const isTerm = event.streamId.startsWith(TERM_PREFIX);
      // The term's own PublicityStarted is the list's; each application's copy schedules its end.
      if (isTerm) return ['TermOpened', 'TermApproved', 'SupervisionGroupDissolved'].includes(event.type) ? [event.streamId] : [];
      return isApplication ? [event.streamId] : [];
    },
    evolve(document, event) {
      const doc = document ?? created(event);
      if (!doc) return null;
      return summarise(apply(doc, event, policies));
    },
    // The scheduler's question, "which deadline fires next", is a range of this index.
    index: (doc) => (doc.fireable ? doc.nextDueAt : null),
  });
}

function created(event: StoredEvent): DeadlineStreamDoc | null {
  const d = event.data as Data;
  const base = { streamId: event.streamId, openObjections: [], reportsFiled: 0, deadlines: [], open: false, fireable: false, nextDueAt: null };
  if (event.type === 'ApplicationSubmitted') {
    return { ...base, programmeId: d.programmeId, policyVersion: d.policyVersion, termId: d.termId, applicationId: d.applicationId };
  }
  if (event.type === 'TermOpened') {
    return { ...base, programmeId: d.programmeId, policyVersion: d.policyVersion, termId: d.termId, applicationId: null };
  }
  return null; // a stream whose first event we never saw (not ours)
}

function apply(doc: DeadlineStreamDoc, event: StoredEvent, policies: PolicyLookup): DeadlineStreamDoc {
  const d = event.data as Data;
  const on = (field: string): string | null => (typeof d[field] === 'string' ? d[field] : event.metadata.occurredAt?.slice(0, 10) ?? null);
  const settle = (match: (x: Deadline) => boolean, status: 'fulfilled' | 'cancelled', date: string | null, late?: boolean) =>
    settleWhere(doc, match, status, { by: event.type, eventId: event.id, position: event.position, on: date, ...(late ? { late } : {}) });
  const schedule = (kind: DeadlineKind, key: string, dueDate: string, action: DeadlineAction, consequence: string, article: string) =>
    scheduleDeadline(doc, event, kind, key, dueDate, action, consequence, article);
  const policy = () => policies(doc.programmeId, doc.policyVersion);

  if (LEFT_THE_PROCEDURE.has(event.type)) return settle((x) => x.status === 'pending', 'cancelled', null);

  switch (event.type) {
    case 'PublicityStarted': {
      const round = policy()?.publicity.find((r) => r.round === d.round);
      return schedule(
        'publicity-end',
        `${d.round}`,
        d.endDate,
        { command: 'close-publicity', round: d.round },
        `PublicityClosed: round ${d.round} (${d.list} list) ends and the application moves on`,
        round?.article ?? '',
      );
    }
    case 'PublicityClosed':
      return settle((x) => x.kind === 'publicity-end' && isAction(x, 'close-publicity', (a) => a.round === d.round), 'fulfilled', on('closedOn'));
    case 'ObjectionReceived':
      return block(doc, d.objectionId, d.round);
    case 'ObjectionRefused':
    case 'ObjectionUpheld':
    case 'ObjectionDismissed': {
      const unblocked = unblock(doc, d.objectionId);
      // A settled objection needs no more evidence.
      return settleWhere(unblocked, (x) => x.kind === 'objection-evidence' && x.status === 'pending' && isAction(x, 'evidence-deadline-missed', (a) => a.objectionId === d.objectionId), 'cancelled', {
        by: event.type, eventId: event.id, position: event.position, on: on('decidedOn') ?? on('refusedOn'),
      });
    }
    case 'ObjectionEvidenceRequested':
      return schedule(
        'objection-evidence',
        d.deadlineId,
        d.deadline,
        { command: 'evidence-deadline-missed', objectionId: d.objectionId, deadlineId: d.deadlineId, from: d.from },
        // Requests stored before 2026-12-01 in programmes whose rules attach nothing to a miss.
        policy()?.objections.defaultDeadlines
          ? (EVIDENCE_CONSEQUENCE[d.from as EvidenceParty] ?? 'ObjectionEvidenceDeadlineMissed')
          : 'ObjectionEvidenceDeadlineMissed only: this programme’s rules attach no consequence to a missed time limit',
        policy()?.objections.defaultDeadlines?.article ?? policy()?.objections.article ?? '',
      );
    case 'ObjectionEvidenceRecorded':
      return settle(
        (x) => x.kind === 'objection-evidence' && x.status === 'pending' && isAction(x, 'evidence-deadline-missed', (a) => a.objectionId === d.objectionId && a.from === d.from),
        'fulfilled',
        on('recordedOn'),
      );
    case 'ObjectionEvidenceDeadlineMissed':
      return settle((x) => isAction(x, 'evidence-deadline-missed', (a) => a.deadlineId === d.deadlineId), 'fulfilled', on('missedOn'));
    case 'ApplicationAwarded':
      return scheduleAfterAward(doc, event, policy());
    case 'AnnualReportFiled': {
      const filed = { ...doc, reportsFiled: doc.reportsFiled + 1 };
      // The n-th filing meets the n-th report, whatever year it is labelled (瀍河 第二十四条).
      return settleWhere(filed, (x) => x.kind === 'annual-report' && (x.status === 'pending' || x.status === 'overdue') && reportOf(x) <= filed.reportsFiled, 'fulfilled', {
        by: event.type, eventId: event.id, position: event.position, on: on('filedOn'),
      }, (x) => x.status === 'overdue');
    }
    case 'AnnualReportOverdue':
      return {
        ...doc,
        deadlines: doc.deadlines.map((x) =>
          x.kind === 'annual-report' && x.status === 'pending' && reportOf(x) === d.report ? { ...x, status: 'overdue', overdueOn: d.overdueOn } : x,
        ),
      };
    case 'RevocationWindowClosed':
      return settle((x) => isAction(x, 'close-revocation-window', (a) => a.windowYears === d.windowYears), 'fulfilled', on('closedOn'));
    case 'ApplicationRevoked':
      // Revoked: the duties of a winner end, and no ground is left to close.
      return settle((x) => x.status === 'pending' || x.status === 'overdue', 'cancelled', on('revokedOn'));
    case 'TermApproved': {
      const supervision = policy()?.supervision;
      if (!supervision?.endsWithTerm) return doc;
      // 济南 第九条, 淄博 第十二条: the group serves the term; its work ends with the government's
      // decision, and it may still report on the day of the decision, so it is dissolved at 24:00 of it.
      return schedule(
        'supervision-term',
        'dissolved',
        d.decisionDate,
        { command: 'dissolve-supervision-group' },
        'SupervisionGroupDissolved: the supervision group of this term ends its work',
        supervision.article,
      );
    }
    case 'SupervisionGroupDissolved':
      return settle((x) => x.kind === 'supervision-term', 'fulfilled', on('dissolvedOn'));
    default:
      return doc;
  }
}

function scheduleAfterAward(doc: DeadlineStreamDoc, event: StoredEvent, policy: ProgrammePolicy | undefined): DeadlineStreamDoc {
  const decisionDate = (event.data as Data).decisionDate as string;
  let next = doc;
  const reports = policy?.postAward?.annualReports;
  for (let report = 1; reports && report <= reports.years; report++) {
    next = scheduleDeadline(
      next,
      event,
      'annual-report',
      `${report}`,
      annualReportDueDate(decisionDate, report),
      { command: 'annual-report-overdue', report },
      `AnnualReportOverdue: annual quality-performance report ${report} of ${reports.years} becomes overdue unless filed`,
      reports.article,
    );
  }
  const windows = new Map<number, string[]>();
  for (const ground of policy?.revocation.grounds ?? []) {
    if (ground.windowYears !== undefined) windows.set(ground.windowYears, [...(windows.get(ground.windowYears) ?? []), ground.article]);
  }
  for (const [windowYears, articles] of [...windows].sort(([a], [b]) => a - b)) {
    next = scheduleDeadline(
      next,
      event,
      'revocation-window',
      `${windowYears}y`,
      revocationWindowLastDay(decisionDate, windowYears),
      { command: 'close-revocation-window', windowYears },
      `RevocationWindowClosed: grounds limited to ${windowYears} years after the award no longer apply to later incidents`,
      [...new Set(articles)].join('、'),
    );
  }
  return next;
}

function scheduleDeadline(
  doc: DeadlineStreamDoc,
  event: StoredEvent,
  kind: DeadlineKind,
  key: string,
  dueDate: string,
  action: DeadlineAction,
  consequence: string,
  article: string,
): DeadlineStreamDoc {
  const id = `${kind}:${doc.applicationId ?? doc.termId}:${key}`;
  if (doc.deadlines.some((x) => x.id === id)) return doc; // scheduled once; a replayed event changes nothing
  const deadline: Deadline = {
    id,
    eventId: deadlineEventId(id),
    kind,
    status: 'pending',
    programmeId: doc.programmeId,
    termId: doc.termId,
    applicationId: doc.applicationId,
    streamId: doc.streamId,
    dueDate,
    dueAt: endInstant(dueDate),
    action,
    consequence,
    article,
    // An objection already open on the round keeps it open (only possible if events were reordered).
    blockedBy: kind === 'publicity-end' ? [...doc.openObjections] : [],
    scheduledAt: event.position,
  };
  return { ...doc, deadlines: [...doc.deadlines, deadline] };
}

function settleWhere(
  doc: DeadlineStreamDoc,
  match: (x: Deadline) => boolean,
  status: 'fulfilled' | 'cancelled',
  settled: NonNullable<Deadline['settled']>,
  late: (x: Deadline) => boolean = () => false,
): DeadlineStreamDoc {
  return {
    ...doc,
    deadlines: doc.deadlines.map((x) =>
      (x.status === 'pending' || x.status === 'overdue') && match(x)
        ? { ...x, status, blockedBy: [], settled: { ...settled, ...(late(x) ? { late: true } : {}) } }
        : x,
    ),
  };
}

function block(doc: DeadlineStreamDoc, objectionId: string, round: number): DeadlineStreamDoc {
  return {
    ...doc,
    openObjections: [...doc.openObjections, objectionId],
    deadlines: doc.deadlines.map((x) =>
      x.status === 'pending' && isAction(x, 'close-publicity', (a) => a.round === round) ? { ...x, blockedBy: [...x.blockedBy, objectionId] } : x,
    ),
  };
}

function unblock(doc: DeadlineStreamDoc, objectionId: string): DeadlineStreamDoc {
  return {
    ...doc,
    openObjections: doc.openObjections.filter((id) => id !== objectionId),
    deadlines: doc.deadlines.map((x) => (x.blockedBy.includes(objectionId) ? { ...x, blockedBy: x.blockedBy.filter((id) => id !== objectionId) } : x)),
  };
}

function isAction<C extends DeadlineAction['command']>(x: Deadline, command: C, test: (action: Extract<DeadlineAction, { command: C }>) => boolean): boolean {
  return x.action.command === command && test(x.action as Extract<DeadlineAction, { command: C }>);
}

function reportOf(x: Deadline): number {
  return x.action.command === 'annual-report-overdue' ? x.action.report : 0;
}

/** The top-level fields the scheduler and the endpoint filter and sort on. */
function summarise(doc: DeadlineStreamDoc): DeadlineStreamDoc {
  const fireable = doc.deadlines.filter(isFireable).map((x) => x.dueAt).sort();
  return {
    ...doc,
    open: doc.deadlines.some((x) => x.status === 'pending' || x.status === 'overdue'),
    fireable: fireable.length > 0,
    nextDueAt: fireable[0] ?? null,
  };
}
