/**
 * A local stand-in for a Neo4j server, speaking Bolt over real TCP, so the project's own
 * client code (neo4j-driver, its pool, its retries) is tested end to end on a machine
 * that cannot run Neo4j. What it implements, and what it does not, is listed in
 * docs/NEO4J.md ("The Bolt stand-in"); in short:
 *
 * - Handshake: the magic preamble, the four proposals with version ranges, and the
 *   manifest v1 negotiation (a 255.1 proposal) that drivers 5.23+ offer; Bolt 5.1 to 5.8.
 * - Messages: HELLO, LOGON, LOGOFF, BEGIN, RUN, PULL, DISCARD, COMMIT, ROLLBACK, RESET,
 *   GOODBYE, ROUTE, TELEMETRY; chunked framing and NOOP chunks; PackStream v1.
 * - The server-side state machine: after a FAILURE every request but RESET and GOODBYE is
 *   IGNORED; a failed transaction is rolled back whole; a request out of place is a
 *   protocol error that closes the connection, as Neo4j does.
 * - FAILURE metadata as each version wants it: `code` up to 5.6, `neo4j_code` with
 *   `gql_status` and `diagnostic_record` from 5.7.
 * - Cypher: the statement shapes edgar sends (cypher.ts), over an in-memory graph with
 *   uniqueness constraints and serialisable transactions (graph.ts).
 * - Faults on demand: credentials refused, transient failures on the next N commits,
 *   connections dropped, the server stopped and started again on the same port.
 */
import * as net from 'node:net';
import { CypherSyntaxError, parse, type Query } from './cypher.js';
import { Executor, SERVER_VERSION, type Result } from './executor.js';
import { Graph, Neo4jFailure, Tx, type Counters } from './graph.js';
import { PackStreamError, Packer, Struct, Unpacker, type PackMap, type PackValue } from './packstream.js';

const MAGIC = 0x6060b017;
const MSG = {
  HELLO: 0x01,
  GOODBYE: 0x02,
  RESET: 0x0f,
  RUN: 0x10,
  BEGIN: 0x11,
  COMMIT: 0x12,
  ROLLBACK: 0x13,
  DISCARD: 0x2f,
  PULL: 0x3f,
  TELEMETRY: 0x54,
  ROUTE: 0x66,
  LOGON: 0x6a,
  LOGOFF: 0x6b,
} as const;
const NAMES: Record<number, string> = Object.fromEntries(Object.entries(MSG).map(([k, v]) => [v, k]));
const SUCCESS = 0x70;
const RECORD = 0x71;
const IGNORED = 0x7e;
const FAILURE = 0x7f;

export interface StandinOptions {
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  /** Databases that exist; the first is the home database. */
  databases?: string[];
  /** Bolt versions offered, highest first. */
  versions?: [number, number][];
  /** Answer a 255.1 proposal with a manifest (Neo4j 5.23+), or pick from the ranges (older servers). */
  manifest?: boolean;
  lockTimeoutMs?: number;
}

export interface StandinCounters {
  connections: number;
  /** Committed transactions (explicit and auto-commit). */
  transactions: number;
  rolledBack: number;
  /** RUN messages that executed successfully. */
  statements: number;
  /** Rows written: the elements of each statement's UNWIND. */
  rows: number;
  failures: Record<string, number>;
  messages: Record<string, number>;
  /** BEGIN or auto-commit RUN that named no database. */
  withoutDatabase: number;
  /** Negotiated versions, one per connection ("5.8"). */
  protocols: string[];
  /** Time spent handling requests, for telling server cost from round trips in benchmarks. */
  busyMs: number;
}

type State = 'NEGOTIATION' | 'AUTHENTICATION' | 'READY' | 'STREAMING' | 'TX_READY' | 'TX_STREAMING' | 'FAILED' | 'DEFUNCT';

interface OpenResult {
  result: Result;
  pos: number;
  db: string;
  bookmark?: string;
  counters: Counters;
}

function emptyStandinCounters(): StandinCounters {
  return { connections: 0, transactions: 0, rolledBack: 0, statements: 0, rows: 0, failures: {}, messages: {}, withoutDatabase: 0, protocols: [], busyMs: 0 };
}

export class BoltStandin {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly graphs = new Map<string, Graph>();
  private failCommits: { n: number; code: string } = { n: 0, code: '' };
  private nextConnection = 1;
  private bookmark = 0;
  counters = emptyStandinCounters();
  /** Parsed statements by text: Neo4j's plan cache, which parameters make effective. */
  readonly plans = new Map<string, Query>();
  /** Every distinct statement text received, for the linter test. */
  readonly statements = new Set<string>();
  user: string;
  password: string;
  readonly opts: Required<Omit<StandinOptions, 'port'>>;
  port: number;

  private constructor(opts: StandinOptions) {
    this.opts = {
      host: opts.host ?? '127.0.0.1',
      user: opts.user ?? 'neo4j',
      password: opts.password ?? 'standin-password',
      databases: opts.databases ?? ['neo4j', 'system'],
      versions: opts.versions ?? [[5, 8], [5, 7], [5, 6], [5, 5], [5, 4], [5, 3], [5, 2], [5, 1]],
      manifest: opts.manifest ?? true,
      lockTimeoutMs: opts.lockTimeoutMs ?? 30_000,
    };
    this.user = this.opts.user;
    this.password = this.opts.password;
    this.port = opts.port ?? 0;
    for (const db of this.opts.databases) this.graphs.set(db, new Graph());
  }

  static async start(opts: StandinOptions = {}): Promise<BoltStandin> {
    const s = new BoltStandin(opts);
    await s.listen();
    return s;
  }

  get uri(): string {
    return `bolt://${this.opts.host}:${this.port}`;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  graph(db = this.opts.databases[0]!): Graph {
    const g = this.graphs.get(db);
    if (!g) throw new Error(`no database ${db}`);
    return g;
  }

  /** Forget all data and counters (constraints too). */
  reset(): void {
    for (const db of this.graphs.keys()) this.graphs.set(db, new Graph());
    this.counters = emptyStandinCounters();
    this.statements.clear();
  }

  /** The next n COMMITs fail with this (transient, by default) code, and roll back. */
  failNextCommits(n: number, code = 'Neo.TransientError.Transaction.DeadlockDetected'): void {
    this.failCommits = { n, code };
  }

  setCredentials(user: string, password: string): void {
    this.user = user;
    this.password = password;
  }

  /** Closes every client connection; the server keeps listening. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  /** An outage: stop listening and drop every connection. `start()` ends it on the same port. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.dropConnections();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  async start(): Promise<void> {
    if (!this.server) await this.listen();
  }

  close(): Promise<void> {
    return this.stop();
  }

  private listen(): Promise<void> {
    const server = net.createServer((socket) => this.accept(socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.opts.host, () => {
        server.off('error', reject);
        this.port = (server.address() as net.AddressInfo).port;
        this.server = server;
        resolve();
      });
    });
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    this.counters.connections++;
    socket.setNoDelay(true);
    const conn = new Connection(this, socket, `bolt-${this.nextConnection++}`);
    socket.on('data', (d) => conn.data(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      conn.closed();
    });
  }

  /** Used by connections. */
  takeCommitFailure(): string | null {
    if (this.failCommits.n <= 0) return null;
    this.failCommits.n--;
    return this.failCommits.code;
  }

  nextBookmark(): string {
    return `FB:standin:${++this.bookmark}`;
  }

  hasDatabase(db: string): boolean {
    return this.graphs.has(db);
  }

  count(kind: 'failures' | 'messages', key: string): void {
    this.counters[kind][key] = (this.counters[kind][key] ?? 0) + 1;
  }
}

class Connection {
  private buf: Buffer = Buffer.alloc(0);
  private phase: 'handshake' | 'manifest' | 'messages' = 'handshake';
  private version: [number, number] = [0, 0];
  private state: State = 'NEGOTIATION';
  private parts: Buffer[] = [];
  private chain: Promise<void> = Promise.resolve();
  private tx: Tx | null = null;
  private txDb = '';
  private results: OpenResult[] = [];
  private authenticated = false;

  constructor(
    private readonly srv: BoltStandin,
    private readonly socket: net.Socket,
    private readonly id: string,
  ) {}

  closed(): void {
    this.state = 'DEFUNCT';
    this.endTx(false);
  }

  data(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    try {
      this.consume();
    } catch (err) {
      this.socket.destroy(err as Error);
    }
  }

  private consume(): void {
    if (this.phase === 'handshake') {
      if (this.buf.length < 20) return;
      if (this.buf.readUInt32BE(0) !== MAGIC) return void this.socket.destroy();
      const proposals = [0, 1, 2, 3].map((i) => {
        const o = 4 + i * 4;
        return { range: this.buf[o + 1]!, minor: this.buf[o + 2]!, major: this.buf[o + 3]! };
      });
      this.buf = this.buf.subarray(20);
      if (this.srv.opts.manifest && proposals.some((p) => p.major === 0xff && p.minor === 1)) {
        // Manifest v1: the server lists what it speaks, the client picks.
        const byMajor = new Map<number, number[]>();
        for (const [ma, mi] of this.srv.opts.versions) byMajor.set(ma, [...(byMajor.get(ma) ?? []), mi]);
        const entries = [...byMajor].map(([ma, minors]) => {
          const hi = Math.max(...minors);
          return Buffer.from([0, hi - Math.min(...minors), hi, ma]);
        });
        this.socket.write(Buffer.concat([Buffer.from([0, 0, 0x01, 0xff]), varint(entries.length), ...entries, varint(0)]));
        this.phase = 'manifest';
      } else {
        const picked = this.pickLegacy(proposals);
        this.socket.write(Buffer.from([0, 0, picked?.[1] ?? 0, picked?.[0] ?? 0]));
        if (!picked) return void this.socket.end();
        this.negotiated(picked);
      }
    }
    if (this.phase === 'manifest') {
      if (this.buf.length < 5) return;
      let end = 4;
      while (end < this.buf.length && (this.buf[end]! & 0x80) !== 0) end++;
      if (end >= this.buf.length) return;
      const major = this.buf[3]!;
      const minor = this.buf[2]!;
      this.buf = this.buf.subarray(end + 1);
      if (!this.srv.opts.versions.some(([a, b]) => a === major && b === minor)) return void this.socket.destroy();
      this.negotiated([major, minor]);
    }
    // Chunked framing: <u16 size><bytes>... then 00 00 ends a message; 00 00 alone is a NOOP.
    while (this.buf.length >= 2) {
      const size = this.buf.readUInt16BE(0);
      if (size === 0) {
        this.buf = this.buf.subarray(2);
        if (this.parts.length > 0) {
          const msg = Buffer.concat(this.parts);
          this.parts = [];
          this.enqueue(msg);
        }
        continue;
      }
      if (this.buf.length < 2 + size) return;
      this.parts.push(Buffer.from(this.buf.subarray(2, 2 + size)));
      this.buf = this.buf.subarray(2 + size);
    }
  }

  private pickLegacy(proposals: { range: number; minor: number; major: number }[]): [number, number] | null {
    for (const p of proposals) {
      for (const [ma, mi] of this.srv.opts.versions) {
        if (p.major === ma && mi <= p.minor && mi >= p.minor - p.range) return [ma, mi];
      }
    }
    return null;
  }

  private negotiated(v: [number, number]): void {
    this.version = v;
    this.phase = 'messages';
    this.srv.counters.protocols.push(`${v[0]}.${v[1]}`);
  }

  private enqueue(msg: Buffer): void {
    this.chain = this.chain
      .then(async () => {
        const t0 = performance.now();
        await this.handle(msg);
        this.srv.counters.busyMs += performance.now() - t0;
      })
      .catch(() => void this.socket.destroy());
  }

  private send(signature: number, fields: PackValue[]): void {
    if (this.state === 'DEFUNCT' || this.socket.destroyed) return;
    const p = new Packer();
    p.pack(new Struct(signature, fields));
    const body = p.bytes();
    const out: Buffer[] = [];
    for (let i = 0; i < body.length; i += 0xffff) {
      const piece = body.subarray(i, i + 0xffff);
      const h = Buffer.alloc(2);
      h.writeUInt16BE(piece.length);
      out.push(h, piece);
    }
    out.push(Buffer.from([0, 0]));
    this.socket.write(Buffer.concat(out));
  }

  private success(meta: PackMap = {}): void {
    this.send(SUCCESS, [meta]);
  }

  private failure(code: string, message: string, state: State = 'FAILED'): void {
    this.srv.count('failures', code);
    const gte57 = this.version[0] > 5 || (this.version[0] === 5 && this.version[1] >= 7);
    const classification = code.startsWith('Neo.TransientError') ? 'TRANSIENT_ERROR' : code.startsWith('Neo.ClientError') ? 'CLIENT_ERROR' : 'DATABASE_ERROR';
    const gql = code.endsWith('SyntaxError') ? '42001' : '50N42';
    const meta: PackMap = gte57
      ? {
          neo4j_code: code,
          message,
          gql_status: gql,
          description: gql === '42001' ? 'error: syntax error or access rule violation - invalid syntax' : `error: general processing exception - unexpected error. ${message}`,
          diagnostic_record: { OPERATION: '', OPERATION_CODE: '0', CURRENT_SCHEMA: '/', _classification: classification },
        }
      : { code, message };
    this.send(FAILURE, [meta]);
    this.state = state;
    if (state === 'DEFUNCT') this.socket.end();
  }

  private async handle(raw: Buffer): Promise<void> {
    if (this.state === 'DEFUNCT') return;
    let msg: PackValue;
    try {
      msg = new Unpacker(raw).unpack();
    } catch (err) {
      return this.failure('Neo.ClientError.Request.InvalidFormat', (err as PackStreamError).message, 'DEFUNCT');
    }
    if (!(msg instanceof Struct)) return this.failure('Neo.ClientError.Request.InvalidFormat', 'a message is a structure', 'DEFUNCT');
    const name = NAMES[msg.signature] ?? `0x${msg.signature.toString(16)}`;
    this.srv.count('messages', name);
    const f = msg.fields;

    if (msg.signature === MSG.GOODBYE) {
      this.endTx(false);
      this.state = 'DEFUNCT';
      this.socket.end();
      return;
    }
    if (msg.signature === MSG.RESET) {
      this.endTx(false);
      this.results = [];
      this.state = this.authenticated ? 'READY' : 'AUTHENTICATION';
      return this.success();
    }
    if (this.state === 'FAILED') return this.send(IGNORED, []);

    const invalid = (): void => this.failure('Neo.ClientError.Request.Invalid', `Message '${name}' cannot be handled by a session in the ${this.state} state.`, 'DEFUNCT');
    const extra = (i: number): PackMap => (isMap(f[i]) ? (f[i] as PackMap) : {});

    switch (msg.signature) {
      case MSG.HELLO:
        if (this.state !== 'NEGOTIATION') return invalid();
        this.state = 'AUTHENTICATION';
        return this.success({ server: `Neo4j/${SERVER_VERSION}`, connection_id: this.id, hints: {} });
      case MSG.LOGON: {
        if (this.state !== 'AUTHENTICATION') return invalid();
        const auth = extra(0);
        if (auth.scheme !== 'basic' || auth.principal !== this.srv.user || auth.credentials !== this.srv.password) {
          return this.failure('Neo.ClientError.Security.Unauthorized', 'The client is unauthorized due to authentication failure.', 'DEFUNCT');
        }
        this.authenticated = true;
        this.state = 'READY';
        return this.success({});
      }
      case MSG.LOGOFF:
        if (this.state !== 'READY') return invalid();
        this.authenticated = false;
        this.state = 'AUTHENTICATION';
        return this.success({});
      case MSG.TELEMETRY:
        if (this.state !== 'READY') return invalid();
        return this.success({});
      case MSG.ROUTE: {
        if (this.state !== 'READY') return invalid();
        const db = typeof extra(2).db === 'string' ? (extra(2).db as string) : this.srv.opts.databases[0]!;
        if (!this.srv.hasDatabase(db)) return this.failure('Neo.ClientError.Database.DatabaseNotFound', `Database does not exist. Database name: '${db}'.`);
        const addresses = [`${this.srv.opts.host}:${this.srv.port}`];
        return this.success({ rt: { ttl: 300n, db, servers: [{ addresses, role: 'WRITE' }, { addresses, role: 'READ' }, { addresses, role: 'ROUTE' }] } });
      }
      case MSG.BEGIN: {
        if (this.state !== 'READY') return invalid();
        const db = this.database(extra(0));
        if (db === null) return;
        this.tx = new Tx();
        this.txDb = db;
        this.results = [];
        this.state = 'TX_READY';
        return this.success({});
      }
      case MSG.RUN:
        if (this.state === 'READY') return this.runAutoCommit(f);
        if (this.state === 'TX_READY' || this.state === 'TX_STREAMING') return this.runInTx(f);
        return invalid();
      case MSG.PULL:
      case MSG.DISCARD:
        if (this.state !== 'STREAMING' && this.state !== 'TX_STREAMING') return invalid();
        return this.stream(msg.signature === MSG.PULL, extra(0));
      case MSG.COMMIT: {
        if (this.state !== 'TX_READY' && this.state !== 'TX_STREAMING') return invalid();
        const tx = this.tx!;
        const injected = this.srv.takeCommitFailure();
        if (injected) {
          this.endTx(false);
          return this.failure(injected, `ForsetiClient[transactionId=${this.srv.counters.transactions + 1}] can't acquire ExclusiveLock{owner=ForsetiClient[transactionId=0]} on NODE(0), because holders of that lock are waiting for ForsetiClient[transactionId=${this.srv.counters.transactions + 1}].`);
        }
        tx.commit();
        this.tx = null;
        this.results = [];
        this.srv.counters.transactions++;
        this.state = 'READY';
        return this.success({ bookmark: this.srv.nextBookmark(), db: this.txDb });
      }
      case MSG.ROLLBACK:
        if (this.state !== 'TX_READY' && this.state !== 'TX_STREAMING') return invalid();
        this.endTx(false);
        this.state = 'READY';
        return this.success({});
      default:
        return this.failure('Neo.ClientError.Request.Invalid', `Unknown message 0x${msg.signature.toString(16)}`, 'DEFUNCT');
    }
  }

  private database(extra: PackMap): string | null {
    let db = extra.db;
    if (typeof db !== 'string' || db === '') {
      this.srv.counters.withoutDatabase++;
      db = this.srv.opts.databases[0]!;
    }
    if (!this.srv.hasDatabase(db)) {
      this.failure('Neo.ClientError.Database.DatabaseNotFound', `Database does not exist. Database name: '${db}'.`);
      return null;
    }
    return db;
  }

  private parseRun(f: PackValue[]): { query: Query; params: PackMap } {
    const text = f[0];
    if (typeof text !== 'string') throw new Neo4jFailure('Neo.ClientError.Request.Invalid', 'RUN needs a query string');
    this.srv.statements.add(text);
    const params = isMap(f[1]) ? (f[1] as PackMap) : {};
    try {
      let query = this.srv.plans.get(text);
      if (!query) this.srv.plans.set(text, (query = parse(text)));
      return { query, params };
    } catch (err) {
      if (err instanceof CypherSyntaxError) throw new Neo4jFailure('Neo.ClientError.Statement.SyntaxError', err.message);
      throw err;
    }
  }

  private async runAutoCommit(f: PackValue[]): Promise<void> {
    const db = this.database(isMap(f[2]) ? (f[2] as PackMap) : {});
    if (db === null) return;
    const tx = new Tx();
    try {
      const { query, params } = this.parseRun(f);
      tx.release = await this.srv.graph(db).lock.acquire(this.srv.opts.lockTimeoutMs);
      if (this.state === 'DEFUNCT') return void tx.rollback();
      const result = new Executor(this.srv.graph(db), tx, params).run(query);
      const counters = tx.counters;
      tx.commit();
      this.srv.counters.transactions++;
      this.srv.counters.statements++;
      this.srv.counters.rows += result.rows;
      this.results = [{ result, pos: 0, db, counters, ...(result.type !== 'r' ? { bookmark: this.srv.nextBookmark() } : {}) }];
      this.state = 'STREAMING';
      this.success({ fields: result.fields, t_first: 0n });
    } catch (err) {
      tx.rollback();
      this.fail(err);
    }
  }

  private async runInTx(f: PackValue[]): Promise<void> {
    const tx = this.tx!;
    try {
      const { query, params } = this.parseRun(f);
      if (query.type === 's' && tx.kind === 'data') throw new Neo4jFailure('Neo.ClientError.Transaction.ForbiddenDueToTransactionType', 'Tried to execute Schema modification after executing Write query.');
      if (query.type === 'w' && tx.kind === 'schema') throw new Neo4jFailure('Neo.ClientError.Transaction.ForbiddenDueToTransactionType', 'Tried to execute Write query after executing Schema modification.');
      if (!tx.release) tx.release = await this.srv.graph(this.txDb).lock.acquire(this.srv.opts.lockTimeoutMs);
      if (this.state === 'DEFUNCT' || this.tx !== tx) return void tx.rollback();
      const before = { ...tx.counters };
      const result = new Executor(this.srv.graph(this.txDb), tx, params).run(query);
      if (query.type === 's') tx.kind = 'schema';
      else if (query.type === 'w') tx.kind = 'data';
      const counters = Object.fromEntries(Object.entries(tx.counters).map(([k, v]) => [k, v - before[k as keyof Counters]])) as unknown as Counters;
      this.srv.counters.statements++;
      this.srv.counters.rows += result.rows;
      this.results.push({ result, pos: 0, db: this.txDb, counters });
      this.state = 'TX_STREAMING';
      this.success({ fields: result.fields, t_first: 0n, qid: BigInt(this.results.length - 1) });
    } catch (err) {
      // Neo4j rolls back the whole transaction when one of its statements fails.
      this.endTx(false);
      this.fail(err);
    }
  }

  private stream(pull: boolean, extra: PackMap): void {
    const qid = typeof extra.qid === 'bigint' && extra.qid >= 0n ? Number(extra.qid) : this.results.length - 1;
    const open = this.results[qid];
    if (!open) return this.failure('Neo.ClientError.Request.Invalid', `No result with qid ${qid}`);
    const n = typeof extra.n === 'bigint' && extra.n >= 0n ? Number(extra.n) : Infinity;
    const records = open.result.records;
    const end = pull ? Math.min(records.length, open.pos + n) : records.length;
    if (pull) for (let i = open.pos; i < end; i++) this.send(RECORD, [records[i]!]);
    open.pos = end;
    if (open.pos < records.length) return this.success({ has_more: true });
    this.results[qid] = undefined as unknown as OpenResult;
    const meta: PackMap = { type: open.result.type, t_last: 0n, db: open.db };
    const stats = statsOf(open.counters);
    if (Object.keys(stats).length > 0) meta.stats = stats;
    if (open.bookmark) meta.bookmark = open.bookmark;
    const anyOpen = this.results.some((r) => r !== undefined && r.pos < r.result.records.length);
    if (this.tx) this.state = anyOpen ? 'TX_STREAMING' : 'TX_READY';
    else this.state = 'READY';
    this.success(meta);
  }

  private fail(err: unknown): void {
    if (err instanceof Neo4jFailure) return this.failure(err.code, err.message);
    this.failure('Neo.DatabaseError.General.UnknownError', (err as Error)?.message ?? String(err));
  }

  private endTx(committed: boolean): void {
    const tx = this.tx;
    if (!tx) return;
    this.tx = null;
    this.results = [];
    if (committed) tx.commit();
    else {
      tx.rollback();
      this.srv.counters.rolledBack++;
    }
  }
}

function isMap(v: PackValue | undefined): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Struct);
}

function statsOf(c: Counters): PackMap {
  const out: PackMap = {};
  const put = (k: string, v: number): void => {
    if (v > 0) out[k] = BigInt(v);
  };
  put('nodes-created', c.nodesCreated);
  put('relationships-created', c.relationshipsCreated);
  put('properties-set', c.propertiesSet);
  put('labels-added', c.labelsAdded);
  put('constraints-added', c.constraintsAdded);
  put('indexes-added', c.indexesAdded);
  return out;
}

function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}
