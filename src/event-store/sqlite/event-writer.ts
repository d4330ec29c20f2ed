import type Database from 'better-sqlite3';
import type { NewEvent, StoredEvent } from '../event-store.port.js';
import { ChainLinkEncoder, canonicalJson } from '../hash.js';

/** Parameters per events row, in the order of the INSERT's columns. */
const ROW_VALUES = 7;
const INSERT = 'INTO events (stream_id, revision, event_id, type, data, metadata, hash) VALUES ';
// data and metadata are bound as the UTF-8 bytes the hash was computed over (ChainLinkEncoder);
// CAST stores them as the TEXT they are (a bound buffer alone would be stored as a BLOB).
const ROW = '(?, ?, ?, ?, CAST(? AS TEXT), CAST(? AS TEXT), ?)';
/** Rows of the largest multi-row INSERT (448 parameters; SQLite allows 32766). */
const MAX_ROWS = 64;

/**
 * Writes the events rows of one append inside the caller's transaction: each event serialised
 * and encoded once (those bytes are both what is stored and what the hash covers), then inserted.
 *
 * One statement run per row costs a crossing into native code, a bind, a step and a result object
 * each time; a multi-row INSERT pays that once per chunk. But a plain multi-row INSERT that fails
 * on its 50th row must undo the 49 before it, so SQLite keeps a statement journal, copying every
 * page the statement modifies (the cost commitGroup avoids for savepoints). INSERT OR ROLLBACK
 * needs no statement journal: a conflict rolls back the whole transaction. So chunks go in
 * multi-row INSERT OR ROLLBACK statements only where the caller would roll back the whole
 * transaction on a conflict anyway (`rollsBackWhole`); inside a savepoint, rows go one by one.
 *
 * Positions: the first row goes alone, so its position is read, not inferred. AUTOINCREMENT gives
 * every new row a rowid larger than any before it, so the positions strictly increase; if the
 * last is first + rows - 1, they are exactly first, first + 1, … (that many distinct increasing
 * integers in that range). That is checked, not assumed.
 */
export class EventWriter {
  private readonly encoder = new ChainLinkEncoder();
  private readonly single: Database.Statement<unknown[]>;
  private readonly multi = new Map<number, Database.Statement<unknown[]>>();

  constructor(private readonly db: Database.Database) {
    this.single = db.prepare(`INSERT ${INSERT}${ROW}`);
  }

  /** Appends `events` after `revision` (-1: none) whose hash is `previousHash`; at least one event. */
  write(streamId: string, events: NewEvent[], revision: number, previousHash: string, rollsBackWhole: boolean): StoredEvent[] {
    const count = events.length;
    const encoder = this.encoder;
    encoder.startBatch();
    const values: unknown[] = new Array(count * ROW_VALUES);
    for (let index = 0, at = 0; index < count; index++, at += ROW_VALUES) {
      const event = events[index]!;
      revision += 1;
      previousHash = encoder.encode(previousHash, streamId, revision, event.id, event.type, canonicalJson(event.data), canonicalJson(event.metadata));
      values[at] = streamId;
      values[at + 1] = revision;
      values[at + 2] = event.id;
      values[at + 3] = event.type;
      values[at + 4] = encoder.data;
      values[at + 5] = encoder.metadata;
      values[at + 6] = previousHash;
    }
    const first = this.insert(values, count, rollsBackWhole);
    const stored: StoredEvent[] = new Array(count);
    for (let index = 0, at = 0; index < count; index++, at += ROW_VALUES) {
      const event = events[index]!;
      stored[index] = {
        id: event.id,
        type: event.type,
        data: event.data,
        metadata: event.metadata,
        streamId,
        revision: values[at + 1] as number,
        position: first + index,
        hash: values[at + 6] as string,
      };
    }
    return stored;
  }

  /** Returns the position of the first row. */
  private insert(values: unknown[], rows: number, rollsBackWhole: boolean): number {
    const first = this.insertOne(values, 0);
    let last = first;
    for (let done = 1; done < rows; ) {
      const chunk = rollsBackWhole ? largestChunk(rows - done) : 1;
      if (chunk === 1) {
        last = this.insertOne(values, done);
      } else {
        const start = done * ROW_VALUES;
        last = Number(this.statement(chunk).run(values.slice(start, start + chunk * ROW_VALUES)).lastInsertRowid);
      }
      done += chunk;
    }
    if (last !== first + rows - 1) throw new Error(`Positions ${first}..${last} of ${rows} new events are not consecutive`);
    return first;
  }

  private insertOne(values: unknown[], row: number): number {
    const at = row * ROW_VALUES;
    const info = this.single.run(values[at], values[at + 1], values[at + 2], values[at + 3], values[at + 4], values[at + 5], values[at + 6]);
    return Number(info.lastInsertRowid);
  }

  private statement(rows: number): Database.Statement<unknown[]> {
    let statement = this.multi.get(rows);
    if (statement === undefined) {
      statement = this.db.prepare(`INSERT OR ROLLBACK ${INSERT}${Array<string>(rows).fill(ROW).join(', ')}`);
      this.multi.set(rows, statement);
    }
    return statement;
  }
}

/** Largest power of two up to MAX_ROWS and `rows`: few statements to prepare, few runs per batch. */
function largestChunk(rows: number): number {
  let chunk = MAX_ROWS;
  while (chunk > rows) chunk >>= 1;
  return chunk;
}
