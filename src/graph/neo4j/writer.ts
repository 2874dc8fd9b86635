import neo4j from 'neo4j-driver';
import type { GraphFragment } from '../fragment.js';
import { connect, type Connection, type ConnectionOptions, type Neo4jSettings } from './connection.js';
import { toNeo4jError } from './errors.js';
import { DEFAULT_BATCH_ROWS, writeStatements } from './statements.js';

export interface WriteSummary {
  statements: number;
  rows: number;
}

/** What the pipeline needs from a graph database: write one filing's fragment, idempotently. */
export interface GraphWriter {
  write(fragment: GraphFragment, signal?: AbortSignal): Promise<WriteSummary>;
  close(): Promise<void>;
}

/**
 * Writes fragments to Neo4j, one transaction per call, through `executeWrite`: the driver
 * retries the whole transaction on transient errors (deadlocks between workers that MERGE
 * the same company, a server restarting) with backoff, up to `maxRetryTimeMs`. The
 * statements of a transaction are sent pipelined, without waiting for each answer: the
 * server still runs them in order, so nodes exist before their relationships.
 */
export class Neo4jGraphWriter implements GraphWriter {
  constructor(
    readonly conn: Connection,
    private readonly batchRows = DEFAULT_BATCH_ROWS,
  ) {}

  static open(settings: Neo4jSettings, opts: ConnectionOptions & { batchRows?: number } = {}): Neo4jGraphWriter {
    return new Neo4jGraphWriter(connect(settings, opts), opts.batchRows);
  }

  write(fragment: GraphFragment, signal?: AbortSignal): Promise<WriteSummary> {
    return this.writeMany([fragment], signal);
  }

  /** Several fragments in one transaction (`graph push`): all of them or none. */
  async writeMany(fragments: readonly GraphFragment[], signal?: AbortSignal): Promise<WriteSummary> {
    signal?.throwIfAborted();
    const statements = writeStatements(fragments, { batchRows: this.batchRows });
    const session = this.conn.driver.session({ database: this.conn.target.database, defaultAccessMode: neo4j.session.WRITE });
    try {
      const work = session.executeWrite(
        async (tx) => {
          // Checked on every attempt: an aborted job stops the driver's retries too.
          signal?.throwIfAborted();
          await Promise.all(statements.map((s) => tx.run(s.text, s.params)));
        },
        { metadata: { app: 'edgar', filings: fragments.length } },
      );
      await untilAborted(work, signal);
    } catch (err) {
      if (signal?.aborted && err === signal.reason) throw err;
      throw toNeo4jError(err, this.conn.target, this.conn.password);
    } finally {
      // Not awaited on abort: closing waits for a retry the signal is already ending.
      const closing = session.close().catch(() => undefined);
      if (!signal?.aborted) await closing;
    }
    return { statements: statements.length, rows: statements.reduce((n, s) => n + s.rows, 0) };
  }

  close(): Promise<void> {
    return this.conn.close();
  }
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}
