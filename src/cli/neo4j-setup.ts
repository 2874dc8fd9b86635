import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Connection } from '../graph/neo4j/connection.js';
import type { Neo4jGraphWriter } from '../graph/neo4j/writer.js';
import { UsageError } from './errors.js';

/**
 * Neo4j for the commands that use it. The driver is imported only when NEO4J_URI is set,
 * so the file-store-only set-up never loads it.
 */
export async function openGraphWriter(config: Config, log: Logger): Promise<Neo4jGraphWriter | undefined> {
  if (!config.neo4j) return undefined;
  const [{ Neo4jGraphWriter }, { verify }, { safeUri }] = await Promise.all([
    import('../graph/neo4j/writer.js'),
    import('../graph/neo4j/connection.js'),
    import('../graph/neo4j/errors.js'),
  ]);
  // EDGAR_NEO4J_RETRY_MS: how long a job rides out a Neo4j outage inside the driver before
  // it fails and the queue retries it with backoff (tests use a short one).
  const retryMs = process.env.EDGAR_NEO4J_RETRY_MS ? Number(process.env.EDGAR_NEO4J_RETRY_MS) : Number.NaN;
  let writer: Neo4jGraphWriter;
  try {
    writer = Neo4jGraphWriter.open(config.neo4j, Number.isFinite(retryMs) && retryMs >= 0 ? { maxRetryTimeMs: retryMs } : {});
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  // A worker starts even when Neo4j does not answer yet: its jobs fail and are retried,
  // and their fragments wait in GRAPH_DIR. Saying so at once spares a user the guessing.
  verify(writer.conn).then(
    (info) => log.info({ neo4j: safeUri(writer.conn.target.uri), database: writer.conn.target.database, server: info.agent }, 'writing the graph to Neo4j'),
    (err: Error) => writer.conn.closed || log.warn({ err: err.message }, 'Neo4j is not usable yet; jobs will retry, fragments wait in GRAPH_DIR'),
  );
  return writer;
}

/**
 * Creates the key constraints and property indexes once per batch, before any worker writes (coordinate and
 * load-graph). A Neo4j that is down or refuses the credentials stops the command here,
 * on one line that names the ways out, rather than failing every job later.
 */
export async function prepareNeo4j(
  config: Config,
  log: Logger,
  wayOut = 'or unset NEO4J_URI to build the file graph store alone (`edgar graph push` loads it into Neo4j later)',
): Promise<void> {
  if (!config.neo4j) return;
  const [{ connect, verify }, { createConstraints, createIndexes }, { KNOWN_LABELS }, { safeUri }] = await Promise.all([
    import('../graph/neo4j/connection.js'),
    import('../graph/neo4j/admin.js'),
    import('../graph/neo4j/schema.js'),
    import('../graph/neo4j/errors.js'),
  ]);
  let conn: Connection | undefined;
  try {
    conn = connect(config.neo4j, { maxRetryTimeMs: 5_000 });
    // Connect and log in first: a server that is down or refuses the password says so at once,
    // without the retries a transaction would go through.
    await verify(conn);
    const added = await createConstraints(conn, KNOWN_LABELS);
    const indexes = await createIndexes(conn);
    log.info({ neo4j: safeUri(conn.target.uri), database: conn.target.database, constraintsAdded: added, indexesAdded: indexes }, 'Neo4j key constraints and indexes in place');
  } catch (err) {
    throw new UsageError(wayOut ? `${(err as Error).message}; ${wayOut}` : (err as Error).message);
  } finally {
    await conn?.close();
  }
}
