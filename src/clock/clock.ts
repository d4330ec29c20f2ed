/**
 * The injected clock. Domain code never reads the time itself: services ask a Clock and pass
 * `now` into deciders. `CLOCK=manual` (tests, rehearsals; refused in production) uses ManualClock.
 */
export const CLOCK = Symbol.for('CLOCK');

export interface Clock {
  now(): Date;
}

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that only moves when told to; starts at the given instant. */
export class ManualClock implements Clock {
  private current: number;
  private readonly listeners = new Set<(now: Date) => void>();

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
    if (Number.isNaN(this.current)) throw new Error(`Invalid start instant: ${String(start)}`);
  }

  now(): Date {
    return new Date(this.current);
  }

  set(instant: Date | string): Date {
    const next = new Date(instant).getTime();
    if (Number.isNaN(next)) throw new Error(`Invalid instant: ${String(instant)}`);
    if (next < this.current) throw new Error('A manual clock only moves forward');
    this.current = next;
    for (const listener of this.listeners) listener(this.now());
    return this.now();
  }

  advance(ms: number): Date {
    return this.set(new Date(this.current + ms));
  }

  /** Schedulers subscribe so that moving the clock wakes them. */
  onChange(listener: (now: Date) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The business date (YYYY-MM-DD) of an instant in Asia/Shanghai (UTC+8, no DST since 1991). */
export function shanghaiDate(instant: Date): string {
  return new Date(instant.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
