import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSubmissionText, type Submission } from '../../src/edgar/index.js';
import { ownerRelationships } from '../../src/extract/ownership.js';
import { extractRules, keepTextForRules } from '../../src/extract/rules.js';
import { parseSubsidiaries } from '../../src/extract/subsidiaries.js';
import { generateSamples, type SampleFiling } from '../../src/sample/index.js';
import { filingPath, samplesDir } from '../edgar/samples.js';

const DEMO_DIR = new URL('../../data/filings', import.meta.url).pathname;
const SEEDS = [1, 7, 2010, 424242, 2 ** 31 + 5];

function parse(filing: SampleFiling, keepText = true): Submission {
  return parseSubmissionText(filing.text, { source: filing.fileName, keepText: keepText ? undefined : keepTextForRules });
}

function readBack(filing: SampleFiling) {
  const sub = parse(filing);
  const subsidiaries = sub.documents.filter((d) => d.type.startsWith('EX-21')).flatMap((d) => parseSubsidiaries(d));
  return {
    accession: sub.accession,
    formType: sub.formType,
    filedAt: sub.filedAt,
    period: sub.period,
    items: sub.items,
    companies: sub.entities.map((e) => ({ cik: e.data.cik, name: e.data.name, role: e.role })),
    subsidiaries,
    formerNames: sub.entities.flatMap((e) => e.formerNames.map((f) => ({ cik: e.data.cik, name: f.name, changedAt: f.changedAt }))),
    reportingOwners: sub.formType === '4' ? ownerRelationships(sub) : [],
  };
}

describe('generateSamples parses back to exactly what it put in', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, () => {
      const filings = generateSamples({ year: 2010, count: 40, seed });
      expect(filings.some((f) => f.expected.formerNames.length > 0)).toBe(true);
      expect(filings.some((f) => f.expected.companies.filter((c) => c.role === 'FILER').length === 2)).toBe(true);
      for (const filing of filings) {
        const { officers: _officers, ...expected } = filing.expected;
        expect(readBack(filing), filing.fileName).toEqual(expected);
      }
    });
  }

  it('every kind appears, even in a batch of six', () => {
    const filings = generateSamples({ year: 2015, count: 6, seed: 3 });
    const kinds = filings.map((f) => {
      const sub = parse(f);
      const ex21 = sub.documents.find((d) => d.type.startsWith('EX-21'));
      const filers = sub.entities.filter((e) => e.role === 'FILER').length;
      return `${sub.formType}${ex21 ? (ex21.isHtml ? ':html' : ':text') : ''}${filers > 1 ? ':joint' : ''}`;
    });
    expect(kinds.sort()).toEqual(['10-K:html', '10-K:text', '10-Q', '4', '8-K', '8-K:joint']);
  });

  it('the header is laid out as EDGAR lays it out, and documents are counted', () => {
    for (const filing of generateSamples({ year: 2010, count: 12, seed: 11 })) {
      const lines = filing.text.split('\n');
      expect(lines[0]).toBe(`<SEC-DOCUMENT>${filing.fileName} : ${filing.expected.filedAt.replace(/-/g, '')}`);
      expect(lines[3]).toBe(`ACCESSION NUMBER:\t\t${filing.expected.accession}`);
      expect(filing.text).toContain(`\t\tCENTRAL INDEX KEY:\t\t\t${filing.expected.companies[0]!.cik}\n`);
      const sub = parse(filing);
      expect(sub.publicDocumentCount).toBe(sub.documents.length);
      expect(sub.truncated).toBe(false);
      expect(sub.format).toBe('sec-document');
      expect(filing.text.endsWith('</SEC-DOCUMENT>\n')).toBe(true);
    }
  });

  it('the rules extractor finds the subsidiaries, filers and the Form 4 relationship', () => {
    for (const filing of generateSamples({ year: 2010, count: 30, seed: 99 })) {
      const fragment = extractRules(parse(filing, false));
      const hasSubsidiary = fragment.relationships.filter((r) => r.type === 'HAS_SUBSIDIARY');
      expect(hasSubsidiary.map((r) => r.props.jurisdiction)).toEqual(filing.expected.subsidiaries.map((s) => s.jurisdiction));
      const filed = fragment.relationships.filter((r) => r.type === 'FILED');
      expect(filed.map((r) => [r.from.key, r.props.role])).toEqual(filing.expected.companies.map((c) => [c.cik, c.role]));
      const reports = fragment.relationships.filter((r) => r.type === 'REPORTS_ON');
      expect(reports.length).toBe(filing.expected.reportingOwners.length);
      for (const owner of filing.expected.reportingOwners) {
        expect(fragment.nodes.find((n) => n.key === owner.ownerCik)?.label).toBe('Person');
      }
    }
  });

  it('the 10-K prose names every officer with the title', () => {
    const tenK = generateSamples({ year: 2010, count: 12, seed: 5 }).filter((f) => f.expected.formType === '10-K');
    expect(tenK.length).toBeGreaterThan(0);
    for (const filing of tenK) {
      const main = parse(filing).documents[0]!;
      expect(main.isHtml).toBe(true);
      expect(main.text).toContain('Executive Officers of the Registrant');
      expect(filing.expected.officers.length).toBeGreaterThanOrEqual(3);
      for (const officer of filing.expected.officers) {
        const escaped = officer.title.replace(/&/g, '&amp;');
        expect(main.text).toContain(`<I>${officer.name}</I> has served as ${escaped}`);
      }
    }
  });
});

describe('determinism and shape', () => {
  it('the committed demo data is exactly `edgar sample --year 2010 --count 24 --seed 2010`', () => {
    for (const f of generateSamples({ year: 2010, count: 24, seed: 2010 })) {
      const file = `${DEMO_DIR}/${f.relativePath}`;
      // On a mismatch after a generator change, refresh with: edgar sample --year 2010 --count 24 --seed 2010 --filings-dir data/filings
      expect(readFileSync(file, 'utf8'), file).toBe(f.text);
    }
  });

  it('the same seed gives the same bytes; another seed gives other filings', () => {
    const a = generateSamples({ year: 2010, count: 20, seed: 42 });
    const b = generateSamples({ year: 2010, count: 20, seed: 42 });
    const c = generateSamples({ year: 2010, count: 20, seed: 43 });
    expect(b).toEqual(a);
    expect(c.map((f) => f.fileName)).not.toEqual(a.map((f) => f.fileName));
    expect(c.map((f) => f.text)).not.toEqual(a.map((f) => f.text));
  });

  it('accessions are unique, in the 9999999999-YY-NNNNNN form, dated within the year, in EDGAR layout', () => {
    const filings = generateSamples({ year: 2012, count: 300, seed: 8 });
    const accessions = filings.map((f) => f.expected.accession);
    expect(new Set(accessions).size).toBe(accessions.length);
    for (const f of filings) {
      expect(f.expected.accession).toMatch(/^9999999999-12-\d{6}$/);
      expect(f.expected.filedAt >= '2012-01-01' && f.expected.filedAt <= '2012-12-31').toBe(true);
      expect(f.expected.period <= f.expected.filedAt).toBe(true);
      expect(f.relativePath).toMatch(/^edgar\/data\/9\d{9}\/9999999999-12-\d{6}\.txt$/);
      expect(f.relativePath.endsWith(`/${f.fileName}`)).toBe(true);
    }
    const dates = filings.map((f) => f.expected.filedAt);
    expect([...dates].sort()).toEqual(dates);
  });

  it('rejects values it cannot honour', () => {
    expect(() => generateSamples({ year: 1900, count: 1, seed: 1 })).toThrow(/year/);
    expect(() => generateSamples({ year: 2010, count: 0, seed: 1 })).toThrow(/count/);
    expect(() => generateSamples({ year: 2010, count: 1.5, seed: 1 })).toThrow(/count/);
    expect(() => generateSamples({ year: 2010, count: 1, seed: Number.NaN })).toThrow(/seed/);
  });
});

describe('names are clearly fictitious', () => {
  const filings = SEEDS.flatMap((seed) => generateSamples({ year: 2010, count: 40, seed }));
  const companies = filings.flatMap((f) => f.expected.companies.filter((c) => c.role !== 'REPORTING-OWNER'));
  const owners = filings.flatMap((f) => f.expected.companies.filter((c) => c.role === 'REPORTING-OWNER').map((c) => c.name));
  const officers = filings.flatMap((f) => f.expected.officers.map((o) => o.name));
  const people = [...owners, ...officers];
  // Headers write "Last First M.", documents "First M. Last".
  const surnames = new Set([...owners.map((n) => n.split(' ')[0]!), ...officers.map((n) => n.split(' ').pop()!)]);

  it('every company and subsidiary carries the FICTITIOUS marker; CIKs are 10 digits from 9000000000', () => {
    for (const c of companies) {
      expect(c.name).toMatch(/\bFICTITIOUS\b/);
      expect(c.cik).toMatch(/^9\d{9}$/);
    }
    for (const s of filings.flatMap((f) => f.expected.subsidiaries)) expect(s.name).toMatch(/\bFictitious\b/);
    for (const f of filings.flatMap((x) => x.expected.formerNames)) expect(f.name).toMatch(/\bFICTITIOUS\b/);
    for (const f of filings) expect(f.text).toContain('FICTITIOUS SAMPLE FILING');
  });

  it('no generated name or CIK occurs in the real EDGAR samples', () => {
    const real = readdirSync(`${samplesDir}/filings`).map((n) => readFileSync(filingPath(n), 'latin1').toUpperCase());
    const realNames = new Set(
      real.flatMap((text) => [...text.matchAll(/(?:COMPANY CONFORMED NAME|FORMER CONFORMED NAME):\s*(.+)/g)].map((m) => m[1]!.trim())),
    );
    expect(realNames.size).toBeGreaterThan(10);
    for (const name of [...companies.map((c) => c.name), ...people]) expect(realNames.has(name.toUpperCase())).toBe(false);
    const haystack = real.join('\n');
    expect(surnames.size).toBeGreaterThan(20);
    for (const last of surnames) expect(new RegExp(`\\b${last.toUpperCase()}\\b`).test(haystack), last).toBe(false);
    for (const c of companies.slice(0, 50)) expect(haystack.includes(c.cik)).toBe(false);
  });
});
