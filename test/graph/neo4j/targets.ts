/**
 * The real Neo4j the suites may add to the stand-in. Only EDGAR_TEST_NEO4J_* select it,
 * never NEO4J_*: the README tells users to export NEO4J_URI for normal use, and a suite
 * that empties its database must not take that for permission (test/helpers.ts also keeps
 * NEO4J_* away from every child process).
 */
export interface RealNeo4j {
  uri: string;
  user: string;
  password: string;
  database: string;
  /** Shell commands that stop and start the server, for the outage test. */
  stopCmd?: string;
  startCmd?: string;
}

export function realNeo4jFromEnv(env: NodeJS.ProcessEnv = process.env): RealNeo4j | undefined {
  const uri = env.EDGAR_TEST_NEO4J_URI;
  if (!uri) return undefined;
  return {
    uri,
    user: env.EDGAR_TEST_NEO4J_USER || 'neo4j',
    password: env.EDGAR_TEST_NEO4J_PASSWORD ?? '',
    database: env.EDGAR_TEST_NEO4J_DATABASE || 'neo4j',
    ...(env.EDGAR_TEST_NEO4J_STOP_CMD && env.EDGAR_TEST_NEO4J_START_CMD ? { stopCmd: env.EDGAR_TEST_NEO4J_STOP_CMD, startCmd: env.EDGAR_TEST_NEO4J_START_CMD } : {}),
  };
}
