import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { columnType, csvQuote, exportCsv } from '../../src/graph/export-csv.js';
import { MergedGraph } from '../../src/graph/merge.js';
import { tempDir } from '../helpers.js';
import { parseCsv, TRICKY_NAME, twoFragments } from './helpers.js';

function exported() {
  const graph = new MergedGraph();
  for (const f of twoFragments()) graph.add(f);
  const out = tempDir();
  return { result: exportCsv(graph, out), out, read: (name: string) => fs.readFileSync(path.join(out, name), 'utf8') };
}

describe('CSV export for neo4j-admin database import', () => {
  it('one nodes file per label and one relationships file per (type, start label, end label), with exact headers', () => {
    const { result, read } = exported();
    expect(result.nodeFiles).toEqual(['nodes_Company.csv', 'nodes_Filing.csv', 'nodes_Person.csv', 'nodes_State.csv']);
    expect(result.relationshipFiles).toEqual([
      'relationships_FILED_Company_Filing.csv',
      'relationships_FILED_Person_Filing.csv',
      'relationships_INCORPORATED_IN_Company_State.csv',
      'relationships_MENTIONED_IN_Company_Filing.csv',
      'relationships_REPORTS_ON_Person_Company.csv',
    ]);
    const headerOf = (name: string) => read(name).split('\n')[0];
    expect(headerOf('nodes_Company.csv')).toBe('key:ID(Company),cik,name,sic,:LABEL');
    expect(headerOf('nodes_Filing.csv')).toBe('key:ID(Filing),accession,filedAt,formType,items:string[],publicDocumentCount:long,:LABEL');
    expect(headerOf('nodes_Person.csv')).toBe('key:ID(Person),name,:LABEL');
    expect(headerOf('relationships_FILED_Company_Filing.csv')).toBe(':START_ID(Company),:END_ID(Filing),accession,role,:TYPE');
    expect(headerOf('relationships_REPORTS_ON_Person_Company.csv')).toBe(':START_ID(Person),:END_ID(Company),accession,role,title,:TYPE');
    expect(result.nodes).toBe(5);
    expect(result.relationships).toBe(8);
  });

  it('a value with quotes, commas, newlines and unicode round-trips through a CSV reader', () => {
    const { read } = exported();
    const rows = parseCsv(read('nodes_Person.csv'));
    expect(rows).toEqual([
      ['key:ID(Person)', 'name', ':LABEL'],
      ['9100000001', TRICKY_NAME, 'Person'],
    ]);
    const reports = parseCsv(read('relationships_REPORTS_ON_Person_Company.csv'));
    expect(reports[1]).toEqual(['9100000001', '9000000001', '9999999999-10-000001', 'Officer', 'Chief "Everything" Officer', 'REPORTS_ON']);
  });

  it('arrays use ";" unless an element holds one; the command names the delimiter used', () => {
    const { read, result } = exported();
    const filing = parseCsv(read('nodes_Filing.csv'))[1]!;
    // "A; B" holds a ";", so "|" is the delimiter this time.
    expect(filing[4]).toBe('A; B|C');
    expect(result.command).toContain("--array-delimiter='|'");
    const graph = new MergedGraph();
    graph.add({ filing: { accession: 'x', formType: '8-K' }, nodes: [{ label: 'Filing', key: 'x', props: { items: ['One', 'Two'] } }], relationships: [] });
    const out = tempDir();
    const plain = exportCsv(graph, out);
    expect(plain.command).toContain("--array-delimiter=';'");
    expect(parseCsv(fs.readFileSync(path.join(out, 'nodes_Filing.csv'), 'utf8'))[1]).toEqual(['x', 'One;Two', 'Filing']);
  });

  it('import.sh holds the exact neo4j-admin command over every file', () => {
    const { result, read } = exported();
    const script = read('import.sh');
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(fs.statSync(result.script).mode & 0o111).not.toBe(0);
    expect(result.command).toBe(
      'neo4j-admin database import full --id-type=string --multiline-fields=true --array-delimiter=\'|\' ' +
        result.nodeFiles.map((f) => `--nodes=${f}`).join(' ') +
        ' ' +
        result.relationshipFiles.map((f) => `--relationships=${f}`).join(' ') +
        ' neo4j',
    );
    const joined = script.replace(/ \\\n {2}/g, ' ');
    expect(joined).toContain(result.command.replace(/ neo4j$/, ' "${1:-neo4j}"'));
  });

  it('types columns from their values', () => {
    expect(columnType([1, 2])).toBe('long');
    expect(columnType([1, 2.5])).toBe('double');
    expect(columnType([true, false])).toBe('boolean');
    expect(columnType(['a', 1])).toBe('string');
    expect(columnType([['a'], 'b'])).toBe('string[]');
    expect(csvQuote('a"b')).toBe('"a""b"');
  });

  it('leaves out relationships whose end node is in no fragment, and says how many', () => {
    const graph = new MergedGraph();
    graph.add({
      filing: { accession: 'x', formType: '8-K' },
      nodes: [{ label: 'Filing', key: 'x', props: {} }],
      relationships: [{ type: 'FILED', from: { label: 'Company', key: 'ghost' }, to: { label: 'Filing', key: 'x' }, props: {} }],
    });
    const result = exportCsv(graph, tempDir());
    expect(result.relationships).toBe(0);
    expect(result.danglingRelationships).toBe(1);
    expect(result.relationshipFiles).toEqual([]);
  });
});
