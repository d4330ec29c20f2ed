/**
 * Child process of the crash test (sqlite-crash.spec.ts). Appends to the embedded store as fast as
 * it can until the parent SIGKILLs it, and reports every acknowledged append on stdout, one JSON
 * line each. An append counts as acknowledged only once its promise resolved, so a line is
 * written strictly after the commit: the parent may find more in the store than was reported,
 * never less.
 *
 * Compiled by the spec with tsconfig.crash.json (only this file and the event store it imports),
 * so it runs under plain node and does not depend on the rest of the tree compiling.
 *
 * Usage: node append-worker.js <db file> <worker tag> <stream count> [in-commit|off-loop]
 */
import { randomUUID } from 'node:crypto';
import {
  type AppendRequest,
  type AppendResult,
  type NewEvent,
  WrongExpectedRevisionError,
} from '../../src/event-store/event-store.port.js';
import { SqliteEventStore } from '../../src/event-store/sqlite/sqlite-event-store.js';
import { type AckLine, type BatchMarker, type ReadyLine, UNICODE_SAMPLES, streamName } from './crash-protocol.js';

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

async function main(): Promise<void> {
  const [filename, worker = 'w', countArg = '6', fsync = 'in-commit'] = process.argv.slice(2);
  if (!filename) throw new Error('usage: append-worker <db file> <worker tag> <stream count>');
  const streamCount = Number(countArg);
  // A long busy timeout: a sibling worker may hold the write lock, or have died holding it.
  const store = new SqliteEventStore(
    fsync === 'off-loop'
      ? { filename, busyTimeoutMs: 30_000, fsync: 'off-loop' }
      : { filename, busyTimeoutMs: 30_000 },
  );
  const streams = Array.from({ length: streamCount }, (_, i) => streamName(i));

  // Continue existing streams: read each head first so expected revisions are right.
  const revisions = new Map<string, number | 'no_stream'>();
  for (const stream of streams) revisions.set(stream, await store.streamRevision(stream));
  emit({ t: 'ready', worker, revisions: Object.fromEntries(revisions) } satisfies ReadyLine);

  let seq = 0;
  const makeEvent = (type: string, batch: BatchMarker | null): NewEvent => ({
    id: randomUUID(),
    type,
    data: {
      worker,
      seq: seq++,
      batch,
      text: pick(UNICODE_SAMPLES),
      // Variable size so some appends span several pages of the WAL.
      pad: '质'.repeat(Math.floor(Math.random() * 1500)),
    },
    metadata: {
      actor: { sub: `crash-${worker}`, name: '压力测试', roles: ['system'] },
      occurredAt: '2025-03-01',
      recordedAt: new Date().toISOString(),
      commandId: randomUUID(),
      correlationId: randomUUID(),
      causationId: randomUUID(),
      schemaVersion: 1,
    },
  });
  const expectedOf = (stream: string) => revisions.get(stream) ?? 'no_stream';

  for (;;) {
    const roll = Math.random();
    let kind: AckLine['kind'];
    let batch: AckLine['batch'];
    let requests: AppendRequest[];
    if (roll < 0.45) {
      kind = 'single';
      const stream = pick(streams);
      requests = [{ streamId: stream, events: [makeEvent('Single', null)], expectedRevision: expectedOf(stream) }];
    } else if (roll < 0.85) {
      // A batch of 3 in one stream: all three must survive a crash, or none.
      kind = 'batch';
      batch = { id: randomUUID(), size: 3 };
      const stream = pick(streams);
      const events = [0, 1, 2].map((index) => makeEvent('Batched', { id: batch!.id, index, size: 3 }));
      requests = [{ streamId: stream, events, expectedRevision: expectedOf(stream) }];
    } else {
      // Cross-stream transaction (appendMultiple): 2 events in one stream, 1 in another.
      kind = 'multi';
      batch = { id: randomUUID(), size: 3 };
      const first = pick(streams);
      const second = pick(streams.filter((s) => s !== first));
      requests = [
        {
          streamId: first,
          events: [0, 1].map((index) => makeEvent('Multi', { id: batch!.id, index, size: 3 })),
          expectedRevision: expectedOf(first),
        },
        { streamId: second, events: [makeEvent('Multi', { id: batch.id, index: 2, size: 3 })], expectedRevision: expectedOf(second) },
      ];
    }

    let results: AppendResult[];
    try {
      results = await store.appendMultiple(requests);
    } catch (error) {
      // A sibling worker appended first: nothing was written; refresh the heads and go on.
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      for (const request of requests) revisions.set(request.streamId, await store.streamRevision(request.streamId));
      continue;
    }
    // Acknowledged: the promise resolved. Only now report it.
    for (const result of results) revisions.set(result.streamId, result.nextExpectedRevision);
    const line: AckLine = {
      t: 'ack',
      worker,
      kind,
      batch,
      events: results.flatMap((result) =>
        result.events.map((e) => ({ id: e.id, streamId: e.streamId, revision: e.revision, position: e.position, hash: e.hash })),
      ),
    };
    emit(line);
  }
}

/** process.stdout is synchronous for pipes on Linux: the line has left the process when this returns. */
function emit(line: AckLine | ReadyLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`append-worker failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
