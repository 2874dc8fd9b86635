/**
 * The CLI as users run it (real `edgar` processes), writing to Neo4j over Bolt, and the
 * writer's property-level guarantees read back through the driver: against the Bolt
 * stand-in always, and against a real Neo4j too whenever EDGAR_TEST_NEO4J_URI is set
 * (with EDGAR_TEST_NEO4J_USER, _PASSWORD, _DATABASE; see targets.ts). The real database
 * is emptied before each test: point it at a scratch database. The outage test stops and
 * starts the server: the stand-in in-process; a real one through EDGAR_TEST_NEO4J_STOP_CMD
 * and EDGAR_TEST_NEO4J_START_CMD (the CI workflow sets them to `docker stop/start` of its
 * service container).
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import neo4j from 'neo4j-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFragmentFiles, readFragment } from '../../../src/graph/file-store.js';
import { RELATIONSHIP_IDENTITY, type GraphFragment } from '../../../src/graph/fragment.js';
import { writeFragment } from '../../../src/graph/file-store.js';
import { graphStats } from '../../../src/graph/stats.js';
import { createConstraints, createIndexes, databaseCounts, listIndexes } from '../../../src/graph/neo4j/admin.js';
import { KNOWN_LABELS, missingIndexes, PROPERTY_INDEXES } from '../../../src/graph/neo4j/schema.js';
import { Neo4jGraphWriter } from '../../../src/graph/neo4j/writer.js';
import { BIN, ROOT, edgar, inheritedEnv, tempDir, until, waitExit } from '../../helpers.js';
import { BoltStandin } from '../../support/bolt-standin/index.js';
import { HOSTILE_VALUES, hostileFragment } from './fixtures.js';
import { realNeo4jFromEnv } from './targets.js';

interface Target {
  name: string;
  env: () => Record<string, string>;
  reset: () => Promise<void>;
  stop?: () => Promise<void>;
  start?: () => Promise<void>;
  standin?: BoltStandin;
}

let standin: BoltStandin;
const standinTarget: Target = {
  name: 'the Bolt stand-in',
  env: () => ({ NEO4J_URI: standin.uri, NEO4J_USER: standin.user, NEO4J_PASSWORD: standin.password, NEO4J_DATABASE: 'neo4j' }),
  reset: async () => standin.reset(),
  stop: () => standin.stop(),
  start: () => standin.start(),
  get standin() {
    return standin;
  },
};

const real = realNeo4jFromEnv();
const realEnv = (): Record<string, string> => ({
  NEO4J_URI: real!.uri,
  NEO4J_USER: real!.user,
  NEO4J_PASSWORD: real!.password,
  NEO4J_DATABASE: real!.database,
});
const realTarget: Target = {
  name: `Neo4j at EDGAR_TEST_NEO4J_URI`,
  env: realEnv,
  reset: async () => {
    const e = realEnv();
    const d = neo4j.driver(e.NEO4J_URI!, neo4j.auth.basic(e.NEO4J_USER!, e.NEO4J_PASSWORD!));
    const s = d.session({ database: e.NEO4J_DATABASE! });
    try {
      await s.run('MATCH (n) DETACH DELETE n');
    } finally {
      await s.close();
      await d.close();
    }
  },
  ...(real?.stopCmd && real.startCmd
    ? {
        stop: async () => void execSync(real.stopCmd!, { stdio: 'inherit' }),
        start: async () => void execSync(real.startCmd!, { stdio: 'inherit' }),
      }
    : {}),
};

if (!real) {
  console.log(
    'integration suite: EDGAR_TEST_NEO4J_URI not set, so it runs against the Bolt stand-in only (set EDGAR_TEST_NEO4J_URI, _USER, _PASSWORD to add a scratch Neo4j, which it empties)',
  );
}

beforeAll(async () => {
  standin = await BoltStandin.start();
});
afterAll(async () => standin?.close());

function dirs(): Record<string, string> {
  const root = tempDir('edgar-neo4j-it-');
  return { QUEUE_DIR: path.join(root, 'queue'), FILINGS_DIR: path.join(root, 'filings'), GRAPH_DIR: path.join(root, 'graph'), USE_AI_EXTRACTION: 'false' };
}

async function ok(args: string[], env: Record<string, string>): Promise<string> {
  const r = await edgar(args, env);
  expect(r.code, `edgar ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

function spawnEdgar(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...inheritedEnv(), LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** What `graph stats --json` says Neo4j holds, and what the file store says it should. */
async function neo4jAndFiles(env: Record<string, string>): Promise<{ db: { nodes: object; relationships: object }; files: { nodes: object; relationships: object } }> {
  const db = JSON.parse(await ok(['graph', 'stats', '--json'], env));
  const files = JSON.parse(await ok(['graph', 'stats', '--json', '--files'], env));
  expect(db.neo4j).toBeDefined();
  expect(files.fragments).toBeGreaterThan(0);
  return { db: { nodes: db.nodes, relationships: db.relationships }, files: { nodes: files.nodes, relationships: files.relationships } };
}

function ls(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.json')) : [];
}

const targets = [standinTarget, ...(real ? [realTarget] : [])];

/** The writer in this process, and a second driver that reads back INTEGERs as INTEGERs (the writer's turns them into numbers). */
async function withWriter(target: Target, body: (w: Neo4jGraphWriter, read: (cypher: string, params?: Record<string, unknown>) => Promise<Record<string, unknown>[]>) => Promise<void>): Promise<void> {
  const e = target.env();
  const settings = { uri: e.NEO4J_URI!, user: e.NEO4J_USER!, password: e.NEO4J_PASSWORD!, database: e.NEO4J_DATABASE };
  const w = Neo4jGraphWriter.open(settings, { maxRetryTimeMs: 10_000 });
  const d = neo4j.driver(settings.uri, neo4j.auth.basic(settings.user, settings.password));
  const read = async (cypher: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>[]> => {
    const s = d.session({ database: settings.database, defaultAccessMode: neo4j.session.READ });
    try {
      return (await s.run(cypher, params)).records.map((r) => r.toObject() as Record<string, unknown>);
    } finally {
      await s.close();
    }
  };
  try {
    await body(w, read);
  } finally {
    await w.close();
    await d.close();
  }
}

describe.each(targets)('against $name', (target) => {
  it('property level: values intact, INTEGER not FLOAT, a known value never erased, relationships as the file store counts them, indexes', async () => {
    await target.reset();
    await withWriter(target, async (w, read) => {
      expect(await createConstraints(w.conn, KNOWN_LABELS)).toBeGreaterThanOrEqual(0);
      await createIndexes(w.conn);
      expect(missingIndexes(PROPERTY_INDEXES, await listIndexes(w.conn))).toEqual([]);
      expect(await createIndexes(w.conn)).toBe(0);

      await w.write(hostileFragment());
      const [filing] = await read('MATCH (n:`Filing` {key: $key}) RETURN n.items AS items, n.publicDocumentCount AS count', { key: '9999999999-10-999999' });
      expect(filing!.items).toEqual(HOSTILE_VALUES);
      expect(neo4j.isInt(filing!.count), 'publicDocumentCount is an INTEGER').toBe(true);
      expect(String(filing!.count)).toBe('3');
      for (const [i, v] of HOSTILE_VALUES.entries()) {
        expect((await read('MATCH (n:`Company` {key: $key}) RETURN n.name AS name', { key: `${v}#${i}` }))[0]?.name).toBe(v);
      }

      await w.write({ filing: { accession: 'p-1', formType: 'X' }, nodes: [{ label: 'Filing', key: 'p-1', props: { documentCount: 12, ratio: 0.5 } }], relationships: [] });
      const [nums] = await read('MATCH (n:`Filing` {key: $key}) RETURN n.documentCount AS c, n.ratio AS r', { key: 'p-1' });
      expect(neo4j.isInt(nums!.c)).toBe(true);
      expect(nums!.r).toBe(0.5);

      // A later filing that knows less (no SIC, an empty IRS number) erases nothing.
      const company = (props: GraphFragment['nodes'][number]['props'], accession: string): GraphFragment => ({
        filing: { accession, formType: '10-Q' },
        nodes: [{ label: 'Company', key: 'p-company', props }],
        relationships: [],
      });
      await w.write(company({ name: 'ACME', sic: '1234', irsNumber: '77' }, 'p-2'));
      await w.write(company({ name: 'ACME INC', sic: '', irsNumber: '' }, 'p-3'));
      const [acme] = await read('MATCH (n:`Company` {key: $key}) RETURN n.name AS name, n.sic AS sic, n.irsNumber AS irs', { key: 'p-company' });
      expect(acme).toEqual({ name: 'ACME INC', sic: '1234', irs: '77' });
    });
  }, 60_000);

  it('a relationship missing an identity property is one more relationship, in Neo4j as in the file store', async () => {
    await target.reset();
    const graphDir = tempDir('edgar-neo4j-identity-');
    // FORMERLY_NAMED is merged on changedAt: one former name with a date, and one without
    // (a header that gives none), in either order, in separate transactions.
    const formerly = (accession: string, changedAt?: string): GraphFragment => ({
      filing: { accession, formType: '10-K' },
      nodes: [
        { label: 'Company', key: '9000000077', props: { cik: '9000000077', name: 'NEW NAME FICTITIOUS INC' } },
        { label: 'FormerName', key: '9000000077:OLD NAME FICTITIOUS INC', props: { name: 'OLD NAME FICTITIOUS INC' } },
      ],
      relationships: [
        { type: 'FORMERLY_NAMED', from: { label: 'Company', key: '9000000077' }, to: { label: 'FormerName', key: '9000000077:OLD NAME FICTITIOUS INC' }, props: { accession, ...(changedAt ? { changedAt } : {}) } },
      ],
    });
    const fragments = [formerly('i-1', '2009-01-02'), formerly('i-2'), formerly('i-3', '2009-01-02'), formerly('i-4')];
    for (const f of fragments) writeFragment(graphDir, f);
    await withWriter(target, async (w) => {
      await createConstraints(w.conn, KNOWN_LABELS);
      // The dated one first: a MERGE without changedAt would then match it and keep one.
      for (const f of [fragments[0]!, fragments[1]!, fragments[3]!, fragments[2]!]) await w.write(f);
      const files = graphStats(graphDir);
      expect(files.relationships.FORMERLY_NAMED).toBe(2);
      const db = await databaseCounts(w.conn);
      expect(db.relationships.FORMERLY_NAMED).toBe(files.relationships.FORMERLY_NAMED);
      // And pushed together, in one transaction: still two.
      await target.reset();
      await w.writeMany(fragments);
      expect((await databaseCounts(w.conn)).relationships.FORMERLY_NAMED).toBe(2);
    });
    fs.rmSync(graphDir, { recursive: true, force: true });
  }, 60_000);

  it('graph push twice leaves identical counts, equal to the file store\'s; doctor, stats and --since', async () => {
    await target.reset();
    const d = dirs();
    await ok(['sample', '--year', '2010', '--count', '30', '--seed', '11', '--filings-dir', d.FILINGS_DIR!], d);
    // Built with no Neo4j at all: the file store alone, then replayed.
    await ok(['load-graph', '--year', '2010'], { ...d, NEO4J_URI: '' });
    const env = { ...d, ...target.env() };
    const out = await ok(['graph', 'push'], env);
    expect(out).toMatch(/^pushed 30 of 30 fragment\(s\) from .* to database "neo4j": \d+ rows in \d+ transaction\(s\)\n$/);
    const once = await neo4jAndFiles(env);
    expect(once.db).toEqual(once.files);
    const json = JSON.parse(await ok(['graph', 'push', '--json'], env));
    expect(json).toMatchObject({ fragments: 30, pushed: 30, problems: [], database: 'neo4j' });
    expect((await neo4jAndFiles(env)).db).toEqual(once.db);
    expect(JSON.parse(await ok(['graph', 'push', '--json', '--since', '1h'], env))).toMatchObject({ pushed: 30, olderThanSince: 0 });
    expect(JSON.parse(await ok(['graph', 'push', '--json', '--since', '2099-01-01'], env))).toMatchObject({ pushed: 0, olderThanSince: 30 });
    const doctor = await edgar(['doctor', '--no-ai', '--create-constraints'], env);
    expect(doctor.stdout).toMatch(/^ok {3}neo4j {4}.*database "neo4j" as .*: Neo4j Kernel 5\.\d+\.\d+ \w+ \(Bolt 5\.\d\); key constraints 7\/7; indexes 7\/7$/m);
    const text = await ok(['graph', 'stats'], env);
    expect(text).toMatch(/^graph in Neo4j .*, database "neo4j"\nnodes \d+\n {2}Address/);
    if (target.standin) expect(target.standin.counters.withoutDatabase).toBe(0);
  }, 120_000);

  it('4 concurrent worker processes with overlapping companies leave no duplicate', async () => {
    await target.reset();
    const d = dirs();
    const env = { ...d, ...target.env() };
    await ok(['sample', '--year', '2011', '--count', '80', '--seed', '5', '--filings-dir', d.FILINGS_DIR!], d);
    await ok(['coordinate', '--year', '2011', '--max-attempts', '10'], env);
    const workers = Array.from({ length: 4 }, () => spawnEdgar(['worker', '--burst', '--concurrency', '2'], env));
    const exits = await Promise.all(workers.map(waitExit));
    for (const e of exits) expect(e.code, e.stderr).toBe(0);
    expect(ls(path.join(d.QUEUE_DIR!, 'completed'))).toHaveLength(80);
    // The test means something only if filings share nodes that several writers MERGE at once.
    const seen = new Map<string, number>();
    for (const f of listFragmentFiles(d.GRAPH_DIR!)) for (const n of readFragment(f).nodes) seen.set(`${n.label}:${n.key}`, (seen.get(`${n.label}:${n.key}`) ?? 0) + 1);
    expect([...seen].filter(([k, n]) => k.startsWith('Company:') && n > 1).length).toBeGreaterThan(5);
    const r = await neo4jAndFiles(env);
    expect(r.db).toEqual(r.files);
    if (target.standin) {
      expect(target.standin.graph().duplicateNodes()).toEqual([]);
      expect(target.standin.graph().duplicateRelationships(RELATIONSHIP_IDENTITY)).toEqual([]);
    }
  }, 120_000);

  it.skipIf(!target.stop)('an outage mid-run (server stopped, then started) loses nothing once the queue drains', async () => {
    await target.reset();
    const d = dirs();
    // A short driver retry, so jobs do fail during the outage and the queue retries them.
    const env: Record<string, string> = { ...d, ...target.env(), EDGAR_SIMULATED_LATENCY_MS: '250', EDGAR_NEO4J_RETRY_MS: '300', LOG_LEVEL: 'debug' };
    await ok(['sample', '--year', '2012', '--count', '40', '--seed', '9', '--filings-dir', d.FILINGS_DIR!], d);
    await ok(['coordinate', '--year', '2012', '--max-attempts', '30'], env);
    const workers = Array.from({ length: 2 }, () => spawnEdgar(['worker', '--burst'], env));
    const exited = workers.map(waitExit);
    const completed = (): number => ls(path.join(d.QUEUE_DIR!, 'completed')).length;
    await until(() => completed() >= 6, 60_000, 50);
    await target.stop!();
    const atStop = completed();
    // Fragments keep landing in the outbox while Neo4j is down ...
    const fragmentsAtStop = listFragmentFiles(d.GRAPH_DIR!).length;
    await until(() => listFragmentFiles(d.GRAPH_DIR!).length >= Math.min(40, fragmentsAtStop + 4), 60_000, 50);
    // ... and jobs fail against the stopped server and are queued again: wait until one has
    // (its record names the error), rather than for a fixed time a loaded machine may need more of.
    const failedOnOutage = (): boolean =>
      ['pending', 'processing'].some((state) =>
        ls(path.join(d.QUEUE_DIR!, state)).some((n) => {
          try {
            const rec = JSON.parse(fs.readFileSync(path.join(d.QUEUE_DIR!, state, n), 'utf8'));
            return (rec.errors ?? []).some((e: { message: string }) => /unreachable|ServiceUnavailable|connection/i.test(e.message));
          } catch {
            return false; // moved or being written meanwhile
          }
        }),
      );
    await until(failedOnOutage, 60_000, 50);
    await target.start!();
    const ends = await Promise.all(exited);
    for (const e of ends) expect(e.code, e.stderr).toBe(0);
    // Debug logs of failed and retried Neo4j writes, and not one line carries the password.
    const logs = ends.map((e) => e.stderr).join('');
    expect(logs).toMatch(/Neo4j at .* is unreachable/);
    if (env.NEO4J_PASSWORD) expect(logs).not.toContain(env.NEO4J_PASSWORD);
    // ... and once the queue drains, every filing is complete and in the graph, once.
    expect(ls(path.join(d.QUEUE_DIR!, 'failed'))).toEqual([]);
    expect(completed()).toBe(40);
    expect(atStop).toBeLessThan(40);
    const records = ls(path.join(d.QUEUE_DIR!, 'completed')).map((n) => JSON.parse(fs.readFileSync(path.join(d.QUEUE_DIR!, 'completed', n), 'utf8')));
    const retried = records.filter((r) => (r.errors ?? []).some((e: { message: string }) => /unreachable|ServiceUnavailable|connection/i.test(e.message)));
    expect(retried.length).toBeGreaterThan(0);
    const r = await neo4jAndFiles(env);
    expect(r.db).toEqual(r.files);
    if (target.standin) expect(target.standin.graph().duplicateNodes()).toEqual([]);
  }, 240_000);
});

describe('Neo4j refusals, on one line', () => {
  it('coordinate stops before queueing when Neo4j refuses the credentials or does not answer (exit 2)', async () => {
    standin.reset();
    const d = dirs();
    await ok(['sample', '--year', '2010', '--count', '3', '--filings-dir', d.FILINGS_DIR!], d);
    const wrong = await edgar(['coordinate', '--year', '2010'], { ...d, ...standinTarget.env(), NEO4J_PASSWORD: 'Hunter2-secret' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toMatch(/^edgar: Neo4j at bolt:\/\/127\.0\.0\.1:\d+ refused the credentials of user "neo4j" .*check NEO4J_USER and NEO4J_PASSWORD; or unset NEO4J_URI/);
    expect(wrong.stderr + wrong.stdout).not.toContain('Hunter2-secret');
    expect(ls(path.join(d.QUEUE_DIR!, 'pending'))).toEqual([]);

    const closed = await BoltStandin.start();
    const port = closed.port;
    await closed.close();
    const down = await edgar(['coordinate', '--year', '2010'], { ...d, ...standinTarget.env(), NEO4J_URI: `bolt://127.0.0.1:${port}` });
    expect(down.code).toBe(2);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/unreachable \(.*ECONNREFUSED.*\); start it, or check NEO4J_URI; or unset NEO4J_URI/);

    const doctor = await edgar(['doctor', '--no-ai'], { ...d, ...standinTarget.env(), NEO4J_PASSWORD: 'Hunter2-secret' });
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(/^FAIL neo4j {4}Neo4j at .* refused the credentials/m);
    expect(doctor.stdout + doctor.stderr).not.toContain('Hunter2-secret');
    const push = await edgar(['graph', 'push'], { ...d, NEO4J_URI: '' });
    expect(push.code).toBe(2);
    expect(push.stderr).toMatch(/^edgar: NEO4J_URI is not set/);
    const since = await edgar(['graph', 'push', '--since', 'yesterday'], { ...d, ...standinTarget.env() });
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/^edgar: --since: "yesterday" is neither a duration/);
  });

  it('a worker whose credentials are refused fails the job at once with the reason, and keeps the fragment', async () => {
    standin.reset();
    const d = dirs();
    await ok(['sample', '--year', '2010', '--count', '2', '--filings-dir', d.FILINGS_DIR!], d);
    await ok(['coordinate', '--year', '2010'], { ...d, ...standinTarget.env() });
    const w = await edgar(['worker', '--burst'], { ...d, ...standinTarget.env(), NEO4J_PASSWORD: 'Hunter2-secret' });
    expect(w.code).toBe(1);
    expect(w.stderr).not.toContain('Hunter2-secret');
    const failed = ls(path.join(d.QUEUE_DIR!, 'failed')).map((n) => JSON.parse(fs.readFileSync(path.join(d.QUEUE_DIR!, 'failed', n), 'utf8')));
    expect(failed).toHaveLength(2);
    for (const f of failed) {
      expect(f.errors).toHaveLength(1);
      expect(f.error).toMatch(/refused the credentials of user "neo4j"/);
    }
    expect(listFragmentFiles(d.GRAPH_DIR!)).toHaveLength(2);
    // Fixed: the outbox replays into Neo4j.
    expect(JSON.parse(await ok(['graph', 'push', '--json'], { ...d, ...standinTarget.env() }))).toMatchObject({ pushed: 2 });
  });
});
