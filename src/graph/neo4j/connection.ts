import neo4j, { type Driver } from 'neo4j-driver';
import { safeUri, toNeo4jError, type Neo4jTarget } from './errors.js';

/** NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE (src/config.ts reads them). */
export interface Neo4jSettings {
  uri: string;
  user: string;
  password: string;
  database: string | undefined;
}

export interface ConnectionOptions {
  /** How long `executeWrite` keeps retrying transient errors (deadlocks, server down) before a job fails. */
  maxRetryTimeMs?: number;
  connectionTimeoutMs?: number;
}

/**
 * Named on every session: without a database the driver first asks the server for the
 * user's home database, one more round trip per transaction.
 */
export const DEFAULT_DATABASE = 'neo4j';

export interface Connection {
  driver: Driver;
  target: Neo4jTarget;
  /** For scrubbing error text only; never logged. */
  readonly password: string;
  close(): Promise<void>;
  readonly closed: boolean;
}

export function connect(settings: Neo4jSettings, opts: ConnectionOptions = {}): Connection {
  const target: Neo4jTarget = { uri: settings.uri, user: settings.user, database: settings.database || DEFAULT_DATABASE };
  let driver: Driver;
  try {
    driver = neo4j.driver(settings.uri, neo4j.auth.basic(settings.user, settings.password), {
      // Counts come back as plain numbers; parameters still go out as INTEGERs (statements.ts).
      disableLosslessIntegers: true,
      maxTransactionRetryTime: opts.maxRetryTimeMs ?? 30_000,
      connectionTimeout: opts.connectionTimeoutMs ?? 5_000,
      connectionAcquisitionTimeout: (opts.connectionTimeoutMs ?? 5_000) * 2,
      userAgent: 'edgar/0.1.0',
    });
  } catch (err) {
    // A malformed URI: the driver says why, the message must not carry user info.
    throw toNeo4jError(Object.assign(new Error((err as Error).message.split(settings.uri).join(safeUri(settings.uri))), { code: 'edgar.Config' }), target, settings.password);
  }
  let closed: Promise<void> | null = null;
  return {
    driver,
    target,
    password: settings.password,
    close: () => (closed ??= driver.close().catch(() => undefined)),
    get closed() {
      return closed !== null;
    },
  };
}

/** Connects, logs in and returns the server's agent string (e.g. "Neo4j/5.26.0"). */
export async function verify(conn: Connection): Promise<{ agent: string; bolt: string }> {
  try {
    const info = await conn.driver.getServerInfo({ database: conn.target.database });
    const v = info.protocolVersion;
    // Not getMinor(): in neo4j-driver-core 6.3 it returns the major version.
    const bolt = v === undefined || v === null ? 'unknown' : String(v);
    return { agent: info.agent ?? 'Neo4j', bolt };
  } catch (err) {
    throw toNeo4jError(err, conn.target, conn.password);
  }
}
