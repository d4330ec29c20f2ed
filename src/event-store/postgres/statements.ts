import { quoteSchema } from './schema-name.js';

const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, hash';
const INSERT_COLUMNS = 8;

/** Every statement the adapter runs, qualified with its schema so no search path is needed. */
export function statements(schema: string) {
  const s = quoteSchema(schema);
  return {
    // A placeholder head (revision -1) gives a new stream a row to lock; concurrent creators of
    // the same stream queue on it instead of racing. It never survives a commit without events.
    createStreamHead: `INSERT INTO ${s}.streams (stream_id, revision, hash) VALUES ($1, -1, $2) ON CONFLICT (stream_id) DO NOTHING`,
    lockStreamHead: `SELECT revision, hash FROM ${s}.streams WHERE stream_id = $1 FOR UPDATE`,
    streamHead: `SELECT revision, hash FROM ${s}.streams WHERE stream_id = $1`,
    updateStreamHead: `UPDATE ${s}.streams SET revision = $2, hash = $3 WHERE stream_id = $1`,
    // The row lock taken here is held to COMMIT: the next appender gets its numbers only once
    // this transaction is visible, so positions are gap-free and in commit order.
    takePositions: `UPDATE ${s}.es_position SET last = last + $1 WHERE id = 1 RETURNING last`,
    findEventIds: (count: number) =>
      `SELECT event_id, revision FROM ${s}.events WHERE stream_id = $1 AND event_id IN (${placeholders(2, count)})`,
    streamRange: `SELECT ${COLUMNS} FROM ${s}.events WHERE stream_id = $1 AND revision >= $2 AND revision <= $3 ORDER BY revision`,
    insertEvents: (rows: number) =>
      `INSERT INTO ${s}.events (${COLUMNS}) VALUES ${Array.from({ length: rows }, (_, row) => `(${placeholders(1 + row * INSERT_COLUMNS, INSERT_COLUMNS)})`).join(', ')}`,
    readForwards: (limited: boolean) =>
      `SELECT ${COLUMNS} FROM ${s}.events WHERE stream_id = $1 AND revision >= $2 ORDER BY revision${limited ? ' LIMIT $3' : ''}`,
    readBackwards: (limited: boolean) =>
      `SELECT ${COLUMNS} FROM ${s}.events WHERE stream_id = $1 AND revision <= $2 ORDER BY revision DESC${limited ? ' LIMIT $3' : ''}`,
    readAll: `SELECT ${COLUMNS} FROM ${s}.events WHERE position >= $1 ORDER BY position LIMIT $2`,
    readTypes: `SELECT ${COLUMNS} FROM ${s}.events WHERE position >= $1 AND position <= $2 AND type = ANY($3::text[]) ORDER BY position LIMIT $4`,
    head: `SELECT COALESCE(MAX(position), 0) AS head FROM ${s}.events`,
  };
}

export type Statements = ReturnType<typeof statements>;

/** Rows per multi-row INSERT, well under the protocol's 65 535 parameters. */
export const INSERT_CHUNK = 500;

function placeholders(first: number, count: number): string {
  return Array.from({ length: count }, (_, i) => `$${first + i}`).join(', ');
}
