import type { Pool, PoolClient } from 'pg';

export interface TransactionOptions {
  /** Statement that opens the transaction (e.g. an explicit isolation level). */
  begin?: string;
  /** Maps a failure (connecting, a statement, COMMIT) before it is rethrown. */
  mapError?: (error: unknown) => unknown;
}

/**
 * One transaction on a pooled client, shared by the PostgreSQL stores (events, projections,
 * idempotency records). The pool stops listening for a client's errors while it is checked out:
 * a connection dropped between two statements would otherwise be an unhandled 'error' event that
 * crashes the process, so one is listened for here and such a client is discarded, not reused.
 */
export async function withTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  { begin = 'BEGIN', mapError = (error) => error }: TransactionOptions = {},
): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw mapError(error);
  }
  let discard = false;
  const onLost = () => (discard = true);
  client.on('error', onLost);
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection that cannot even roll back is discarded rather than returned to the pool.
    await client.query('ROLLBACK').catch(() => (discard = true));
    throw mapError(error);
  } finally {
    client.off('error', onLost);
    client.release(discard);
  }
}
