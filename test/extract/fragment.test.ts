import { describe, expect, it } from 'vitest';
import { FragmentBuilder } from '../../src/graph/fragment.js';

describe('FragmentBuilder', () => {
  const filing = { accession: '0000000001-24-000001', formType: '10-K', filedAt: '2024-01-02', period: undefined };

  it('merges a node seen twice without losing a known value to a missing one', () => {
    const graph = new FragmentBuilder(filing);
    graph.node('Company', '0000000042', { name: 'ACME CORP', sic: '3571', irsNumber: undefined });
    graph.node('Company', '0000000042', { name: 'ACME CORP', sic: undefined, irsNumber: '123', fiscalYearEnd: '' });
    const fragment = graph.build();
    expect(fragment.nodes.filter((n) => n.label === 'Company')).toEqual([
      { label: 'Company', key: '0000000042', props: { name: 'ACME CORP', sic: '3571', irsNumber: '123' } },
    ]);
    expect(fragment.filing).toEqual({ accession: '0000000001-24-000001', formType: '10-K', filedAt: '2024-01-02' });
  });

  it('dedupes relationships by type, ends and identity props, and stamps provenance', () => {
    const graph = new FragmentBuilder(filing);
    const company = graph.node('Company', '0000000042', { name: 'ACME CORP' });
    const state = graph.node('State', 'DE', { code: 'DE' });
    graph.relationship('INCORPORATED_IN', company, state);
    graph.relationship('INCORPORATED_IN', company, state, { note: 'again' });
    graph.relationship('FILED', company, graph.filingRef, { role: 'FILER' });
    graph.relationship('FILED', company, graph.filingRef, { role: 'SUBJECT COMPANY' });
    graph.relationship('FILED', company, graph.filingRef, { role: 'FILER' });
    const fragment = graph.build();
    expect(fragment.relationships.map((r) => [r.type, r.from.key, r.to.key, r.props])).toEqual([
      ['INCORPORATED_IN', '0000000042', 'DE', { accession: filing.accession, note: 'again' }],
      ['FILED', '0000000042', filing.accession, { role: 'FILER', accession: filing.accession }],
      ['FILED', '0000000042', filing.accession, { role: 'SUBJECT COMPANY', accession: filing.accession }],
      ['MENTIONED_IN', '0000000042', filing.accession, { accession: filing.accession }],
      ['MENTIONED_IN', 'DE', filing.accession, { accession: filing.accession }],
    ]);
  });

  it('unions array props', () => {
    const graph = new FragmentBuilder(filing);
    graph.node('Filing', filing.accession, { items: ['2.02'] });
    graph.node('Filing', filing.accession, { items: ['2.02', '9.01'] });
    expect(graph.build().nodes[0]?.props.items).toEqual(['2.02', '9.01']);
  });
});
