/**
 * The schema side: the uniqueness constraints that back every MERGE, and the read-only
 * statements of `doctor` and `graph stats`. Constraints are created once, by `coordinate`,
 * `load-graph` and `doctor --create-constraints`, never by a worker per job: schema
 * statements take exclusive locks and cannot share a transaction with writes.
 *
 * A node MERGE without a constraint on its key is a label scan per row, and under
 * concurrent writers it can create the same node twice (MERGE guarantees existence, not
 * uniqueness). So every label the project writes is listed here, in one place. A label
 * added by an extractor must be added to KNOWN_LABELS too; until then writes still work,
 * slower and without the uniqueness guarantee, and `edgar doctor` names the label.
 */
import { identifier, quoteAny } from './names.js';
import type { Statement } from './statements.js';

export const KNOWN_LABELS: readonly string[] = ['Filing', 'Company', 'Person', 'Address', 'State', 'Industry', 'FormerName'];

/** Stable names, so `doctor` can tell our constraints from anyone else's. */
export function constraintName(label: string): string {
  identifier('label', label);
  return `edgar_${label}_key`;
}

export function constraintStatement(label: string): Statement {
  return {
    text: `CREATE CONSTRAINT ${identifier('constraint', constraintName(label))} IF NOT EXISTS FOR (n:${identifier('label', label)}) REQUIRE n.key IS UNIQUE`,
    params: {},
    rows: 0,
  };
}

/**
 * Property indexes for the lookups users write: `Company {cik}`, `Company {name}`,
 * `Person {name}`, `Filing {accession}`, `Industry {sic}`, `State {code}` (README's
 * queries). The key constraints index `key` only, and a user does not query by `key`.
 * Created with the constraints, by the same commands, never by a worker.
 */
export const PROPERTY_INDEXES: readonly { label: string; property: string }[] = [
  { label: 'Company', property: 'cik' },
  { label: 'Company', property: 'name' },
  { label: 'Person', property: 'cik' },
  { label: 'Person', property: 'name' },
  { label: 'Filing', property: 'accession' },
  { label: 'Industry', property: 'sic' },
  { label: 'State', property: 'code' },
];

export function indexName(label: string, property: string): string {
  identifier('label', label);
  identifier('property', property);
  return `edgar_${label}_${property}`;
}

/** A RANGE index (Neo4j 5's default): equality, ranges and prefixes on any value type. */
export function indexStatement(ix: { label: string; property: string }): Statement {
  return {
    text: `CREATE INDEX ${identifier('index', indexName(ix.label, ix.property))} IF NOT EXISTS FOR (n:${identifier('label', ix.label)}) ON (n.${identifier('property', ix.property)})`,
    params: {},
    rows: 0,
  };
}

export const SHOW_INDEXES: Statement = {
  text: 'SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, properties\nRETURN name, type, entityType, labelsOrTypes, properties',
  params: {},
  rows: 0,
};

export interface IndexInfo {
  name: string;
  type: string;
  entityType: string;
  labelsOrTypes: string[];
  properties: string[];
}

/**
 * The wanted indexes that nothing covers. Any single-property node index on the pair
 * counts (ours, a user's, or the one a uniqueness constraint owns), except kinds that do
 * not serve equality on any value (LOOKUP, FULLTEXT, VECTOR, POINT).
 */
export function missingIndexes(wanted: readonly { label: string; property: string }[], indexes: readonly IndexInfo[]): { label: string; property: string }[] {
  const covered = new Set(
    indexes
      .filter((i) => i.entityType === 'NODE' && !/LOOKUP|FULLTEXT|VECTOR|POINT/.test(i.type) && i.properties.length === 1 && i.labelsOrTypes.length === 1)
      .map((i) => `${i.labelsOrTypes[0]}\u0000${i.properties[0]}`),
  );
  return wanted.filter((w) => !covered.has(`${w.label}\u0000${w.property}`));
}

export const SHOW_CONSTRAINTS: Statement = {
  text: 'SHOW CONSTRAINTS YIELD name, type, entityType, labelsOrTypes, properties\nRETURN name, type, entityType, labelsOrTypes, properties',
  params: {},
  rows: 0,
};

export const DBMS_COMPONENTS: Statement = {
  text: 'CALL dbms.components() YIELD name, versions, edition\nRETURN name, versions, edition',
  params: {},
  rows: 0,
};

export const LIST_LABELS: Statement = { text: 'CALL db.labels() YIELD label\nRETURN label', params: {}, rows: 0 };

export const LIST_RELATIONSHIP_TYPES: Statement = {
  text: 'CALL db.relationshipTypes() YIELD relationshipType\nRETURN relationshipType',
  params: {},
  rows: 0,
};

/**
 * Counts by label and by type come from Neo4j's count store (a lookup, not a scan) only
 * in this exact form, with the label or type in the pattern: hence one statement each.
 * The names are read back from the database, so they are quoted, not validated.
 */
export function countNodesStatement(label: string): Statement {
  return { text: `MATCH (n:${quoteAny(label)})\nRETURN count(n) AS count`, params: {}, rows: 0 };
}

export function countRelationshipsStatement(type: string): Statement {
  return { text: `MATCH ()-[r:${quoteAny(type)}]->()\nRETURN count(r) AS count`, params: {}, rows: 0 };
}

export interface ConstraintInfo {
  name: string;
  type: string;
  entityType: string;
  labelsOrTypes: string[];
  properties: string[];
}

/** Labels among `labels` with no uniqueness constraint on `key` (ours or anyone's). */
export function labelsWithoutKeyConstraint(labels: readonly string[], constraints: readonly ConstraintInfo[]): string[] {
  const covered = new Set(
    constraints
      .filter((c) => c.entityType === 'NODE' && /UNIQUENESS|NODE_KEY/.test(c.type) && c.properties.length === 1 && c.properties[0] === 'key')
      .flatMap((c) => c.labelsOrTypes),
  );
  return labels.filter((l) => !covered.has(l));
}
