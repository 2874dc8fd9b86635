/**
 * Schema and server checks run once per command (coordinate, doctor, graph stats), never
 * per job.
 */
import neo4j from 'neo4j-driver';
import type { Connection } from './connection.js';
import { toNeo4jError } from './errors.js';
import {
  constraintStatement,
  countNodesStatement,
  countRelationshipsStatement,
  DBMS_COMPONENTS,
  indexStatement,
  KNOWN_LABELS,
  missingIndexes,
  LIST_LABELS,
  LIST_RELATIONSHIP_TYPES,
  PROPERTY_INDEXES,
  SHOW_CONSTRAINTS,
  SHOW_INDEXES,
  type ConstraintInfo,
  type IndexInfo,
} from './schema.js';
import type { Statement } from './statements.js';

async function read<T>(conn: Connection, statements: readonly Statement[], map: (rows: Record<string, unknown>[][]) => T): Promise<T> {
  const session = conn.driver.session({ database: conn.target.database, defaultAccessMode: neo4j.session.READ });
  try {
    const results = await session.executeRead((tx) => Promise.all(statements.map((s) => tx.run(s.text, s.params))));
    return map(results.map((r) => r.records.map((rec) => rec.toObject() as Record<string, unknown>)));
  } catch (err) {
    throw toNeo4jError(err, conn.target, conn.password);
  } finally {
    await session.close().catch(() => undefined);
  }
}

export interface ServerVersion {
  name: string;
  version: string;
  edition: string;
}

export async function serverVersion(conn: Connection): Promise<ServerVersion> {
  return read(conn, [DBMS_COMPONENTS], ([rows]) => {
    const row = rows?.find((r) => r.name === 'Neo4j Kernel') ?? rows?.[0] ?? {};
    const versions = Array.isArray(row.versions) ? (row.versions as unknown[]).map(String) : [];
    return { name: String(row.name ?? 'Neo4j'), version: versions[0] ?? 'unknown', edition: String(row.edition ?? 'unknown') };
  });
}

export async function listConstraints(conn: Connection): Promise<ConstraintInfo[]> {
  return read(conn, [SHOW_CONSTRAINTS], ([rows]) =>
    (rows ?? []).map((r) => ({
      name: String(r.name),
      type: String(r.type),
      entityType: String(r.entityType),
      labelsOrTypes: Array.isArray(r.labelsOrTypes) ? (r.labelsOrTypes as unknown[]).map(String) : [],
      properties: Array.isArray(r.properties) ? (r.properties as unknown[]).map(String) : [],
    })),
  );
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export async function listIndexes(conn: Connection): Promise<IndexInfo[]> {
  return read(conn, [SHOW_INDEXES], ([rows]) =>
    // A LOOKUP index has null labelsOrTypes and properties: [] then.
    (rows ?? []).map((r) => ({ name: String(r.name), type: String(r.type), entityType: String(r.entityType), labelsOrTypes: strings(r.labelsOrTypes), properties: strings(r.properties) })),
  );
}

/**
 * One transaction per schema statement: a schema statement may not share a transaction
 * with anything else. IF NOT EXISTS makes it safe for two coordinators at once.
 */
async function runSchema(conn: Connection, statements: readonly Statement[], added: (updates: { constraintsAdded: number; indexesAdded: number }) => number): Promise<number> {
  const session = conn.driver.session({ database: conn.target.database, defaultAccessMode: neo4j.session.WRITE });
  let n = 0;
  try {
    for (const s of statements) {
      const result = await session.executeWrite((tx) => tx.run(s.text, s.params));
      n += added(result.summary.counters.updates());
    }
  } catch (err) {
    throw toNeo4jError(err, conn.target, conn.password);
  } finally {
    await session.close().catch(() => undefined);
  }
  return n;
}

export function createConstraints(conn: Connection, labels: readonly string[] = KNOWN_LABELS): Promise<number> {
  return runSchema(conn, labels.map(constraintStatement), (u) => u.constraintsAdded);
}

/**
 * The property indexes of PROPERTY_INDEXES that nothing covers yet. Those already covered
 * (by a user's index, or by a uniqueness constraint a user put on `cik`) are left out:
 * Neo4j refuses an index on a pair that a constraint's own index already serves.
 */
export async function createIndexes(conn: Connection, wanted: readonly { label: string; property: string }[] = PROPERTY_INDEXES): Promise<number> {
  const missing = missingIndexes(wanted, await listIndexes(conn));
  return runSchema(conn, missing.map(indexStatement), (u) => u.indexesAdded);
}

export interface DatabaseCounts {
  nodes: Record<string, number>;
  relationships: Record<string, number>;
  totalNodes: number;
  totalRelationships: number;
}

/** Nodes per label and relationships per type, from Neo4j's count store. */
export async function databaseCounts(conn: Connection): Promise<DatabaseCounts> {
  const [labels, types] = await read(conn, [LIST_LABELS, LIST_RELATIONSHIP_TYPES], ([l, t]) => [
    (l ?? []).map((r) => String(r.label)).sort(),
    (t ?? []).map((r) => String(r.relationshipType)).sort(),
  ]);
  const counts = await read(conn, [...labels.map(countNodesStatement), ...types.map(countRelationshipsStatement)], (rows) =>
    rows.map((r) => Number(r[0]?.count ?? 0)),
  );
  const nodes: Record<string, number> = {};
  const relationships: Record<string, number> = {};
  // A label or type stays listed after its last node is deleted: leave those out.
  labels.forEach((l, i) => counts[i]! > 0 && (nodes[l] = counts[i]!));
  types.forEach((t, i) => counts[labels.length + i]! > 0 && (relationships[t] = counts[labels.length + i]!));
  const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
  return { nodes, relationships, totalNodes: sum(nodes), totalRelationships: sum(relationships) };
}
