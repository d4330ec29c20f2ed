/**
 * The deadline scheduler: XState's `after` delays are not restored from persisted state
 * (xstate#5331), so deadlines are events (projections/deadlines.ts) plus this loop.
 *
 * Each round: wait until the index has caught up with the store's head, fire every deadline due
 * (dueAt <= clock.now()) earliest first, then sleep until the next one, at most `maxSleepMs`,
 * woken early by a move of a manual clock and by new commits of the index (a new deadline, an
 * objection settled). Nothing is kept in memory that a restart needs: a crash at any point is
 * recovered by the next round, because firing is idempotent (deadline-firer.ts). Several
 * instances may run against one store; each deadline's event is appended once.
 */
import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock/clock.js';
import type { Deadline } from '../../projections/deadlines.js';
import type { DeadlineIndex } from './deadline-index.js';
import type { FireOutcome } from './deadline-firer.js';

export interface SchedulerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface SchedulerOptions {
  /** Longest sleep between rounds, whatever the next deadline (default 60 s). */
  maxSleepMs?: number;
  /** A deadline whose fire failed is tried again after this long, or once the index moved (default 30 s). */
  retryAfterMs?: number;
  logger?: SchedulerLogger;
}

export interface RoundResult {
  fired: Deadline[];
  failed: Deadline[];
  next: string | null;
  checkpoint: number;
}

type Firer = { fire(deadline: Deadline): Promise<FireOutcome> };

/** Slices of a sleep during which the index is watched for commits. */
const SLICE_MS = 250;

export class DeadlineScheduler {
  private running = false;
  private loop: Promise<void> | undefined;
  private poked = false;
  private wake: (() => void) | undefined;
  private unsubscribeClock: (() => void) | undefined;
  private readonly failures = new Map<string, { checkpoint: number; at: number }>();
  private readonly maxSleepMs: number;
  private readonly retryAfterMs: number;
  private readonly logger: SchedulerLogger;
  /** Resolves after every round (tests wait on it). */
  private roundListeners = new Set<(round: RoundResult) => void>();

  constructor(
    private readonly index: DeadlineIndex,
    private readonly firer: Firer,
    private readonly clock: Clock,
    options: SchedulerOptions = {},
  ) {
    this.maxSleepMs = options.maxSleepMs ?? 60_000;
    this.retryAfterMs = options.retryAfterMs ?? 30_000;
    this.logger = options.logger ?? new Logger('Deadlines');
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const manual = this.clock as Clock & { onChange?: (listener: (now: Date) => void) => () => void };
    if (typeof manual.onChange === 'function') this.unsubscribeClock = manual.onChange(() => this.poke());
    this.loop = this.run();
  }

  /** Finishes the fire in progress, then stops. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribeClock?.();
    this.poke();
    await this.loop;
  }

  /** Look again now (a clock move, a new deadline). */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  /** Resolves with the next round that completes (tests). */
  nextRound(): Promise<RoundResult> {
    return new Promise((resolve) => {
      const listener = (round: RoundResult) => {
        this.roundListeners.delete(listener);
        resolve(round);
      };
      this.roundListeners.add(listener);
    });
  }

  /** One round without waiting for the index: fires what is due now. */
  async runOnce(): Promise<RoundResult> {
    const now = this.clock.now();
    const { due, next, checkpoint } = await this.index.due(now);
    const fired: Deadline[] = [];
    const failed: Deadline[] = [];
    for (const deadline of due) {
      if (this.loop && !this.running) break;
      const failure = this.failures.get(deadline.id);
      if (failure && failure.checkpoint === checkpoint && performance.now() - failure.at < this.retryAfterMs) continue;
      try {
        const outcome = await this.firer.fire(deadline);
        this.failures.delete(deadline.id);
        if (outcome === 'fired') {
          fired.push(deadline);
          this.logger.log(`Deadline ${deadline.id} (due ${deadline.dueAt}) fired: ${deadline.consequence}`);
        }
      } catch (error) {
        // Refused (the stream moved on in a way the index has not shown yet) or the store failed:
        // left pending, tried again when the index moves or after retryAfterMs.
        this.failures.set(deadline.id, { checkpoint, at: performance.now() });
        failed.push(deadline);
        this.logger.warn(`Deadline ${deadline.id} could not fire: ${(error as Error).message}`);
      }
    }
    const round = { fired, failed, next, checkpoint };
    for (const listener of [...this.roundListeners]) listener(round);
    return round;
  }

  private async run(): Promise<void> {
    let backoff = 0;
    while (this.running) {
      try {
        this.poked = false;
        if (!(await this.index.catchUp(this.maxSleepMs))) {
          await this.sleep(SLICE_MS, null);
          continue;
        }
        if (!this.running) break;
        const round = await this.runOnce();
        backoff = 0;
        // What was fired changes the index: look again once it has caught up.
        if (round.fired.length > 0) continue;
        const untilNext = round.next ? Date.parse(round.next) - this.clock.now().getTime() : Infinity;
        const untilRetry = round.failed.length > 0 ? this.retryAfterMs : Infinity;
        const ms = Math.max(0, Math.min(this.maxSleepMs, untilNext, untilRetry));
        if (!this.poked) await this.sleep(ms, round.checkpoint);
      } catch (error) {
        backoff = Math.min(this.maxSleepMs, backoff === 0 ? 100 : backoff * 2);
        if (this.running) this.logger.warn(`Deadline scheduler round failed (next try in ${backoff} ms): ${(error as Error).message}`);
        await this.sleep(backoff, null);
      }
    }
  }

  /** Sleeps `ms`, or less: poked, stopped, or (with a checkpoint) the index committed past it. */
  private async sleep(ms: number, checkpoint: number | null): Promise<void> {
    const woken = new Promise<void>((resolve) => (this.wake = resolve));
    if (this.poked || !this.running) return;
    const until = performance.now() + ms;
    let awake = false;
    void woken.then(() => (awake = true));
    try {
      while (!awake && this.running) {
        const left = until - performance.now();
        if (left <= 0) return;
        const slice = Math.min(SLICE_MS, left);
        const watch = (checkpoint === null ? Promise.resolve(false) : this.index.changedSince(checkpoint, slice)).then(
          // An index that answers at once without a change (stopped) must not make this a busy loop.
          (changed) => changed || delay(until - performance.now() - (left - slice)).then(() => false),
        );
        const moved = await Promise.race([woken.then(() => true), watch]);
        if (moved) return;
      }
    } finally {
      this.wake = undefined;
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());
}
