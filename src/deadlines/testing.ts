/**
 * Test scaffolding: the award service, the projection engine with the deadlines index and the
 * scheduler on one SQLite store (in memory, or a file several stacks share) with a manual clock.
 */
import { ManualClock } from '../clock/clock.js';
import { SqliteEventStore } from '../event-store/sqlite/sqlite-event-store.js';
import { ProjectionRunner } from '../projections/projection-runner.js';
import { SqliteProjectionStore } from '../projections/sqlite-projection-store.js';
import { AwardService } from '../awards/award.service.js';
import { advanceToCandidate, calendar, ctx, policies, submission } from '../awards/test-support.js';
import { createDeadlinesProjection } from '../../projections/deadlines.js';
import { buildChain } from '../../workflows/application/chain.js';
import { applicationStreamId } from '../../workflows/application/events.js';
import { sortedRounds } from '../../workflows/term/decide.js';
import { DeadlineFirer } from './deadline-firer.js';
import { ProjectionDeadlineIndex } from './deadline-index.js';
import { DeadlineScheduler, type SchedulerLogger } from './scheduler.js';

export const QUIET: SchedulerLogger = { log() {}, warn() {}, error() {} };

export type Stack = Awaited<ReturnType<typeof startStack>>;

export async function startStack(start: string, filename = ':memory:', clock = new ManualClock(start)) {
  const store = new SqliteEventStore({ filename });
  const projections = new SqliteProjectionStore(store.db);
  const projection = createDeadlinesProjection((p, v) => policies.get(p, v));
  const runner = new ProjectionRunner(store, projections, [projection], clock, undefined, { logger: QUIET, watchdogIntervalMs: 200 });
  const service = new AwardService({ store, policies, clock, calendar });
  const index = new ProjectionDeadlineIndex(store, runner, projections);
  const firer = new DeadlineFirer({ store, clock, awards: service, policies });
  const scheduler = new DeadlineScheduler(index, firer, clock, { logger: QUIET, retryAfterMs: 200 });
  await runner.start();
  return {
    store,
    clock,
    service,
    runner,
    index,
    firer,
    scheduler,
    /** Waits until the index reflects the store and the scheduler has had a full round after that. */
    async settle(): Promise<void> {
      for (let i = 0; i < 3; i++) {
        const head = await store.headPosition();
        await runner.waitFor('deadlines', head, 5000);
        if (scheduler.isRunning) {
          const round = scheduler.nextRound();
          scheduler.poke();
          await round;
        }
        if ((await store.headPosition()) === head) return;
      }
    },
    async events(applicationId: string) {
      return store.readStream(applicationStreamId(applicationId));
    },
    async stop(): Promise<void> {
      await scheduler.stop();
      await runner.stop();
      await store.close();
    },
  };
}

/**
 * A term of `programmeId` with one organisation's application on the proposed list and its
 * last publicity round started on `publicityStart`. Review steps are dated `reviewOn`.
 */
export async function toPublicity(
  stack: Pick<Stack, 'service' | 'clock'>,
  programmeId: string,
  dates: { year: number; noticeDate: string; applicationDeadline: string; reviewOn: string; publicityStart: string },
  n = 1,
) {
  const { service } = stack;
  const { termId } = await service.openTerm(
    programmeId,
    { year: dates.year, noticeDate: dates.noticeDate, applicationDeadline: dates.applicationDeadline },
    ctx(dates.noticeDate),
  );
  const term = await service.getTerm(termId);
  const policy = policies.get(programmeId, term.policyVersion);
  const { id } = await service.submitApplication(submission(termId, policy, n), ctx(dates.noticeDate));
  await advanceToCandidate(service, id, policy, dates.reviewOn);
  await service.recordProposedList(termId, [{ applicationId: id, tier: policy.tiers[0]!.id }], ctx(dates.reviewOn));
  const round = sortedRounds(policy).at(-1)!;
  await service.startPublicity(termId, { round: round.round, startDate: dates.publicityStart }, ctx(dates.publicityStart));
  const step = buildChain(policy).steps.find((s) => s.kind === 'publicity' && s.round.round === round.round)!;
  return { termId, applicationId: id, policy, round: round.round, stateAfterPublicity: step.after };
}
