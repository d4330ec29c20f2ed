import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '../../event-store/event-store.port.js';

export interface GivenEvent {
  type: string;
  data: Record<string, unknown>;
  /** Defaults to 'test-stream'. */
  streamId?: string;
  recordedAt?: string;
}

export function newEvent(type: string, data: Record<string, unknown>, recordedAt = '2025-03-01T08:00:00.000Z'): NewEvent {
  return {
    id: randomUUID(),
    type,
    data,
    metadata: {
      actor: { sub: 'test', name: '测试', roles: ['admin'] },
      occurredAt: recordedAt.slice(0, 10),
      recordedAt,
      commandId: randomUUID(),
      correlationId: randomUUID(),
      causationId: randomUUID(),
      schemaVersion: 1,
    },
  };
}

/** Appends one event at a time (so each gets its own position), in order. */
export async function appendAll(store: EventStore, events: readonly GivenEvent[]): Promise<number> {
  let position = 0;
  for (const event of events) {
    const result = await store.append(event.streamId ?? 'test-stream', [newEvent(event.type, event.data, event.recordedAt)]);
    position = result.position;
  }
  return position;
}
