import neo4j from 'neo4j-driver';
import { describe, expect, it } from 'vitest';
import type { GraphFragment } from '../../../src/graph/fragment.js';
import { relationshipId } from '../../../src/graph/fragment.js';
import { identifier, InvalidGraphKeyError, InvalidGraphNameError } from '../../../src/graph/neo4j/names.js';
import { isPermanent } from '../../../src/queue/errors.js';
import { constraintStatement, countNodesStatement, KNOWN_LABELS, labelsWithoutKeyConstraint } from '../../../src/graph/neo4j/schema.js';
import { rowPerStatement, toParams, writeStatements, type NodeRow, type RelationshipRow } from '../../../src/graph/neo4j/statements.js';
import { twoFragments } from '../helpers.js';
import { HOSTILE_VALUES, hostileFragment } from './fixtures.js';

const rowsOf = <T>(s: { params: Record<string, unknown> }): T[] => s.params.rows as T[];

describe('statement builder', () => {
  it('writes nodes first, one statement per label, then one per relationship shape, each in name order', () => {
    const [a] = twoFragments();
    const st = writeStatements([a]);
    const labels = st.map((s) => /MERGE \(n:`(\w+)`/.exec(s.text)?.[1]).filter(Boolean);
    expect(labels).toEqual(['Company', 'Filing', 'Person', 'State']);
    const firstRel = st.findIndex((s) => s.text.includes('-[r:'));
    expect(firstRel).toBe(4);
    expect(st.slice(firstRel).every((s) => s.text.includes('-[r:'))).toBe(true);
    // FILED from Company and from Person are two shapes (their endpoint labels differ).
    expect(st.filter((s) => s.text.includes('[r:`FILED`')).map((s) => /MERGE \(a:`(\w+)`/.exec(s.text)![1])).toEqual(['Company', 'Person']);
  });

  it('batches rows: no statement above the limit, every row exactly once', () => {
    const f: GraphFragment = {
      filing: { accession: 'a-1', formType: '10-K' },
      nodes: Array.from({ length: 2503 }, (_, i) => ({ label: 'Company', key: `c${i}`, props: { name: `C ${i}` } })),
      relationships: [],
    };
    const st = writeStatements([f], { batchRows: 1000 });
    expect(st.map((s) => s.rows)).toEqual([1000, 1000, 503]);
    expect(new Set(st.map((s) => s.text)).size).toBe(1);
    expect(st.flatMap((s) => rowsOf<NodeRow>(s).map((r) => r.key)).sort()).toEqual(f.nodes.map((n) => n.key).sort());
    expect(() => writeStatements([f], { batchRows: 0 })).toThrow(RangeError);
  });

  it('shapes parameters: {key, props} for nodes, {from, to, identity, props} for relationships', () => {
    const [a] = twoFragments();
    const st = writeStatements([a]);
    const filing = rowsOf<NodeRow>(st.find((s) => s.text.includes('(n:`Filing`'))!)[0]!;
    expect(filing.key).toBe('9999999999-10-000001');
    expect(Object.keys(filing.props).sort()).toEqual(['accession', 'filedAt', 'formType', 'items', 'publicDocumentCount']);
    // A whole number goes as a Cypher INTEGER, not a FLOAT.
    expect(neo4j.isInt(filing.props.publicDocumentCount)).toBe(true);
    expect(String(filing.props.publicDocumentCount)).toBe('5');
    const filed = st.find((s) => s.text.includes('[r:`FILED` {`role`: row.identity.`role`}]'))!;
    expect(rowsOf<RelationshipRow>(filed)[0]).toEqual({ from: '9000000001', to: '9999999999-10-000001', identity: { role: 'FILER' }, props: { accession: '9999999999-10-000001' } });
    const reportsOn = st.find((s) => s.text.includes('`REPORTS_ON`'))!;
    // No identity properties for REPORTS_ON: everything is in props, and the MERGE has no map.
    expect(reportsOn.text).toContain('MERGE (a)-[r:`REPORTS_ON`]->(b)');
    expect(rowsOf<RelationshipRow>(reportsOn)[0]!.props).toEqual({ role: 'Officer', title: 'Chief "Everything" Officer', accession: '9999999999-10-000001' });
  });

  it('merges the same node across fragments: known values kept, missing ones never sent', () => {
    const f1: GraphFragment = { filing: { accession: 'a-1', formType: '10-K' }, nodes: [{ label: 'Company', key: 'k', props: { name: 'ACME', sic: '3571' } }], relationships: [] };
    const f2: GraphFragment = { filing: { accession: 'a-2', formType: '10-K' }, nodes: [{ label: 'Company', key: 'k', props: { name: 'ACME INC', sic: '', irsNumber: '12' } }], relationships: [] };
    const st = writeStatements([f1, f2]);
    expect(st).toHaveLength(1);
    expect(rowsOf<NodeRow>(st[0]!)).toEqual([{ key: 'k', props: { name: 'ACME INC', sic: '3571', irsNumber: '12' } }]);
  });

  it('drops values Neo4j would store as nothing or refuse: empty, NaN, nulls, nested maps', () => {
    const p = toParams({ a: '', b: Number.NaN, c: null, d: { x: 1 }, e: [], f: ['x', null, ''], g: false, h: 1.5, key: 'k' }, ['key']);
    expect(p).toEqual({ f: ['x'], g: false, h: 1.5 });
    // A null in `SET n += $map` would delete the property: never one in a row.
    const st = writeStatements([hostileFragment()]);
    const all = JSON.stringify(st.map((s) => s.params), (_k, v) => (neo4j.isInt(v) ? Number(v) : v));
    expect(all).not.toContain('null');
  });

  it('takes locks in one global order: statements by label and shape, rows by key, whatever the fragments\' order', () => {
    // Two workers writing overlapping fragments must lock shared nodes (State DE, a parent
    // company) in the same order, or they deadlock: the statements must not depend on the
    // order in which the fragments, or their nodes, happen to list things.
    const make = (reverse: boolean): GraphFragment[] => {
      const fs_ = ['a-1', 'a-2', 'a-3'].map((acc, i): GraphFragment => ({
        filing: { accession: acc, formType: '10-K' },
        nodes: [
          { label: 'State', key: i === 1 ? 'NY' : 'DE', props: { code: i === 1 ? 'NY' : 'DE' } },
          { label: 'Company', key: `c${3 - i}`, props: { name: `C${i}` } },
          { label: 'Company', key: 'shared', props: { name: 'SHARED' } },
          { label: 'Filing', key: acc, props: { accession: acc } },
        ],
        relationships: [
          { type: 'INCORPORATED_IN', from: { label: 'Company', key: `c${3 - i}` }, to: { label: 'State', key: i === 1 ? 'NY' : 'DE' }, props: { accession: acc } },
          { type: 'FILED', from: { label: 'Company', key: 'shared' }, to: { label: 'Filing', key: acc }, props: { role: 'FILER', accession: acc } },
          { type: 'FILED', from: { label: 'Company', key: `c${3 - i}` }, to: { label: 'Filing', key: acc }, props: { role: 'FILER', accession: acc } },
        ],
      }));
      if (!reverse) return fs_;
      return fs_.reverse().map((f) => ({ ...f, nodes: [...f.nodes].reverse(), relationships: [...f.relationships].reverse() }));
    };
    const texts = (st: ReturnType<typeof writeStatements>) => st.map((s) => s.text);
    const keys = (st: ReturnType<typeof writeStatements>) => st.map((s) => rowsOf<NodeRow & RelationshipRow>(s).map((r) => r.key ?? `${r.from}>${r.to}:${JSON.stringify(r.identity)}`));
    const one = writeStatements(make(false), { batchRows: 2 });
    const other = writeStatements(make(true), { batchRows: 2 });
    expect(texts(other)).toEqual(texts(one));
    expect(keys(other)).toEqual(keys(one));
    expect(keys(one).slice(0, 2)).toEqual([['c1', 'c2'], ['c3', 'shared']]);
    // Relationship shapes by type, then endpoint labels: FILED before INCORPORATED_IN.
    expect(one.filter((s) => s.text.includes('-[r:')).map((s) => /\[r:`(\w+)`/.exec(s.text)![1])).toEqual(['FILED', 'FILED', 'FILED', 'INCORPORATED_IN', 'INCORPORATED_IN']);
  });

  it('leaves a State alone once it exists (its one property is its key), and sets every other label', () => {
    const st = writeStatements(twoFragments());
    expect(st.find((s) => s.text.includes('(n:`State`'))!.text).toBe('UNWIND $rows AS row\nMERGE (n:`State` {key: row.key})\nON CREATE SET n += row.props');
    for (const s of st.filter((x) => x.text.startsWith('UNWIND $rows AS row\nMERGE (n:') && !x.text.includes('`State`'))) expect(s.text).toMatch(/\nSET n \+= row\.props$/);
  });

  it('an empty node key is a permanent error, not a retry', () => {
    for (const bad of [
      { nodes: [{ label: 'Company', key: '', props: { name: '***' } }], relationships: [] },
      { nodes: [], relationships: [{ type: 'HAS_SUBSIDIARY', from: { label: 'Company', key: 'p' }, to: { label: 'Company', key: '' }, props: {} }] },
    ]) {
      const err = (() => {
        try {
          writeStatements([{ filing: { accession: 'a', formType: 'X' }, ...bad }]);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(InvalidGraphKeyError);
      expect(isPermanent(err)).toBe(true);
      expect((err as Error).message).toMatch(/a Company node has no key/);
    }
  });

  it('a relationship missing an identity property MERGEs on \'\' for it, as relationshipId counts it, in the same statement', () => {
    const f: GraphFragment = {
      filing: { accession: 'a-1', formType: '10-K' },
      nodes: [
        { label: 'Company', key: 'c', props: {} },
        { label: 'Address', key: 'x', props: {} },
      ],
      relationships: [
        { type: 'LOCATED_AT', from: { label: 'Company', key: 'c' }, to: { label: 'Address', key: 'x' }, props: { type: 'business', accession: 'a-1' } },
        { type: 'LOCATED_AT', from: { label: 'Company', key: 'c' }, to: { label: 'Address', key: 'x' }, props: { accession: 'a-1' } },
      ],
    };
    const rels = writeStatements([f]).filter((s) => s.text.includes('LOCATED_AT'));
    expect(rels).toHaveLength(1);
    expect(rels[0]!.text).toContain('MERGE (a)-[r:`LOCATED_AT` {`type`: row.identity.`type`}]->(b)');
    expect(rowsOf<RelationshipRow>(rels[0]!).map((r) => r.identity)).toEqual([{ type: '' }, { type: 'business' }]);
    // Two relationships, as the file store keeps them.
    expect(new Set(f.relationships.map((r) => relationshipId(r))).size).toBe(2);
  });

  it('keeps hostile values out of the text: quotes, backticks, braces, $ and newlines stay parameters', () => {
    const st = writeStatements([hostileFragment()]);
    const text = st.map((s) => s.text).join('\n');
    // Each value is absent from the text ...
    for (const v of HOSTILE_VALUES) expect(text).not.toContain(v);
    expect(text).not.toMatch(/DETACH|DELETE|Evil|O'Brien|RETURN 1/);
    // ... and present, byte for byte, in the parameters.
    const params = JSON.stringify(st.map((s) => s.params), (_k, v) => (neo4j.isInt(v) ? Number(v) : v));
    for (const v of HOSTILE_VALUES) expect(params).toContain(JSON.stringify(v).slice(1, -1));
    // The text depends on the shape only: the same fragment with other values gives the same text.
    const other = hostileFragment('9999999999-10-000777');
    other.nodes.forEach((n, i) => (n.key = `${n.label}-${i}`));
    other.relationships.forEach((r) => ((r.from.key = other.nodes.find((n) => n.label === r.from.label)!.key), (r.to.key = other.nodes.find((n) => n.label === r.to.label)!.key)));
    expect(new Set(writeStatements([other]).map((s) => s.text))).toEqual(new Set(st.map((s) => s.text)));
  });

  it('refuses labels, types and property names that are not plain identifiers', () => {
    const bad = ['Company`) DETACH DELETE n //', 'Has Space', '1Leading', '', 'Ünïcode', 'a'.repeat(200), 'x$y', 'x{y}', 'x\ny'];
    for (const name of bad) {
      expect(() => identifier('label', name)).toThrow(InvalidGraphNameError);
      const f: GraphFragment = { filing: { accession: 'a', formType: 'X' }, nodes: [{ label: name, key: 'k', props: {} }], relationships: [] };
      expect(() => writeStatements([f])).toThrow(InvalidGraphNameError);
      const prop: GraphFragment = { filing: { accession: 'a', formType: 'X' }, nodes: [{ label: 'Company', key: 'k', props: { [name]: 'v' } }], relationships: [] };
      expect(() => writeStatements([prop])).toThrow(InvalidGraphNameError);
      const type: GraphFragment = {
        filing: { accession: 'a', formType: 'X' },
        nodes: [{ label: 'Company', key: 'k', props: {} }],
        relationships: [{ type: name, from: { label: 'Company', key: 'k' }, to: { label: 'Company', key: 'k' }, props: {} }],
      };
      expect(() => writeStatements([type])).toThrow(InvalidGraphNameError);
    }
    expect(identifier('label', 'MATCH')).toBe('`MATCH`');
    expect(new InvalidGraphNameError('x').permanent).toBe(true);
  });

  it('quotes names read back from the database, however odd', () => {
    expect(countNodesStatement('We`ird Label').text).toBe('MATCH (n:`We``ird Label`)\nRETURN count(n) AS count');
  });

  it('names one constraint per known label and spots the labels left without one', () => {
    expect(constraintStatement('Company').text).toBe('CREATE CONSTRAINT `edgar_Company_key` IF NOT EXISTS FOR (n:`Company`) REQUIRE n.key IS UNIQUE');
    const have = [{ name: 'x', type: 'UNIQUENESS', entityType: 'NODE', labelsOrTypes: ['Company'], properties: ['key'] }];
    expect(labelsWithoutKeyConstraint(['Company', 'Filing'], have)).toEqual(['Filing']);
    expect(labelsWithoutKeyConstraint(KNOWN_LABELS, [])).toEqual([...KNOWN_LABELS]);
  });

  it('gives the benchmark baseline the same rows, one per statement', () => {
    const st = writeStatements(twoFragments());
    const one = rowPerStatement(st);
    expect(one.every((s) => s.rows === 1)).toBe(true);
    expect(one.length).toBe(st.reduce((n, s) => n + s.rows, 0));
  });
});
