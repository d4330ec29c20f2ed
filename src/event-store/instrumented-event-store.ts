import type { Metrics } from '../observability/metrics.js';
import {
  type AppendOptions,
  type AppendRequest,
  type AppendResult,
  type EventStore,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type SubscribeToAllOptions,
  type Subscription,
  WrongExpectedRevisionError,
  IdempotencyMismatchError,
} from './event-store.port.js';

/** Decorates any adapter with append and error metrics; behaviour is the adapter's own. */
export class InstrumentedEventStore implements EventStore {
  constructor(
    readonly inner: EventStore,
    private readonly metrics: Metrics,
  ) {}

  get kind(): string {
    return this.inner.kind;
  }

  async append(streamId: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    return this.measure(() => this.inner.append(streamId, events, options)).then((result) => {
      this.count([result]);
      return result;
    });
  }

  async appendMultiple(requests: AppendRequest[]): Promise<AppendResult[]> {
    return this.measure(() => this.inner.appendMultiple(requests)).then((results) => {
      this.count(results);
      return results;
    });
  }

  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]> {
    return this.guard('readStream', () => this.inner.readStream(streamId, options));
  }

  readAll(options?: ReadAllOptions): Promise<StoredEvent[]> {
    return this.guard('readAll', () => this.inner.readAll(options));
  }

  subscribeToAll(options?: SubscribeToAllOptions): Subscription {
    return this.inner.subscribeToAll(options);
  }

  async headPosition(): Promise<number> {
    const head = await this.guard('headPosition', () => this.inner.headPosition());
    this.metrics.storeHead.set({ store: this.kind }, head);
    return head;
  }

  streamRevision(streamId: string): Promise<number | 'no_stream'> {
    return this.guard('streamRevision', () => this.inner.streamRevision(streamId));
  }

  ping(): Promise<void> {
    return this.guard('ping', () => this.inner.ping());
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private count(results: AppendResult[]): void {
    for (const result of results) {
      this.metrics.appends.inc({ store: this.kind, outcome: result.idempotentReplay ? 'replay' : 'ok' });
      if (!result.idempotentReplay) this.metrics.appendedEvents.inc({ store: this.kind }, result.events.length);
    }
  }

  private async measure<T>(append: () => Promise<T>): Promise<T> {
    const end = this.metrics.appendDuration.startTimer({ store: this.kind });
    try {
      return await append();
    } catch (error) {
      const refused = error instanceof WrongExpectedRevisionError || error instanceof IdempotencyMismatchError;
      if (refused) this.metrics.appends.inc({ store: this.kind, outcome: 'conflict' });
      else this.metrics.storeErrors.inc({ store: this.kind, operation: 'append' });
      throw error;
    } finally {
      end();
    }
  }

  private async guard<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      this.metrics.storeErrors.inc({ store: this.kind, operation });
      throw error;
    }
  }
}
