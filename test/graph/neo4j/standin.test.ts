/**
 * The Bolt stand-in itself: it has to behave like Neo4j where the project's code could
 * tell the difference, or the other suites prove nothing. Raw-socket tests check the
 * protocol below the driver; driver tests check what the driver sees.
 */
import * as net from 'node:net';
import neo4j from 'neo4j-driver';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../../src/graph/neo4j/connection.js';
import { BoltStandin, parse } from '../../support/bolt-standin/index.js';
import { Packer, Struct, Unpacker, type PackValue } from '../../support/bolt-standin/packstream.js';
import { hostileFragment } from './fixtures.js';
import { Neo4jGraphWriter } from '../../../src/graph/neo4j/writer.js';

const started: BoltStandin[] = [];
async function standin(opts: Parameters<typeof BoltStandin.start>[0] = {}): Promise<BoltStandin> {
  const s = await BoltStandin.start(opts);
  started.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

/** A minimal Bolt client over a raw socket: handshake, chunked messages, responses in order. */
class RawClient {
  private buf = Buffer.alloc(0);
  private waiting: ((b: Buffer) => void)[] = [];
  private messages: Struct[] = [];
  private parts: Buffer[] = [];
  constructor(private readonly socket: net.Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.pump();
    });
  }

  static async open(port: number, proposals: number[][]): Promise<{ client: RawClient; reply: Buffer }> {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const hs = Buffer.alloc(20);
    hs.writeUInt32BE(0x6060b017, 0);
    proposals.forEach((p, i) => hs.set(p, 4 + i * 4));
    socket.write(hs);
    const reply: Buffer = await new Promise((r) => socket.once('data', r));
    return { client: new RawClient(socket), reply };
  }

  private pump(): void {
    if (this.waiting.length > 0 && this.raw !== null) {
      const n = this.raw;
      if (this.buf.length >= n) {
        const out = this.buf.subarray(0, n);
        this.buf = this.buf.subarray(n);
        this.raw = null;
        this.waiting.shift()!(out);
      }
      return;
    }
    while (this.buf.length >= 2) {
      const size = this.buf.readUInt16BE(0);
      if (size === 0) {
        this.buf = this.buf.subarray(2);
        if (this.parts.length) this.messages.push(new Unpacker(Buffer.concat(this.parts.splice(0))).unpack() as Struct);
        continue;
      }
      if (this.buf.length < 2 + size) break;
      this.parts.push(this.buf.subarray(2, 2 + size));
      this.buf = this.buf.subarray(2 + size);
    }
  }
  private raw: number | null = null;

  send(signature: number, ...fields: PackValue[]): void {
    const p = new Packer();
    p.pack(new Struct(signature, fields));
    const body = p.bytes();
    const h = Buffer.alloc(2);
    h.writeUInt16BE(body.length);
    this.socket.write(Buffer.concat([h, body, Buffer.from([0, 0])]));
  }

  async next(): Promise<Struct> {
    const end = Date.now() + 5_000;
    while (this.messages.length === 0) {
      if (Date.now() > end) throw new Error('no response');
      await new Promise((r) => setTimeout(r, 5));
    }
    return this.messages.shift()!;
  }

  async login(user: string, password: string): Promise<void> {
    this.send(0x01, { user_agent: 'raw/1' });
    expect((await this.next()).signature).toBe(0x70);
    this.send(0x6a, { scheme: 'basic', principal: user, credentials: password });
    expect((await this.next()).signature).toBe(0x70);
  }

  close(): void {
    this.socket.destroy();
  }
}

const SUCCESS = 0x70;
const FAILURE = 0x7f;
const IGNORED = 0x7e;

describe('Bolt stand-in: protocol', () => {
  it('answers the pre-manifest handshake with the best version in the client\'s ranges', async () => {
    const s = await standin({ manifest: false });
    // 5.8 down to 5.0 (range 8), then 4.4: what neo4j-driver 6.3 proposes after its manifest offer.
    const { client, reply } = await RawClient.open(s.port, [[0, 0, 1, 0xff], [0, 8, 8, 5], [0, 2, 4, 4], [0, 0, 0, 3]]);
    expect([...reply]).toEqual([0, 0, 8, 5]);
    client.close();
    const { client: c2, reply: none } = await RawClient.open(s.port, [[0, 0, 4, 4], [0, 0, 0, 3], [0, 0, 0, 0], [0, 0, 0, 0]]);
    expect([...none]).toEqual([0, 0, 0, 0]);
    c2.close();
  });

  it('offers a manifest to a client that proposes 255.1', async () => {
    const s = await standin();
    const { client, reply } = await RawClient.open(s.port, [[0, 0, 1, 0xff], [0, 8, 8, 5], [0, 0, 0, 0], [0, 0, 0, 0]]);
    // 00 00 01 FF, one range (5.8 back 7 = 5.1), capabilities 0.
    expect([...reply]).toEqual([0, 0, 1, 0xff, 1, 0, 7, 8, 5, 0]);
    client.close();
  });

  it('after a FAILURE ignores everything until RESET, and rolls the transaction back', async () => {
    const s = await standin();
    const { client } = await RawClient.open(s.port, [[0, 0, 8, 5], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
    await client.login(s.user, s.password);
    client.send(0x11, { db: 'neo4j' }); // BEGIN
    expect((await client.next()).signature).toBe(SUCCESS);
    client.send(0x10, 'UNWIND $rows AS row MERGE (n:`A` {key: row.key})', { rows: [{ key: 'x' }] }, {});
    expect((await client.next()).signature).toBe(SUCCESS);
    client.send(0x3f, { n: -1n });
    const pulled = await client.next();
    expect(pulled.signature).toBe(SUCCESS);
    expect((pulled.fields[0] as { stats: unknown }).stats).toEqual({ 'nodes-created': 1n, 'properties-set': 1n, 'labels-added': 1n });
    client.send(0x10, 'MERGE (n:A {key: 1}) DELETE n', {}, {});
    const failure = await client.next();
    expect(failure.signature).toBe(FAILURE);
    expect(failure.fields[0]).toMatchObject({ neo4j_code: 'Neo.ClientError.Statement.SyntaxError', gql_status: '42001' });
    client.send(0x3f, { n: -1n });
    client.send(0x10, 'RETURN 1', {}, {});
    client.send(0x12); // COMMIT
    expect((await client.next()).signature).toBe(IGNORED);
    expect((await client.next()).signature).toBe(IGNORED);
    expect((await client.next()).signature).toBe(IGNORED);
    client.send(0x0f); // RESET
    expect((await client.next()).signature).toBe(SUCCESS);
    expect(s.graph().nodes.size).toBe(0);
    client.send(0x10, 'CALL db.labels() YIELD label RETURN label', {}, { db: 'neo4j' });
    expect((await client.next()).signature).toBe(SUCCESS);
    client.send(0x3f, { n: -1n });
    expect((await client.next()).signature).toBe(SUCCESS);
    client.close();
  });

  it('speaks the pre-5.7 FAILURE format to a client that negotiated 5.4', async () => {
    const s = await standin();
    const { client } = await RawClient.open(s.port, [[0, 0, 4, 5], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
    await client.login(s.user, s.password);
    client.send(0x10, 'NONSENSE', {}, { db: 'neo4j' });
    const failure = await client.next();
    expect(failure.fields[0]).toMatchObject({ code: 'Neo.ClientError.Statement.SyntaxError' });
    expect(failure.fields[0]).not.toHaveProperty('neo4j_code');
    client.close();
  });

  it('refuses a request out of place and closes the connection, as Neo4j does', async () => {
    const s = await standin();
    const { client } = await RawClient.open(s.port, [[0, 0, 8, 5], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
    client.send(0x10, 'RETURN 1', {}, {}); // RUN before HELLO
    expect((await client.next()).fields[0]).toMatchObject({ neo4j_code: 'Neo.ClientError.Request.Invalid' });
    client.close();
  });
});

describe('Bolt stand-in: through neo4j-driver', () => {
  const driverFor = (s: BoltStandin, password = s.password, uri = s.uri) => {
    const d = neo4j.driver(uri, neo4j.auth.basic(s.user, password), { maxTransactionRetryTime: 500, connectionTimeout: 1000 });
    return d;
  };

  it('unknown statement shapes are syntax errors, never silent successes', async () => {
    const s = await standin();
    const d = driverFor(s);
    const session = d.session({ database: 'neo4j' });
    for (const q of ['MATCH (n) DETACH DELETE n', 'CREATE (n:X {key: 1})', 'MATCH (a)-[r]-(b) RETURN r', 'RETURN 1 +', 'MERGE (n:`A` {key: 1}) REMOVE n.key', 'WITH 1 AS x RETURN x']) {
      await expect(session.run(q), q).rejects.toMatchObject({ code: 'Neo.ClientError.Statement.SyntaxError' });
    }
    await expect(session.run('UNWIND $rows AS row MERGE (n:`A` {key: row.key})')).rejects.toMatchObject({ code: 'Neo.ClientError.Statement.ParameterMissing' });
    await expect(session.run('UNWIND $rows AS row MERGE (n:`A` {key: row.key})', { rows: [{}] })).rejects.toMatchObject({ code: 'Neo.ClientError.Statement.SemanticError' });
    await expect(session.run('UNWIND $rows AS row MERGE (n:`A` {key: row.key}) SET n += row.props', { rows: [{ key: 'k', props: { m: { nested: 1 } } }] })).rejects.toMatchObject({
      code: 'Neo.ClientError.Statement.TypeError',
    });
    await expect(session.run('CALL db.nothing() YIELD x RETURN x')).rejects.toMatchObject({ code: 'Neo.ClientError.Procedure.ProcedureNotFound' });
    expect(s.graph().nodes.size).toBe(0);
    await session.close();
    await d.close();
  });

  it('enforces uniqueness constraints and refuses one over duplicates', async () => {
    const s = await standin();
    const d = driverFor(s);
    const session = d.session({ database: 'neo4j' });
    await session.run('UNWIND $rows AS row MERGE (n:`A` {name: row.name}) SET n.key = row.key', { rows: [{ name: 'x', key: 'k' }, { name: 'y', key: 'k' }] });
    await expect(session.run('CREATE CONSTRAINT c IF NOT EXISTS FOR (n:`A`) REQUIRE n.key IS UNIQUE')).rejects.toMatchObject({ code: 'Neo.ClientError.Schema.ConstraintCreationFailed' });
    await session.run('UNWIND $rows AS row MERGE (n:`B` {key: row.key})', { rows: [{ key: 'k' }] });
    await session.run('CREATE CONSTRAINT b IF NOT EXISTS FOR (n:`B`) REQUIRE n.key IS UNIQUE');
    await expect(session.run('CREATE CONSTRAINT b FOR (n:`B`) REQUIRE n.key IS UNIQUE')).rejects.toMatchObject({ code: 'Neo.ClientError.Schema.EquivalentSchemaRuleAlreadyExists' });
    await expect(session.run('UNWIND $rows AS row MERGE (n:`B` {name: row.name}) SET n.key = row.key', { rows: [{ name: 'z', key: 'k' }] })).rejects.toMatchObject({
      code: 'Neo.ClientError.Schema.ConstraintValidationFailed',
    });
    await session.close();
    await d.close();
  });

  it('forbids schema and data writes in one transaction', async () => {
    const s = await standin();
    const d = driverFor(s);
    const session = d.session({ database: 'neo4j' });
    const tx = await session.beginTransaction();
    await tx.run('UNWIND $rows AS row MERGE (n:`A` {key: row.key})', { rows: [{ key: 1 }] });
    await expect(tx.run('CREATE CONSTRAINT a IF NOT EXISTS FOR (n:`A`) REQUIRE n.key IS UNIQUE')).rejects.toMatchObject({ code: 'Neo.ClientError.Transaction.ForbiddenDueToTransactionType' });
    await tx.close();
    await session.close();
    await d.close();
    expect(s.graph().nodes.size).toBe(0);
  });

  it('refuses a wrong password with Neo4j\'s code', async () => {
    const s = await standin();
    const d = driverFor(s, 'nope');
    await expect(d.getServerInfo()).rejects.toMatchObject({ code: 'Neo.ClientError.Security.Unauthorized' });
    await d.close();
  });

  it('answers ROUTE, so neo4j:// URIs work', async () => {
    const s = await standin();
    const d = driverFor(s, s.password, `neo4j://127.0.0.1:${s.port}`);
    const session = d.session({ database: 'neo4j' });
    const r = await session.run('CALL dbms.components() YIELD name, versions, edition RETURN name, versions, edition');
    expect(r.records[0]!.toObject()).toEqual({ name: 'Neo4j Kernel', versions: ['5.26.0'], edition: 'community' });
    expect(s.counters.messages.ROUTE).toBeGreaterThanOrEqual(1);
    await session.close();
    await d.close();
  });

  it('carries messages and results larger than one chunk', async () => {
    const s = await standin();
    const conn = connect({ uri: s.uri, user: s.user, password: s.password, database: undefined });
    const big = hostileFragment();
    for (let i = 0; i < 3000; i++) big.nodes.push({ label: 'Company', key: `c${i}`, props: { name: 'x'.repeat(40) + i } });
    await new Neo4jGraphWriter(conn, 5000).write(big);
    expect(s.graph().countByLabel().Company).toBe(3008);
    const session = conn.driver.session({ database: 'neo4j' });
    const r = await session.run('MATCH (n:`Company`) RETURN n.name AS name');
    expect(r.records).toHaveLength(3008);
    await session.close();
    await conn.close();
  });

  it('works with an older server that speaks Bolt 5.4 only', async () => {
    const s = await standin({ versions: [[5, 4]] });
    const conn = connect({ uri: s.uri, user: s.user, password: s.password, database: undefined });
    const session = conn.driver.session({ database: 'neo4j' });
    await expect(session.run('NONSENSE')).rejects.toMatchObject({ code: 'Neo.ClientError.Statement.SyntaxError' });
    await session.close();
    await new Neo4jGraphWriter(conn).write(hostileFragment());
    expect(s.counters.protocols).toEqual(['5.4']);
    await conn.close();
  });

  it('parses only what it understands', () => {
    expect(parse('UNWIND $rows AS row\nMERGE (n:`Company` {key: row.key})\nSET n += row.props').type).toBe('w');
    expect(parse('SHOW CONSTRAINTS YIELD name RETURN name').type).toBe('r');
    expect(() => parse('MATCH (n:`A`) RETURN n ORDER BY n.key')).toThrow();
    // A backtick-quoted keyword is a name, not a keyword.
    expect(parse('MATCH (n:`MATCH`) RETURN count(n) AS `RETURN`').clauses).toHaveLength(2);
  });
});
