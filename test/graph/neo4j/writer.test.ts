/**
 * The writer, through the real neo4j-driver over real TCP, against the Bolt stand-in:
 * retries, faults and classification, which need the stand-in's fault injection. The
 * property-level guarantees (values intact, INTEGERs, nothing erased, identity properties)
 * are also checked against a real Neo4j, in integration.test.ts.
 */
import neo4j from 'neo4j-driver';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RELATIONSHIP_IDENTITY, type GraphFragment } from '../../../src/graph/fragment.js';
import { createConstraints, createIndexes, databaseCounts, listConstraints, listIndexes } from '../../../src/graph/neo4j/admin.js';
import { connect, verify, type Connection, type Neo4jSettings } from '../../../src/graph/neo4j/connection.js';
import { Neo4jError } from '../../../src/graph/neo4j/errors.js';
import { KNOWN_LABELS, missingIndexes, PROPERTY_INDEXES } from '../../../src/graph/neo4j/schema.js';
import { Neo4jGraphWriter } from '../../../src/graph/neo4j/writer.js';
import { BoltStandin } from '../../support/bolt-standin/index.js';
import { TWO_FRAGMENTS_COUNTS, twoFragments } from '../helpers.js';
import { HOSTILE_VALUES, hostileFragment, realFragments } from './fixtures.js';

let standin: BoltStandin;
let settings: Neo4jSettings;
const opened: Connection[] = [];

function open(over: Partial<Neo4jSettings> = {}, opts: { maxRetryTimeMs?: number } = {}): Neo4jGraphWriter {
  const conn = connect({ ...settings, ...over }, { maxRetryTimeMs: opts.maxRetryTimeMs ?? 10_000, connectionTimeoutMs: 1_000 });
  opened.push(conn);
  return new Neo4jGraphWriter(conn);
}

beforeAll(async () => {
  standin = await BoltStandin.start();
  settings = { uri: standin.uri, user: standin.user, password: standin.password, database: undefined };
});
beforeEach(async () => {
  standin.reset();
  await standin.start();
  const w = open();
  await createConstraints(w.conn, KNOWN_LABELS);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});
afterAll(async () => standin?.close());

describe('Neo4jGraphWriter', () => {
  it('writes a fragment in one transaction, with the database named', async () => {
    const w = open();
    const before = standin.counters.transactions;
    const s = await w.write(twoFragments()[0]);
    expect(standin.counters.transactions - before).toBe(1);
    expect(s.statements).toBeGreaterThan(1);
    expect(standin.counters.withoutDatabase).toBe(0);
  });

  it('the same fragments twice leave identical counts, equal to the file store\'s', async () => {
    const w = open();
    const [a, b] = twoFragments();
    await w.write(a);
    await w.write(b);
    const once = await databaseCounts(w.conn);
    await w.write(b);
    await w.write(a);
    expect(await databaseCounts(w.conn)).toEqual(once);
    expect(once).toEqual({ nodes: TWO_FRAGMENTS_COUNTS.nodes, relationships: TWO_FRAGMENTS_COUNTS.relationships, totalNodes: 5, totalRelationships: 8 });
  });

  it('stores hostile values intact, integers as integers, and never erases a known value', async () => {
    const w = open();
    await w.write(hostileFragment());
    const g = standin.graph();
    const filing = g.findNode('Filing', '9999999999-10-999999')!;
    expect(filing.props.get('items')).toEqual(HOSTILE_VALUES);
    expect(filing.props.get('publicDocumentCount')).toBe(3n);
    for (const [i, v] of HOSTILE_VALUES.entries()) expect(g.findNode('Company', `${v}#${i}`)?.props.get('name')).toBe(v);
    expect(g.countByLabel()).toEqual({ Filing: 1, Company: HOSTILE_VALUES.length, Person: 1 });
    expect(g.countByType().OFFICER_OF).toBe(1);

    const later: GraphFragment = {
      filing: { accession: 'x-2', formType: '10-Q' },
      nodes: [{ label: 'Company', key: `${HOSTILE_VALUES[0]}#0`, props: { name: 'RENAMED', sic: '1234' } }],
      relationships: [],
    };
    await w.write(later);
    const c = g.findNode('Company', `${HOSTILE_VALUES[0]}#0`)!;
    expect(Object.fromEntries(c.props)).toEqual({ key: `${HOSTILE_VALUES[0]}#0`, name: 'RENAMED', sic: '1234', cik: '9000000100' });
  });

  it('real filings leave no duplicate node or relationship', async () => {
    const w = open();
    const fragments = await realFragments();
    for (const f of fragments) await w.write(f);
    for (const f of fragments.slice(0, 5)) await w.write(f);
    expect(standin.graph().duplicateNodes()).toEqual([]);
    expect(standin.graph().duplicateRelationships(RELATIONSHIP_IDENTITY)).toEqual([]);
  });

  it('retries a transient deadlock through executeWrite and commits once', async () => {
    const w = open();
    standin.failNextCommits(2);
    await w.write(twoFragments()[0]);
    expect(standin.counters.failures['Neo.TransientError.Transaction.DeadlockDetected']).toBe(2);
    expect(standin.counters.rolledBack).toBeGreaterThanOrEqual(2);
    expect(await databaseCounts(w.conn)).toMatchObject({ totalNodes: 4 });
  });

  it('a transaction the server terminated fails the job for a later retry (the driver turns the code into a ClientError)', async () => {
    const w = open();
    for (const code of ['Neo.TransientError.Transaction.Terminated', 'Neo.TransientError.Transaction.LockClientStopped']) {
      standin.failNextCommits(1, code);
      const err = await w.write(twoFragments()[0]).catch((e) => e);
      expect(err).toBeInstanceOf(Neo4jError);
      expect(err).toMatchObject({ kind: 'transient', permanent: false, code: code.replace('TransientError', 'ClientError') });
    }
  });

  it('a user that may log in but not write: a permanent error of its own, not "refused the credentials"', async () => {
    const w = open();
    standin.failNextCommits(1, 'Neo.ClientError.Security.Forbidden');
    const err = await w.write(twoFragments()[0]).catch((e) => e);
    expect(err).toMatchObject({ kind: 'forbidden', permanent: true, code: 'Neo.ClientError.Security.Forbidden' });
    expect(err.message).toMatch(/accepted user "neo4j" but forbids what it asked: .*grant the user a role that may write to database "neo4j"/);
    expect(err.message).not.toMatch(/refused the credentials/);
  });

  it('a node with an empty key fails permanently, before anything is sent', async () => {
    const w = open();
    const before = standin.counters.transactions;
    const err = await w.write({ filing: { accession: 'k-1', formType: 'X' }, nodes: [{ label: 'Company', key: '', props: { name: '***' } }], relationships: [] }).catch((e) => e);
    expect(err).toMatchObject({ name: 'InvalidGraphKeyError', permanent: true });
    expect(standin.counters.transactions).toBe(before);
  });

  it('rolls back the whole fragment when a statement fails', async () => {
    const w = open();
    // A uniqueness constraint on cik (made by hand): two companies with one CIK violate it
    // in the Company statement, after the Filing statement of the same transaction ran.
    standin.graph().constraints.push({ id: 99, name: 'cik_unique', label: 'Company', prop: 'cik' });
    const [a] = twoFragments();
    const fragment: GraphFragment = { ...a, nodes: [...a.nodes, { label: 'Company', key: 'other', props: { cik: '9000000001' } }] };
    const err = await w.write(fragment).catch((e) => e);
    expect(err).toMatchObject({ kind: 'rejected', permanent: true, code: 'Neo.ClientError.Schema.ConstraintValidationFailed' });
    expect(standin.graph().nodes.size).toBe(0);
    expect(standin.counters.rolledBack).toBeGreaterThanOrEqual(1);
  });

  it('refused credentials: a permanent error naming the user, never the password', async () => {
    const w = open({ password: 'wrong-Secret-42' });
    const err = await w.write(twoFragments()[0]).catch((e) => e);
    expect(err).toBeInstanceOf(Neo4jError);
    expect(err).toMatchObject({ kind: 'auth', permanent: true, code: 'Neo.ClientError.Security.Unauthorized' });
    expect(err.message).toContain('user "neo4j"');
    expect(err.message).toContain('NEO4J_PASSWORD');
    expect(err.message).not.toContain('wrong-Secret-42');
    expect(err.message).not.toContain(standin.password);
  });

  it('an unknown database is a permanent error naming NEO4J_DATABASE', async () => {
    const w = open({ database: 'nosuchdb' });
    await expect(w.write(twoFragments()[0])).rejects.toMatchObject({ kind: 'database', permanent: true, message: expect.stringContaining('NEO4J_DATABASE') });
  });

  it('the server down: a transient error once the retry time is spent, and a write after it comes back', async () => {
    const w = open({}, { maxRetryTimeMs: 300 });
    await standin.stop();
    const err = await w.write(twoFragments()[0]).catch((e) => e);
    expect(err).toMatchObject({ kind: 'unavailable', permanent: false });
    expect(err.message).toMatch(/unreachable .*ECONNREFUSED/);
    await standin.start();
    await w.write(twoFragments()[0]);
    expect(await databaseCounts(w.conn)).toMatchObject({ totalNodes: 4 });
  });

  it('an outage during the retries is ridden out by executeWrite', async () => {
    const w = open({}, { maxRetryTimeMs: 20_000 });
    await w.write(twoFragments()[0]);
    await standin.stop();
    const pending = w.write(twoFragments()[1]);
    setTimeout(() => void standin.start(), 1_500);
    await pending;
    expect(await databaseCounts(w.conn)).toMatchObject({ totalNodes: 5 });
  });

  it('an aborted job stops at once and writes nothing', async () => {
    const w = open({}, { maxRetryTimeMs: 20_000 });
    await standin.stop();
    const ac = new AbortController();
    const pending = w.write(twoFragments()[0], ac.signal);
    setTimeout(() => ac.abort(new Error('lease lost')), 200);
    await expect(pending).rejects.toThrow('lease lost');
    await standin.start();
    expect(standin.graph().nodes.size).toBe(0);
  });

  it('verify reports the server, and constraints and indexes are created once whatever the number of calls', async () => {
    const w = open();
    expect(await verify(w.conn)).toEqual({ agent: 'Neo4j/5.26.0', bolt: '5.8' });
    expect(await createConstraints(w.conn, KNOWN_LABELS)).toBe(0);
    expect((await listConstraints(w.conn)).map((c) => c.name).sort()).toEqual(KNOWN_LABELS.map((l) => `edgar_${l}_key`).sort());
    expect(missingIndexes(PROPERTY_INDEXES, await listIndexes(w.conn))).toEqual(PROPERTY_INDEXES);
    expect(await createIndexes(w.conn)).toBe(PROPERTY_INDEXES.length);
    expect(await createIndexes(w.conn)).toBe(0);
    const indexes = await listIndexes(w.conn);
    expect(missingIndexes(PROPERTY_INDEXES, indexes)).toEqual([]);
    expect(indexes.filter((i) => i.name.startsWith('edgar_') && !i.name.endsWith('_key')).map((i) => i.name).sort()).toEqual(PROPERTY_INDEXES.map((i) => `edgar_${i.label}_${i.property}`).sort());
    // The index a uniqueness constraint owns counts too, and no index is created beside it.
    expect(missingIndexes([{ label: 'Company', property: 'key' }], indexes)).toEqual([]);
    standin.graph().constraints.push({ id: 98, name: 'users_own_cik_unique', label: 'Person', prop: 'cik' });
    standin.graph().indexes.splice(standin.graph().indexes.findIndex((i) => i.name === 'edgar_Person_cik'), 1);
    expect(await createIndexes(w.conn)).toBe(0);
    expect(missingIndexes(PROPERTY_INDEXES, await listIndexes(w.conn))).toEqual([]);
  });

  it('sends whole numbers as Cypher INTEGER parameters', async () => {
    const w = open();
    const session = w.conn.driver.session({ database: 'neo4j' });
    await session.close();
    expect(neo4j.isInt(neo4j.int(5))).toBe(true);
    await w.write({ filing: { accession: 'n-1', formType: 'X' }, nodes: [{ label: 'Filing', key: 'n-1', props: { documentCount: 12, ratio: 0.5 } }], relationships: [] });
    const f = standin.graph().findNode('Filing', 'n-1')!;
    expect(f.props.get('documentCount')).toBe(12n);
    expect(f.props.get('ratio')).toBe(0.5);
  });
});
