import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseSubmissionFile } from '../../../src/edgar/index.js';
import { extractRules, keepTextForRules } from '../../../src/extract/rules.js';
import type { GraphFragment } from '../../../src/graph/fragment.js';
import { ROOT, SHARED } from '../../helpers.js';
import { TRICKY_NAME } from '../helpers.js';

function txtFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...txtFiles(p));
    else if (/\.(txt|nc)$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

/** Fragments of real size: the committed demo filings and the real EDGAR samples, as the rules extract them. */
export async function realFragments(): Promise<GraphFragment[]> {
  const files = [...txtFiles(path.join(ROOT, 'data', 'filings')), ...txtFiles(path.join(SHARED, 'edgar-samples', 'filings'))];
  const out: GraphFragment[] = [];
  for (const f of files) {
    try {
      out.push(extractRules(await parseSubmissionFile(f, { keepText: keepTextForRules })));
    } catch {
      // a sample that is not a full submission: not what this fixture is about
    }
  }
  return out;
}

/** Values that must stay data: quotes, backticks, braces, `$`, newlines, Cypher keywords, unicode. */
export const HOSTILE_VALUES = [
  TRICKY_NAME,
  "O'Brien \"Holdings\" `LLC`",
  '$rows} RETURN 1 //',
  "x'}) DETACH DELETE n //",
  '{key: $key}\n\r\t\\u0041',
  'MATCH (n) DETACH DELETE n;',
  '`) MERGE (m:Evil {key: 1}) //',
  'ünïcödé 😀 \u0000 nul',
];

/** A fragment whose every value is hostile, over the labels and types the LLM extractor adds. */
export function hostileFragment(accession = '9999999999-10-999999'): GraphFragment {
  const filing = { label: 'Filing', key: accession, props: { accession, formType: '10-K', filedAt: '2010-03-01', items: HOSTILE_VALUES, publicDocumentCount: 3 } };
  const companies = HOSTILE_VALUES.map((v, i) => ({ label: 'Company', key: `${v}#${i}`, props: { name: v, cik: String(9000000100 + i) } }));
  const person = { label: 'Person', key: HOSTILE_VALUES[3]!, props: { name: HOSTILE_VALUES[0]! } };
  const rels: GraphFragment['relationships'] = [
    ...companies.map((c) => ({ type: 'FILED', from: { label: 'Company', key: c.key }, to: { label: 'Filing', key: accession }, props: { role: HOSTILE_VALUES[1]!, accession } })),
    { type: 'OFFICER_OF', from: { label: 'Person', key: person.key }, to: { label: 'Company', key: companies[0]!.key }, props: { title: HOSTILE_VALUES[4]!, accession } },
    { type: 'HAS_SUBSIDIARY', from: { label: 'Company', key: companies[0]!.key }, to: { label: 'Company', key: companies[1]!.key }, props: { jurisdiction: HOSTILE_VALUES[2]!, accession } },
    { type: 'AUDITED_BY', from: { label: 'Company', key: companies[2]!.key }, to: { label: 'Company', key: companies[3]!.key }, props: { accession } },
  ];
  return { filing: { accession, formType: '10-K', filedAt: '2010-03-01' }, nodes: [filing, ...companies, person], relationships: rels };
}
