/**
 * `graph push`'s replay of the outbox, and the small parsers and classifiers around Neo4j.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSince } from '../../../src/cli/commands/graph-push.js';
import { UsageError } from '../../../src/cli/errors.js';
import { fragmentsDir, writeFragment } from '../../../src/graph/file-store.js';
import { databaseCounts } from '../../../src/graph/neo4j/admin.js';
import { connect, type Connection } from '../../../src/graph/neo4j/connection.js';
import { classify, safeUri, toNeo4jError } from '../../../src/graph/neo4j/errors.js';
import { pushFragments } from '../../../src/graph/neo4j/push.js';
import { Neo4jGraphWriter } from '../../../src/graph/neo4j/writer.js';
import { tempDir } from '../../helpers.js';
import { BoltStandin } from '../../support/bolt-standin/index.js';
import { twoFragments, TWO_FRAGMENTS_COUNTS } from '../helpers.js';
import { hostileFragment } from './fixtures.js';

let standin: BoltStandin;
let conn: Connection;
beforeAll(async () => {
  standin = await BoltStandin.start();
  conn = connect({ uri: standin.uri, user: standin.user, password: standin.password, database: undefined }, { maxRetryTimeMs: 300, connectionTimeoutMs: 500 });
});
afterAll(async () => {
  await conn?.close();
  await standin?.close();
});

describe('pushFragments', () => {
  it('groups fragments into transactions, names the bad files and still loads the good ones', async () => {
    standin.reset();
    const dir = tempDir('edgar-push-');
    const [a, b] = twoFragments();
    writeFragment(dir, a);
    writeFragment(dir, b);
    writeFragment(dir, hostileFragment());
    const bad = { ...twoFragments()[0], filing: { accession: 'bad-1', formType: '10-K' } };
    bad.nodes = [...bad.nodes, { label: 'Not A Label', key: 'x', props: {} }];
    writeFragment(dir, bad);
    fs.writeFileSync(path.join(fragmentsDir(dir), 'broken.json'), '{"nodes": [');
    const progress: number[] = [];
    const r = await pushFragments(new Neo4jGraphWriter(conn), dir, { rowsPerTransaction: 1_000, onProgress: (done) => progress.push(done) });
    expect(r).toMatchObject({ fragments: 5, pushed: 3, olderThanSince: 0 });
    expect(r.problems.map((p) => path.basename(p.file)).sort()).toEqual(['bad-1.json', 'broken.json']);
    expect(r.problems.find((p) => p.file.endsWith('bad-1.json'))!.error).toMatch(/label "Not A Label" is not a valid name/);
    // One group of four, refused; then each of the four alone: three land.
    expect(r.transactions).toBe(3);
    expect(progress.at(-1)).toBe(4);
    const counts = await databaseCounts(conn);
    expect(counts.nodes.Filing).toBe(3);
    expect(standin.graph().findNode('Filing', 'bad-1')).toBeUndefined();
  });

  it('is idempotent, and --since leaves older files out', async () => {
    standin.reset();
    const dir = tempDir('edgar-push-');
    for (const f of twoFragments()) writeFragment(dir, f);
    const old = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(path.join(fragmentsDir(dir), '9999999999-10-000001.json'), old, old);
    const w = new Neo4jGraphWriter(conn);
    expect(await pushFragments(w, dir, { since: new Date('2021-01-01T00:00:00Z') })).toMatchObject({ pushed: 1, olderThanSince: 1 });
    expect((await databaseCounts(conn)).nodes.Filing).toBe(1);
    await pushFragments(w, dir);
    const once = await databaseCounts(conn);
    await pushFragments(w, dir, { rowsPerTransaction: 1 });
    expect(await databaseCounts(conn)).toEqual(once);
    expect(once.nodes).toEqual(TWO_FRAGMENTS_COUNTS.nodes);
  });

  it('stops with a transient error when Neo4j goes away, so the command can say "run it again"', async () => {
    standin.reset();
    const dir = tempDir('edgar-push-');
    for (const f of twoFragments()) writeFragment(dir, f);
    await standin.stop();
    try {
      await expect(pushFragments(new Neo4jGraphWriter(conn), dir)).rejects.toMatchObject({ kind: 'unavailable', permanent: false });
    } finally {
      await standin.start();
    }
  });
});

describe('around Neo4j', () => {
  it('--since takes a duration or a date', () => {
    const now = Date.parse('2026-03-10T12:00:00Z');
    expect(parseSince('2h', now).toISOString()).toBe('2026-03-10T10:00:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2026-03-03T12:00:00.000Z');
    expect(parseSince('2026-03-01').toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(parseSince('2026-03-01T08:30:00Z').toISOString()).toBe('2026-03-01T08:30:00.000Z');
    for (const bad of ['yesterday', '2026-13-45', '-2h', '']) expect(() => parseSince(bad), bad).toThrow(UsageError);
  });

  it('classifies failures: retry what time can fix, give up on what it cannot', () => {
    const e = (code: string) => Object.assign(new Error('m'), { code });
    expect(classify(e('ServiceUnavailable'))).toBe('unavailable');
    expect(classify(e('SessionExpired'))).toBe('unavailable');
    expect(classify(e('Neo.TransientError.Transaction.DeadlockDetected'))).toBe('transient');
    expect(classify(e('Neo.ClientError.Security.Unauthorized'))).toBe('auth');
    expect(classify(e('Neo.ClientError.Security.AuthenticationRateLimit'))).toBe('auth');
    expect(classify(e('Neo.ClientError.Security.AuthorizationExpired'))).toBe('transient');
    expect(classify(e('Neo.ClientError.Database.DatabaseNotFound'))).toBe('database');
    expect(classify(e('Neo.ClientError.Statement.SyntaxError'))).toBe('rejected');
    expect(classify(e('Neo.DatabaseError.General.UnknownError'))).toBe('transient');
    // neo4j-driver 6 rewrites these two TransientErrors as ClientErrors: still worth a later retry.
    expect(classify(e('Neo.ClientError.Transaction.Terminated'))).toBe('transient');
    expect(classify(e('Neo.ClientError.Transaction.LockClientStopped'))).toBe('transient');
    expect(classify(Object.assign(e('Neo.ClientError.Cluster.Whatever'), { retryable: true }))).toBe('transient');
    expect(classify(e('Neo.ClientError.Security.Forbidden'))).toBe('forbidden');
    const forbidden = toNeo4jError(e('Neo.ClientError.Security.Forbidden'), { uri: 'bolt://h:7687', user: 'reader', database: 'neo4j' });
    expect(forbidden).toMatchObject({ kind: 'forbidden', permanent: true });
    expect(forbidden.message).not.toMatch(/refused the credentials/);
    expect(forbidden.message).toMatch(/accepted user "reader" but forbids what it asked: m \(Neo\.ClientError\.Security\.Forbidden\); grant the user a role/);
    const target = { uri: 'neo4j://admin:pw@host:7687', user: 'admin', database: 'neo4j' };
    const err = toNeo4jError(Object.assign(new Error('server echoed pw-Secret-9'), { code: 'Neo.DatabaseError.General.UnknownError' }), target, 'pw-Secret-9');
    expect(err.message).toBe('Neo4j at neo4j://host:7687: server echoed *** (Neo.DatabaseError.General.UnknownError)');
    expect(err.message).not.toContain('admin:pw');
    expect(safeUri('bolt://u:p@h:7687')).toBe('bolt://h:7687');
    expect(safeUri('garbage u:p@host')).toBe('host');
  });
});
