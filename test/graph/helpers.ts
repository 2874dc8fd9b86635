import type { GraphFragment } from '../../src/graph/fragment.js';

/** A minimal RFC 4180 reader: quoted fields, doubled quotes, newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      if (field !== '') throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
      wasQuoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
      wasQuoted = false;
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      wasQuoted = false;
    } else {
      if (wasQuoted) throw new Error(`text after a closing quote at ${i}`);
      field += c;
    }
  }
  if (quoted) throw new Error('unterminated quoted field');
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export const TRICKY_NAME = 'Say "Hi", Inc.\nline two; with \\ backslash, `tick`, $param {brace} and ünïcödé 😀';

/** Two filings that share a company (same CIK) and its State and Industry. */
/** What `graph stats` counts for twoFragments() (they share one company). */
export const TWO_FRAGMENTS_COUNTS = {
  fragments: 2,
  nodes: { Company: 1, Filing: 2, Person: 1, State: 1 },
  relationships: { FILED: 4, INCORPORATED_IN: 1, MENTIONED_IN: 2, REPORTS_ON: 1 },
  totalNodes: 5,
  totalRelationships: 8,
};

export function twoFragments(): [GraphFragment, GraphFragment] {
  const company = (name: string) => ({ label: 'Company', key: '9000000001', props: { cik: '9000000001', name, sic: '7372' } });
  const base = (accession: string, name: string, extra: GraphFragment['nodes'] = [], rels: GraphFragment['relationships'] = []): GraphFragment => ({
    filing: { accession, formType: '10-K', filedAt: '2010-03-01' },
    nodes: [
      { label: 'Filing', key: accession, props: { accession, formType: '10-K', filedAt: '2010-03-01', items: ['A; B', 'C'], publicDocumentCount: 5 } },
      company(name),
      { label: 'State', key: 'DE', props: { code: 'DE' } },
      ...extra,
    ],
    relationships: [
      { type: 'FILED', from: { label: 'Company', key: '9000000001' }, to: { label: 'Filing', key: accession }, props: { role: 'FILER', accession } },
      { type: 'INCORPORATED_IN', from: { label: 'Company', key: '9000000001' }, to: { label: 'State', key: 'DE' }, props: { accession } },
      { type: 'MENTIONED_IN', from: { label: 'Company', key: '9000000001' }, to: { label: 'Filing', key: accession }, props: { accession } },
      ...rels,
    ],
  });
  const first = base('9999999999-10-000001', 'ZORQUIL FICTITIOUS SOFTWARE INC', [
    { label: 'Person', key: '9100000001', props: { name: TRICKY_NAME } },
  ], [
    { type: 'FILED', from: { label: 'Person', key: '9100000001' }, to: { label: 'Filing', key: '9999999999-10-000001' }, props: { role: 'REPORTING-OWNER', accession: '9999999999-10-000001' } },
    { type: 'REPORTS_ON', from: { label: 'Person', key: '9100000001' }, to: { label: 'Company', key: '9000000001' }, props: { role: 'Officer', title: 'Chief "Everything" Officer', accession: '9999999999-10-000001' } },
  ]);
  const second = base('9999999999-10-000002', 'ZORQUIL FICTITIOUS SOFTWARE INC');
  // The same company as SUBJECT COMPANY too: a second FILED, told apart by its role.
  second.relationships.push({
    type: 'FILED',
    from: { label: 'Company', key: '9000000001' },
    to: { label: 'Filing', key: '9999999999-10-000002' },
    props: { role: 'SUBJECT COMPANY', accession: '9999999999-10-000002' },
  });
  return [first, second];
}
