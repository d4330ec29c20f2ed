import type { StoredEvent } from '../event-store.port.js';
import { GENESIS_HASH } from '../hash.js';

/** An events row as pg returns it: BIGINT columns arrive as strings. */
export interface EventRow {
  position: string;
  stream_id: string;
  revision: string;
  event_id: string;
  type: string;
  data: string;
  metadata: string;
  hash: string;
}

export interface HeadRow {
  revision: string;
  hash: string;
}

export interface Head {
  revision: number | 'no_stream';
  hash: string;
}

export function toHead(row: HeadRow | undefined): Head {
  // Revision -1 is the placeholder this transaction just created for a new stream.
  if (!row || Number(row.revision) < 0) return { revision: 'no_stream', hash: GENESIS_HASH };
  return { revision: Number(row.revision), hash: row.hash };
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.event_id,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    streamId: row.stream_id,
    // Revisions and positions stay far below 2^53.
    revision: Number(row.revision),
    position: Number(row.position),
    hash: row.hash,
  };
}
