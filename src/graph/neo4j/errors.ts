/**
 * What a Neo4j failure means for the caller. A job retries what time can fix (server down,
 * deadlock, leader switch) and gives up at once on what it cannot (credentials refused,
 * no such database, a statement Neo4j rejects); either way the fragment stays in the
 * outbox (GRAPH_DIR), so `edgar graph push` can replay it later. Messages name the server
 * and the user, never the password.
 */
export type Neo4jFailure = 'unavailable' | 'auth' | 'forbidden' | 'database' | 'rejected' | 'transient' | 'config';

export interface Neo4jTarget {
  uri: string;
  user: string;
  database: string;
}

export class Neo4jError extends Error {
  override name = 'Neo4jError';
  readonly permanent: boolean;
  constructor(
    readonly kind: Neo4jFailure,
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.permanent = kind !== 'unavailable' && kind !== 'transient';
  }
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * neo4j-driver 6 rewrites these two TransientErrors into ClientErrors (bolt
 * response-handler `_standardizeCode`) so that its own retry loop leaves them alone: a
 * transaction terminated by the server (a timeout, an administrator, a leader switch)
 * should not be re-run at once. Later is fine, so a job fails and the queue retries it.
 */
const TERMINATED = new Set(['Neo.ClientError.Transaction.Terminated', 'Neo.ClientError.Transaction.LockClientStopped']);

export function classify(err: unknown): Neo4jFailure {
  const code = codeOf(err) ?? '';
  if (code === 'ServiceUnavailable' || code === 'SessionExpired' || /^E(CONNREFUSED|CONNRESET|HOSTUNREACH|TIMEDOUT|PIPE)$/.test(code)) return 'unavailable';
  if (code === 'edgar.Config') return 'config';
  if (TERMINATED.has(code)) return 'transient';
  // The driver's own judgement (Neo4jError.retryable), for codes this list does not know.
  if ((err as { retryable?: unknown } | null)?.retryable === true) return 'transient';
  if (code === 'Neo.ClientError.Security.Forbidden') return 'forbidden';
  if (code.startsWith('Neo.ClientError.Security.')) return code.endsWith('AuthorizationExpired') ? 'transient' : 'auth';
  if (code === 'Neo.ClientError.Database.DatabaseNotFound') return 'database';
  if (code.startsWith('Neo.TransientError.')) return 'transient';
  if (code.startsWith('Neo.ClientError.')) return 'rejected';
  return 'transient';
}

/** Redacts user info a URI may carry (neo4j://user:pass@host). */
export function safeUri(uri: string): string {
  try {
    const u = new URL(uri);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    // Not a URL: still never show what could be user info.
    return uri.replace(/^.*@/, '');
  }
}

/** The driver's "Caused by: connect ECONNREFUSED 127.0.0.1:7687" is the useful part. */
function shortReason(err: unknown): string {
  const msg = (err as Error)?.message ?? String(err);
  // neo4j:// URIs: the driver reports its empty routing table, not why it is empty.
  if (msg.startsWith('Could not perform discovery')) return 'no routing server answered';
  const cause = /Caused by: (.*)$/s.exec(msg)?.[1];
  return (cause ?? msg).split('\n')[0]!.trim();
}

export function toNeo4jError(err: unknown, target: Neo4jTarget, password?: string): Neo4jError {
  if (err instanceof Neo4jError) return err;
  const kind = classify(err);
  const where = `Neo4j at ${safeUri(target.uri)}`;
  let reason = shortReason(err);
  // A server may echo what it was sent; the password never leaves this function.
  if (password) reason = reason.split(password).join('***');
  const code = codeOf(err);
  const message = {
    unavailable: `${where} is unreachable (${reason}); start it, or check NEO4J_URI`,
    auth: `${where} refused the credentials of user "${target.user}" (${code}); check NEO4J_USER and NEO4J_PASSWORD`,
    // Logged in, but the user's roles do not allow the write (or the schema change).
    forbidden: `${where} accepted user "${target.user}" but forbids what it asked: ${reason} (${code}); grant the user a role that may write to database "${target.database}" (e.g. editor, or architect for constraints and indexes), or use another NEO4J_USER`,
    database: `${where} has no database "${target.database}"; check NEO4J_DATABASE`,
    rejected: `${where} rejected a statement: ${reason} (${code})`,
    transient: `${where}: ${reason}${code ? ` (${code})` : ''}`,
    config: `NEO4J_URI "${safeUri(target.uri)}" cannot be used (${reason}); write bolt://host:7687 or neo4j://host:7687`,
  }[kind];
  return new Neo4jError(kind, message, code);
}
