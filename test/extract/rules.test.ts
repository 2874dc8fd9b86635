import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSubmissionFile } from '../../src/edgar/index.js';
import { extractRules, keepTextForRules } from '../../src/extract/rules.js';
import { nodeId, relationshipId, type GraphFragment } from '../../src/graph/fragment.js';
import { filingPath, headerPath, samplesDir } from '../edgar/samples.js';

async function fragmentOf(file: string): Promise<GraphFragment> {
  return extractRules(await parseSubmissionFile(file, { keepText: keepTextForRules }));
}

const rels = (fragment: GraphFragment, type: string) => fragment.relationships.filter((r) => r.type === type);
const node = (fragment: GraphFragment, label: string, key: string) =>
  fragment.nodes.find((n) => n.label === label && n.key === key);

describe('invariants over every sample', () => {
  const files = [
    ...readdirSync(`${samplesDir}/filings`).map(filingPath),
    ...readdirSync(`${samplesDir}/headers`).map(headerPath),
  ];
  for (const file of files) {
    it(`${file.split('/').pop()}: unique keys, provenance on every fact, plain JSON`, async () => {
      const fragment = await fragmentOf(file);
      const { accession } = fragment.filing;
      const ids = fragment.nodes.map(nodeId);
      expect(new Set(ids).size).toBe(ids.length);
      const relIds = fragment.relationships.map(relationshipId);
      expect(new Set(relIds).size).toBe(relIds.length);
      for (const rel of fragment.relationships) {
        expect(rel.props.accession).toBe(accession);
        expect(ids).toContain(nodeId(rel.from));
        expect(ids).toContain(nodeId(rel.to));
      }
      const mentioned = new Set(rels(fragment, 'MENTIONED_IN').map((r) => nodeId(r.from)));
      for (const n of fragment.nodes) {
        if (n.label === 'Filing') expect(n.key).toBe(accession);
        else expect(mentioned.has(nodeId(n)), nodeId(n)).toBe(true);
        for (const value of Object.values(n.props)) expect(value === '' || value === undefined).toBe(false);
      }
      expect(JSON.parse(JSON.stringify(fragment))).toEqual(fragment);
      expect(await fragmentOf(file)).toEqual(fragment);
    });
  }
});

describe('header facts in the graph', () => {
  it('Southern Co 8-K: six FILER companies with state, industry and addresses', async () => {
    const fragment = await fragmentOf(filingPath('0000092122-07-000008.txt'));
    expect(fragment.filing).toEqual({
      accession: '0000092122-07-000008',
      formType: '8-K',
      filedAt: '2007-01-25',
      period: '2007-01-25',
      acceptedAt: '2007-01-25T10:22:11',
      dateOfChange: '2007-01-25',
      items: ['Results of Operations and Financial Condition'],
      publicDocumentCount: 8,
      documentCount: 8,
    });
    expect(rels(fragment, 'FILED').map((r) => [r.from.key, r.props.role])).toEqual([
      ['0000092122', 'FILER'],
      ['0001160661', 'FILER'],
      ['0000066904', 'FILER'],
      ['0000044545', 'FILER'],
      ['0000041091', 'FILER'],
      ['0000003153', 'FILER'],
    ]);
    expect(node(fragment, 'Company', '0000092122')?.props).toEqual({
      cik: '0000092122',
      name: 'SOUTHERN CO',
      sic: '4911',
      irsNumber: '580690070',
      fiscalYearEnd: '1231',
      stateOfIncorporation: 'DE',
    });
    expect(node(fragment, 'Industry', '4911')?.props).toEqual({ sic: '4911', name: 'ELECTRIC SERVICES' });
    expect(rels(fragment, 'IN_INDUSTRY')).toHaveLength(6);
    expect(rels(fragment, 'INCORPORATED_IN').map((r) => [r.from.key, r.to.key])).toEqual([
      ['0000092122', 'DE'],
      ['0000066904', 'MS'],
      ['0000044545', 'ME'],
      ['0000041091', 'GA'],
      ['0000003153', 'AL'],
    ]);
    const southernAddresses = rels(fragment, 'LOCATED_AT').filter((r) => r.from.key === '0000092122');
    // Same address for business and mail: one Address node, two facts.
    expect(southernAddresses.map((r) => [r.props.type, r.to.key, r.props.phone])).toEqual([
      ['business', '30 IVAN ALLEN JR BLVD N W, ATLANTA, GA, 30308', '4045065000'],
      ['mail', '30 IVAN ALLEN JR BLVD N W, ATLANTA, GA, 30308', undefined],
    ]);
    expect(node(fragment, 'Address', '30 IVAN ALLEN JR BLVD N W, ATLANTA, GA, 30308')?.props).toEqual({
      street1: '30 IVAN ALLEN JR. BLVD., N.W.',
      city: 'ATLANTA',
      state: 'GA',
      zip: '30308',
    });
  });

  it('former names: FormerName nodes scoped to the CIK, with the date of change', async () => {
    const fragment = await fragmentOf(headerPath('edgartools_MultipleFormerCompaniesHeader.txt'));
    expect(rels(fragment, 'FORMERLY_NAMED').map((r) => [r.from.key, r.to.key, r.props.changedAt])).toEqual([
      ['0001357878', '0001357878:PEPTIDE TECHNOLOGIES INC', '2018-03-09'],
      ['0001357878', '0001357878:ETERNELLE SKINCARE PRODUCTS INC', '2017-06-21'],
      ['0001357878', '0001357878:PEPTIDE TECHNOLOGIES INC', '2011-10-07'],
    ]);
    expect(node(fragment, 'FormerName', '0001357878:ETERNELLE SKINCARE PRODUCTS INC')?.props).toEqual({
      name: 'Eternelle Skincare Products Inc.',
      normalizedName: 'ETERNELLE SKINCARE PRODUCTS INC',
      cik: '0001357878',
    });
  });

  it('a tender offer: the repeated SUBJECT COMPANY merges, FILED BY stays, placeholder IRS numbers are dropped', async () => {
    const fragment = await fragmentOf(filingPath('0001104659-25-002604.txt'));
    expect(rels(fragment, 'FILED').map((r) => [r.from.key, r.props.role])).toEqual([
      ['0001376139', 'SUBJECT COMPANY'],
      ['0001034563', 'FILED BY'],
    ]);
    expect(node(fragment, 'Company', '0001376139')?.props.irsNumber).toBeUndefined();
    expect(node(fragment, 'Company', '0001034563')?.props.irsNumber).toBe('133398767');
    expect(fragment.filing.groupMembers).toHaveLength(6);
  });

  it('.nc: FILER and SERIAL COMPANY, SIC code without an industry name', async () => {
    const fragment = await fragmentOf(filingPath('0001193125-10-145855.nc'));
    expect(rels(fragment, 'FILED').map((r) => [r.from.key, r.props.role])).toEqual([
      ['0001259380', 'FILER'],
      ['0001495220', 'SERIAL COMPANY'],
    ]);
    expect(node(fragment, 'Industry', '6189')?.props).toEqual({ sic: '6189' });
  });
});

describe('Form 4', () => {
  it('2025: the OWNER DATA reporting owner is a Person who REPORTS_ON the issuer as an officer', async () => {
    const fragment = await fragmentOf(filingPath('0001127602-25-001055.txt'));
    expect(node(fragment, 'Person', '0001806647')?.props).toEqual({ name: 'Garascia Jessica A.', cik: '0001806647' });
    expect(node(fragment, 'Company', '0001806647')).toBeUndefined();
    expect(rels(fragment, 'FILED').map((r) => [r.from.label, r.from.key, r.props.role])).toEqual([
      ['Person', '0001806647', 'REPORTING-OWNER'],
      ['Company', '0000001750', 'ISSUER'],
    ]);
    expect(rels(fragment, 'REPORTS_ON')).toEqual([
      {
        type: 'REPORTS_ON',
        from: { label: 'Person', key: '0001806647' },
        to: { label: 'Company', key: '0000001750' },
        props: { role: 'Officer', title: 'Senior VP, GC, CAO & Secretary', accession: '0001127602-25-001055' },
      },
    ]);
  });

  it('2000: a person written as COMPANY DATA with an empty SIC is a Person; <RELATIONSHIP> gives the role', async () => {
    const fragment = await fragmentOf(filingPath('0001094891-00-000193.txt'));
    expect(node(fragment, 'Person', '0001050609')?.props).toEqual({ name: 'FOSTER ALAN H', cik: '0001050609' });
    expect(rels(fragment, 'REPORTS_ON').map((r) => [r.from.key, r.to.key, r.props.role])).toEqual([
      ['0001050609', '0000911787', 'DIRECTOR'],
    ]);
  });
});

describe('EX-21 subsidiaries', () => {
  it.each([
    ['0000320193-94-000016.txt', '0000320193', 7, 'APPLE COMPUTER UK LTD', 'United Kingdom'],
    ['0001193125-09-014406.txt', '0001018724', 12, 'AMAZON SERVICES EUROPE SARL', 'Luxembourg'],
    ['0001193125-10-016098.txt', '0001018724', 10, 'AMAZON TECHNOLOGIES INC', 'Nevada'],
  ])('%s: HAS_SUBSIDIARY from the filer', async (file, parent, count, key, jurisdiction) => {
    const fragment = await fragmentOf(filingPath(file));
    const subsidiaries = rels(fragment, 'HAS_SUBSIDIARY');
    expect(subsidiaries).toHaveLength(count);
    for (const rel of subsidiaries) expect(rel.from).toEqual({ label: 'Company', key: parent });
    expect(subsidiaries.find((r) => r.to.key === key)?.props.jurisdiction).toBe(jurisdiction);
    expect(node(fragment, 'Company', key)?.props.name).toBeDefined();
  });

  it('filings without EX-21 have no subsidiaries', async () => {
    expect(rels(await fragmentOf(filingPath('0001193125-09-085779.txt')), 'HAS_SUBSIDIARY')).toEqual([]);
  });
});
