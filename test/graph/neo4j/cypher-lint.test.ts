/**
 * Every Cypher statement the project can send goes through Neo4j's own published linter
 * (@neo4j-cypher/language-support, the parser and semantic analysis behind Neo4j's tools),
 * with the procedures and functions of a real Neo4j. An error fails the test.
 *
 * "Every statement" is gathered two ways: the builders' output for realistic and hostile
 * fragments and for every schema and read statement; and whatever the stand-in actually
 * received while the writer, push, doctor's checks and stats ran against it, so a
 * statement added later without being listed here is still linted.
 */
import * as fs from 'node:fs';
import { lintCypherQuery, testData, type DbSchema } from '@neo4j-cypher/language-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFragment } from '../../../src/graph/file-store.js';
import type { GraphFragment } from '../../../src/graph/fragment.js';
import { createConstraints, createIndexes, databaseCounts, listConstraints, listIndexes, serverVersion } from '../../../src/graph/neo4j/admin.js';
import { connect, verify, type Connection } from '../../../src/graph/neo4j/connection.js';
import { pushFragments } from '../../../src/graph/neo4j/push.js';
import {
  constraintStatement,
  countNodesStatement,
  countRelationshipsStatement,
  DBMS_COMPONENTS,
  indexStatement,
  KNOWN_LABELS,
  LIST_LABELS,
  LIST_RELATIONSHIP_TYPES,
  PROPERTY_INDEXES,
  SHOW_CONSTRAINTS,
  SHOW_INDEXES,
} from '../../../src/graph/neo4j/schema.js';
import { rowPerStatement, writeStatements, type Statement } from '../../../src/graph/neo4j/statements.js';
import { Neo4jGraphWriter } from '../../../src/graph/neo4j/writer.js';
import { tempDir } from '../../helpers.js';
import { BoltStandin } from '../../support/bolt-standin/index.js';
import { twoFragments } from '../helpers.js';
import { hostileFragment, realFragments } from './fixtures.js';

const schema: DbSchema = { functions: testData.mockSchema.functions, procedures: testData.mockSchema.procedures, parameters: { rows: [] } };

function errors(text: string): string[] {
  return lintCypherQuery(text, schema)
    .diagnostics.filter((d) => d.severity === 1)
    .map((d) => `${d.message} at ${d.offsets.start}`);
}

let fragments: GraphFragment[];
let standin: BoltStandin;
let conn: Connection;

beforeAll(async () => {
  fragments = [...(await realFragments()), hostileFragment(), ...twoFragments()];
  standin = await BoltStandin.start();
  conn = connect({ uri: standin.uri, user: standin.user, password: standin.password, database: undefined });
});

afterAll(async () => {
  await conn?.close();
  await standin?.close();
});

describe('every statement passes the Neo4j Cypher linter', () => {
  it('the linter does flag broken statements (so a pass means something)', () => {
    expect(errors('UNWIND $rows AS row MERGE (n:`Company` {key: row.key} SET n += row.props')).not.toEqual([]);
    expect(errors('MATCH (n:`Company`) RETURN cnt(n) AS count')).not.toEqual([]);
    expect(errors('CALL dbms.componentz() YIELD name RETURN name')).not.toEqual([]);
    expect(errors('CREATE INDEX `x` IF NOT EXISTS FOR (n:`Company`) ON (n.`cik`')).not.toEqual([]);
    expect(errors('UNWIND $rows AS row MERGE (n:`State` {key: row.key}) ON CREATE n += row.props')).not.toEqual([]);
    expect(errors('UNWIND $rows AS row MERGE (a)-[r:`X` {`p`: row.identity.`p`}]->(b) SET r += rows.props')).not.toEqual([]);
  });

  it('the builder over real filings and hostile names', () => {
    expect(fragments.length).toBeGreaterThan(20);
    const built = [...writeStatements(fragments), ...fragments.flatMap((f) => writeStatements([f], { batchRows: 7 }))];
    const texts = new Set(built.map((s) => s.text));
    expect([...texts].some((t) => t.includes('ON CREATE SET'))).toBe(true);
    // Real filings give many shapes: every label and most relationship types.
    expect(texts.size).toBeGreaterThan(15);
    for (const t of texts) expect(errors(t), t).toEqual([]);
    for (const t of new Set(rowPerStatement(built).map((s) => s.text))) expect(errors(t), t).toEqual([]);
  });

  it('schema and read statements: constraints, indexes, doctor, graph stats', () => {
    const labels = [...KNOWN_LABELS, 'We`ird Label', 'OFFICER_OF'];
    const statements: Statement[] = [
      ...KNOWN_LABELS.map(constraintStatement),
      ...PROPERTY_INDEXES.map(indexStatement),
      SHOW_CONSTRAINTS,
      SHOW_INDEXES,
      DBMS_COMPONENTS,
      LIST_LABELS,
      LIST_RELATIONSHIP_TYPES,
      ...labels.map(countNodesStatement),
      ...labels.map(countRelationshipsStatement),
    ];
    for (const s of statements) expect(errors(s.text), s.text).toEqual([]);
  });

  it('whatever the code sent the stand-in: writes, push, constraints, indexes, doctor, stats', async () => {
    const graphDir = tempDir('edgar-lint-');
    for (const f of fragments) writeFragment(graphDir, f);
    await verify(conn);
    await createConstraints(conn, KNOWN_LABELS);
    await createIndexes(conn);
    await listConstraints(conn);
    await listIndexes(conn);
    await serverVersion(conn);
    const writer = new Neo4jGraphWriter(conn, 50);
    await writer.write(fragments[0]!);
    const pushed = await pushFragments(writer, graphDir);
    expect(pushed.problems).toEqual([]);
    await databaseCounts(conn);
    expect(standin.statements.size).toBeGreaterThan(20);
    for (const t of standin.statements) expect(errors(t), t).toEqual([]);
    fs.rmSync(graphDir, { recursive: true, force: true });
  });
});
