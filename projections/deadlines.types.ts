/**
 * The durable deadlines index (projections/deadlines.ts): what the scheduler fires and what
 * GET /api/deadlines lists. A deadline is scheduled by an event of its stream and settled by
 * another; it fires as an event whose id is `eventId` (deadlineEventId), so it is appended once.
 */
import { deterministicUuid } from '../src/awards/command-context.js';
import type { EvidenceParty } from '../workflows/application/events.js';

export type DeadlineKind =
  /** End of a publicity round (淄博 第十八条, 济南 第十七条, 忻州 第十八、十九条, 瀍河 第十九条, 朝阳 第十七条(八)). */
  | 'publicity-end'
  /** Answer to a request for evidence on an objection (朝阳 第二十二、二十三条). */
  | 'objection-evidence'
  /** Yearly quality-performance report after the award (瀍河 第二十四条). */
  | 'annual-report'
  /** End of the grounds limited to N years after the award (瀍河 第二十九条, 朝阳 第三十六条). */
  | 'revocation-window'
  /** The supervision group's term ends with its award term (济南 第九条, 淄博 第十二条). */
  | 'supervision-term';

/**
 * pending: not yet due or not yet fired; overdue: a duty past its day and still unmet (an annual
 * report recorded overdue); fulfilled: its event, or the one it waited for, is stored; cancelled:
 * the application left the procedure (or the objection was settled) first.
 */
export type DeadlineStatus = 'pending' | 'overdue' | 'fulfilled' | 'cancelled';
export const DEADLINE_STATUSES: readonly DeadlineStatus[] = ['pending', 'overdue', 'fulfilled', 'cancelled'];

/** The command the scheduler issues when the deadline is due. */
export type DeadlineAction =
  | { command: 'close-publicity'; round: number }
  | { command: 'evidence-deadline-missed'; objectionId: string; deadlineId: string; from: EvidenceParty }
  | { command: 'annual-report-overdue'; report: number }
  | { command: 'close-revocation-window'; windowYears: number }
  | { command: 'dissolve-supervision-group' };

export interface Deadline {
  /** Stable, readable id, e.g. 'publicity-end:<applicationId>:1'. */
  id: string;
  /** Id of the event that fires it (deterministic from `id`). */
  eventId: string;
  kind: DeadlineKind;
  status: DeadlineStatus;
  programmeId: string;
  termId: string;
  applicationId: string | null;
  /** Stream the deadline belongs to and fires into. */
  streamId: string;
  /** Last day (Asia/Shanghai), inclusive; also the fire's business date (occurredAt). */
  dueDate: string;
  /** 24:00 Asia/Shanghai of dueDate: fired when now >= dueAt. */
  dueAt: string;
  action: DeadlineAction;
  /** What happens when it fires, for the office. */
  consequence: string;
  article: string;
  /** Open objections that hold a publicity round open past its end (the statechart closes no round with one open). */
  blockedBy: string[];
  /** Global position of the event that scheduled it. */
  scheduledAt: number;
  /** When an annual report was recorded overdue (its business date). */
  overdueOn?: string;
  settled?: { by: string; eventId: string; position: number; on: string | null; late?: boolean };
}

/** One document per stream: a deadline's fate depends on the rest of its stream (objections, filings). */
export interface DeadlineStreamDoc {
  streamId: string;
  programmeId: string;
  policyVersion: string;
  termId: string;
  applicationId: string | null;
  openObjections: string[];
  reportsFiled: number;
  deadlines: Deadline[];
  /** Some deadline is pending or overdue. */
  open: boolean;
  /** Some deadline may fire (pending and not blocked). */
  fireable: boolean;
  /** Earliest dueAt of the fireable deadlines; null when none. */
  nextDueAt: string | null;
}

export function deadlineEventId(deadlineId: string): string {
  return deterministicUuid(`deadline\u0000${deadlineId}`);
}

export function isFireable(deadline: Deadline): boolean {
  return deadline.status === 'pending' && deadline.blockedBy.length === 0;
}
