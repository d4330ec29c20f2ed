/** The scheduler loop alone, with a manual clock, an in-memory index and a recording firer. */
import { ManualClock } from '../clock/clock.js';
import type { Deadline, DeadlineStreamDoc } from '../../projections/deadlines.js';
import { type DeadlineIndex, dueIn } from './deadline-index.js';
import { DeadlineScheduler } from './scheduler.js';
import { QUIET } from './testing.js';

function deadline(id: string, dueAt: string, extra: Partial<Deadline> = {}): Deadline {
  return {
    id, eventId: id, kind: 'publicity-end', status: 'pending', programmeId: 'p', termId: 't', applicationId: 'a', streamId: 's',
    dueDate: dueAt.slice(0, 10), dueAt, action: { command: 'close-publicity', round: 1 }, consequence: '', article: '', blockedBy: [], scheduledAt: 1,
    ...extra,
  };
}

class MemoryIndex implements DeadlineIndex {
  deadlines: Deadline[] = [];
  checkpoint = 1;
  private listeners = new Set<() => void>();
  async catchUp(): Promise<boolean> {
    return true;
  }
  async due(now: Date) {
    const doc = { deadlines: this.deadlines } as DeadlineStreamDoc;
    return { ...dueIn([doc], now), checkpoint: this.checkpoint };
  }
  changedSince(checkpoint: number, ms: number): Promise<boolean> {
    if (this.checkpoint > checkpoint) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        this.listeners.delete(wake);
        clearTimeout(timer);
        resolve(v);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.listeners.add(wake);
    });
  }
  commit(change: () => void): void {
    change();
    this.checkpoint += 1;
    for (const wake of [...this.listeners]) wake();
  }
}

describe('DeadlineScheduler', () => {
  let clock: ManualClock;
  let index: MemoryIndex;
  let fired: string[];
  let scheduler: DeadlineScheduler;
  let failNext = 0;
  const firer = {
    async fire(d: Deadline) {
      if (failNext > 0) {
        failNext -= 1;
        throw new Error('store unavailable');
      }
      fired.push(d.id);
      // As the index would: the fired deadline is fulfilled.
      index.commit(() => (index.deadlines = index.deadlines.map((x) => (x.id === d.id ? { ...x, status: 'fulfilled' } : x))));
      return 'fired' as const;
    },
  };

  beforeEach(() => {
    clock = new ManualClock('2025-10-01T00:00:00Z');
    index = new MemoryIndex();
    fired = [];
    failNext = 0;
    scheduler = new DeadlineScheduler(index, firer, clock, { logger: QUIET, maxSleepMs: 60_000, retryAfterMs: 50 });
  });
  afterEach(() => scheduler.stop());

  const until = async (check: () => boolean, ms = 3000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('condition not reached');
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  it('on start fires every deadline already due, earliest first, and leaves the later ones', async () => {
    index.deadlines = [deadline('b', '2025-09-30T16:00:00.000Z'), deadline('c', '2025-10-05T16:00:00.000Z'), deadline('a', '2025-09-20T16:00:00.000Z')];
    scheduler.start();
    await until(() => fired.length === 2);
    expect(fired).toEqual(['a', 'b']);
  });

  it('sleeps until the clock reaches the next one: a manual clock move wakes it, a minute early does not fire', async () => {
    index.deadlines = [deadline('x', '2025-10-09T16:00:00.000Z')];
    scheduler.start();
    await scheduler.nextRound();
    clock.set('2025-10-09T15:59:00Z');
    await scheduler.nextRound();
    expect(fired).toEqual([]);
    clock.set('2025-10-09T16:00:00Z');
    await until(() => fired.length === 1);
    expect(fired).toEqual(['x']);
  });

  it('wakes for a deadline added to the index while it sleeps', async () => {
    scheduler.start();
    await scheduler.nextRound();
    index.commit(() => index.deadlines.push(deadline('late', '2025-09-01T16:00:00.000Z')));
    await until(() => fired.length === 1);
  });

  it('skips a blocked deadline until the index frees it', async () => {
    index.deadlines = [deadline('held', '2025-09-01T16:00:00.000Z', { blockedBy: ['o1'] })];
    scheduler.start();
    await scheduler.nextRound();
    expect(fired).toEqual([]);
    index.commit(() => (index.deadlines = [{ ...index.deadlines[0]!, blockedBy: [] }]));
    await until(() => fired.length === 1);
  });

  it('retries a fire that failed, without spinning', async () => {
    index.deadlines = [deadline('x', '2025-09-01T16:00:00.000Z')];
    failNext = 1;
    scheduler.start();
    const first = await scheduler.nextRound();
    expect(first.failed.map((d) => d.id)).toEqual(['x']);
    await until(() => fired.length === 1);
  });

  it('stops cleanly while asleep', async () => {
    scheduler.start();
    await scheduler.nextRound();
    const started = Date.now();
    await scheduler.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(scheduler.isRunning).toBe(false);
  });
});
