/**
 * CSV for `neo4j-admin database import full`: one nodes file per label, one relationships
 * file per (type, start label, end label), and import.sh with the exact command.
 *
 * Header format (Neo4j 5 import tool): `key:ID(<Label>)` gives each label its own id space
 * (a CIK key of a Company and a Person must not clash) and stores the id as property `key`,
 * as a MERGE-based load would; typed columns (`:long`, `:double`, `:boolean`,
 * `:string[]`); `:LABEL` and `:TYPE` columns. Every string is quoted with `"` doubled;
 * values may hold commas, quotes and newlines, hence `--multiline-fields=true`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AtomicFile } from './atomic-file.js';
import { groupBy } from './group.js';
import { nodeId, type GraphNode, type GraphRelationship, type PropValue } from './fragment.js';
import type { MergedGraph } from './merge.js';

export type ColumnType = 'string' | 'long' | 'double' | 'boolean' | 'string[]';

/** Array delimiters tried in order: the default `;` unless some array element holds it. */
const ARRAY_DELIMITERS: ReadonlyArray<readonly [string, string]> = [
  [';', ';'],
  ['|', '|'],
  ['^', '^'],
  ['~', '~'],
  ['\u001f', 'U+001F'],
];

/** Property names the header can carry as they are: no `:`, `,`, quote or blank to escape. */
const SAFE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface CsvExport {
  outDir: string;
  nodeFiles: string[];
  relationshipFiles: string[];
  script: string;
  command: string;
  nodes: number;
  relationships: number;
  /** Relationships left out because an end node is in no fragment. */
  danglingRelationships: number;
  /** Property names left out because a CSV header cannot spell them. */
  skippedProperties: string[];
}

/** A CSV field: quoted, `"` doubled. */
export function csvQuote(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

export function columnType(values: readonly PropValue[]): ColumnType {
  if (values.some(Array.isArray)) return 'string[]';
  if (values.length > 0 && values.every((v) => typeof v === 'boolean')) return 'boolean';
  if (values.length > 0 && values.every((v) => typeof v === 'number')) {
    return values.every((v) => Number.isSafeInteger(v)) ? 'long' : 'double';
  }
  return 'string';
}

function csvValue(value: PropValue | undefined, type: ColumnType, arrayDelimiter: string): string {
  if (value === undefined) return '';
  switch (type) {
    case 'string[]':
      return csvQuote((Array.isArray(value) ? value : [String(value)]).join(arrayDelimiter));
    case 'long':
    case 'double':
    case 'boolean':
      return String(value);
    case 'string':
      return csvQuote(String(value));
  }
}

function header(name: string, type: ColumnType): string {
  return type === 'string' ? name : `${name}:${type}`;
}

/** A file-name (and id-space) safe spelling of a label or type. */
function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

interface Columns {
  names: string[];
  types: Map<string, ColumnType>;
}

function columnsOf(items: ReadonlyArray<{ props: Record<string, PropValue> }>, reserved: readonly string[], skipped: Set<string>): Columns {
  const values = new Map<string, PropValue[]>();
  for (const item of items) {
    for (const [name, value] of Object.entries(item.props)) {
      if (reserved.includes(name)) continue;
      if (!SAFE_NAME.test(name)) {
        skipped.add(name);
        continue;
      }
      let list = values.get(name);
      if (list === undefined) values.set(name, (list = []));
      list.push(value);
    }
  }
  const names = [...values.keys()].sort();
  return { names, types: new Map(names.map((n) => [n, columnType(values.get(n)!)])) };
}

export function chooseArrayDelimiter(graph: MergedGraph): readonly [string, string] {
  const elements: string[] = [];
  const collect = (props: Record<string, PropValue>): void => {
    for (const v of Object.values(props)) if (Array.isArray(v)) elements.push(...v);
  };
  for (const n of graph.nodes.values()) collect(n.props);
  for (const r of graph.relationships.values()) collect(r.props);
  return ARRAY_DELIMITERS.find(([c]) => !elements.some((e) => e.includes(c))) ?? ARRAY_DELIMITERS[ARRAY_DELIMITERS.length - 1]!;
}

export function exportCsv(graph: MergedGraph, outDir: string): CsvExport {
  fs.mkdirSync(outDir, { recursive: true });
  const [delimiter, delimiterArg] = chooseArrayDelimiter(graph);
  const skipped = new Set<string>();
  const used = new Set<string>();
  const fileName = (base: string): string => {
    let name = `${base}.csv`;
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base}_${i}.csv`;
    used.add(name.toLowerCase());
    return name;
  };

  const byLabel = group([...graph.nodes.values()], (n) => n.label);
  const nodeFiles: string[] = [];
  for (const [label, nodes] of byLabel) {
    const name = fileName(`nodes_${safe(label)}`);
    writeNodes(path.join(outDir, name), label, nodes, delimiter, skipped);
    nodeFiles.push(name);
  }

  // neo4j-admin stops on a relationship whose end node is in no file; such a relationship
  // (a fragment edited by hand, or from an older extractor) is counted and left out.
  const attached = [...graph.relationships.values()].filter((r) => graph.nodes.has(nodeId(r.from)) && graph.nodes.has(nodeId(r.to)));
  const byEnds = group(attached, (r) => `${r.type}\u0000${r.from.label}\u0000${r.to.label}`);
  const relationshipFiles: string[] = [];
  for (const rels of byEnds.values()) {
    const first = rels[0]!;
    const name = fileName(`relationships_${safe(first.type)}_${safe(first.from.label)}_${safe(first.to.label)}`);
    writeRelationships(path.join(outDir, name), rels, delimiter, skipped);
    relationshipFiles.push(name);
  }

  const args = importArguments(nodeFiles, relationshipFiles, delimiterArg);
  const command = ['neo4j-admin database import full', ...args, 'neo4j'].join(' ');
  const script = path.join(outDir, 'import.sh');
  const sh = new AtomicFile(script, 0o755);
  sh.line('#!/bin/sh');
  sh.line('# Written by `edgar graph export --format csv`. Loads these CSV files into a new, empty');
  sh.line('# Neo4j database (neo4j-admin database import full refuses or overwrites an existing one).');
  sh.line('# Stop the database first, then: sh import.sh [database]   (default database: neo4j)');
  sh.line('# Then create the key constraints: the first statements of `edgar graph export --format cypher`.');
  sh.line('set -e');
  sh.line('cd "$(dirname "$0")"');
  sh.line(['neo4j-admin database import full', ...args, '"${1:-neo4j}"'].join(' \\\n  '));
  sh.commit();

  return {
    outDir,
    nodeFiles,
    relationshipFiles,
    script,
    command,
    nodes: graph.nodes.size,
    relationships: attached.length,
    danglingRelationships: graph.relationships.size - attached.length,
    skippedProperties: [...skipped].sort(),
  };
}

/** The options of the import command, run from the export folder. */
export function importArguments(nodeFiles: readonly string[], relationshipFiles: readonly string[], arrayDelimiterArg = ';'): string[] {
  return [
    '--id-type=string',
    '--multiline-fields=true',
    `--array-delimiter='${arrayDelimiterArg}'`,
    ...nodeFiles.map((f) => `--nodes=${f}`),
    ...relationshipFiles.map((f) => `--relationships=${f}`),
  ];
}

function writeNodes(file: string, label: string, nodes: readonly GraphNode[], delimiter: string, skipped: Set<string>): void {
  // `key` is the id column: a property of that name would be a second, conflicting `key`.
  const { names, types } = columnsOf(nodes, ['key'], skipped);
  const out = new AtomicFile(file);
  try {
    out.line([`key:ID(${safe(label)})`, ...names.map((n) => header(n, types.get(n)!)), ':LABEL'].join(','));
    for (const node of nodes) {
      const cells = names.map((n) => csvValue(node.props[n], types.get(n)!, delimiter));
      out.line([csvQuote(node.key), ...cells, csvQuote(label)].join(','));
    }
    out.commit();
  } catch (err) {
    out.abort();
    throw err;
  }
}

function writeRelationships(file: string, rels: readonly GraphRelationship[], delimiter: string, skipped: Set<string>): void {
  const { names, types } = columnsOf(rels, [], skipped);
  const first = rels[0]!;
  const out = new AtomicFile(file);
  try {
    out.line([`:START_ID(${safe(first.from.label)})`, `:END_ID(${safe(first.to.label)})`, ...names.map((n) => header(n, types.get(n)!)), ':TYPE'].join(','));
    for (const rel of rels) {
      const cells = names.map((n) => csvValue(rel.props[n], types.get(n)!, delimiter));
      out.line([csvQuote(rel.from.key), csvQuote(rel.to.key), ...cells, csvQuote(rel.type)].join(','));
    }
    out.commit();
  } catch (err) {
    out.abort();
    throw err;
  }
}

/** Groups sorted by name, for stable file lists. */
function group<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  return new Map([...groupBy(items, key).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
