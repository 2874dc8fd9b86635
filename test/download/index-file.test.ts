import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeIndex, IndexFormatError, parseIndex, selectFilings, type IndexEntry } from '../../src/download/index.js';
import { parseRetryAfter } from '../../src/download/http-client.js';
import { endsLikeSubmission, isCompleteSubmission } from '../../src/download/complete.js';
import { tempDir } from '../helpers.js';
import { formIdx, readDerivedMaster, SAMPLES } from './edgar-server.js';

const idx = (name: string): string => fs.readFileSync(path.join(SAMPLES, 'index', name), 'latin1');
const rowsIn = (text: string): number => text.split('\n').filter((l) => /edgar\/data\/\d+\/\S+\.txt/.test(l)).length;

describe('EDGAR index files', () => {
  it('reads the master-format 2010 QTR1 listing row for row', () => {
    const text = idx('DERIVED_master_2010QTR1_from_fsds.idx');
    const { format, entries } = parseIndex(text);
    expect(format).toBe('master');
    expect(entries).toHaveLength(rowsIn(text));
    expect(entries).toHaveLength(495);
    expect(entries.find((e) => e.accession === '0001193125-10-012085')).toEqual({
      cik: 320193,
      company: 'APPLE INC',
      formType: '10-Q',
      filedAt: '2010-01-25',
      path: 'edgar/data/320193/0001193125-10-012085.txt',
      accession: '0001193125-10-012085',
    });
  });

  it('reads a daily form.idx: multi-word forms, YYYYMMDD dates', () => {
    const text = idx('form.20200318.idx');
    const { format, entries } = parseIndex(text);
    expect(format).toBe('form');
    expect(entries).toHaveLength(rowsIn(text));
    expect(entries.find((e) => e.accession === '0001010549-20-000033')).toMatchObject({
      formType: '1-A POS',
      company: 'Belpointe REIT, Inc.',
      cik: 1749817,
      filedAt: '2020-03-18',
    });
    expect(entries.every((e) => /^\d{4}-\d{2}-\d{2}$/.test(e.filedAt))).toBe(true);
  });

  it('reads company.idx, daily (wrapped header) and quarterly', () => {
    const daily = parseIndex(idx('company.20221003.idx'));
    expect(daily.format).toBe('company');
    expect(daily.entries).toHaveLength(rowsIn(idx('company.20221003.idx')));
    expect(daily.entries[0]).toMatchObject({ company: '1st stREIT Office Inc.', formType: '1-A POS', cik: 1700461, filedAt: '2022-10-03' });
    const q = parseIndex(idx('company_2020_QTR1.slice.idx'));
    expect(q.entries).toHaveLength(rowsIn(idx('company_2020_QTR1.slice.idx')));
    expect(q.entries.find((e) => e.cik === 1307969)).toMatchObject({ company: '024 Pharma, Inc.', formType: '8-K/A', filedAt: '2020-02-20' });
  });

  it('keeps a company name that overflows its column, and the last row without a newline', () => {
    const { entries } = parseIndex(idx('badform.idx.txt'));
    expect(entries).toHaveLength(10);
    expect(entries.find((e) => e.cik === 820694)).toMatchObject({
      formType: 'X-17A-5',
      company: "UNITED PLANNERS' FINANCIAL SERVICES OF AMERICA A LIMITED PARTNER",
      accession: '9999999997-21-003146',
    });
    expect(entries[entries.length - 1]).toMatchObject({ company: 'UOB GLOBAL EQUITY SALES LLC', cik: 1225152 });
  });

  it('reads the same rows from master.idx, form.idx and their gzip forms', () => {
    const rows = readDerivedMaster();
    const master = parseIndex(decodeIndex(gzipSync(Buffer.from(idx('DERIVED_master_2010QTR1_from_fsds.idx'), 'latin1')))).entries;
    const form = parseIndex(decodeIndex(formIdx(rows))).entries;
    const key = (e: IndexEntry): string => `${e.accession}|${e.cik}|${e.formType}|${e.filedAt}|${e.company}`;
    expect(form.map(key).sort()).toEqual(master.map(key).sort());
  });

  it('refuses what is not an index, and paths that are not EDGAR archive paths', () => {
    expect(() => parseIndex('<html><body>Too many requests</body></html>')).toThrow(IndexFormatError);
    const evil = `CIK|Company Name|Form Type|Date Filed|Filename\n${'-'.repeat(40)}\n1|X|10-K|2010-01-01|edgar/data/1/../../../etc/passwd.txt\n1|Y|10-K|2010-01-01|edgar/data/1/0000000001-10-000001.txt\n`;
    expect(parseIndex(evil).entries.map((e) => e.company)).toEqual(['Y']);
  });
});

describe('selection', () => {
  const entries = parseIndex(idx('DERIVED_master_2010QTR1_from_fsds.idx')).entries;

  it('by form, CIK and limit, earliest first', () => {
    const tenKs = selectFilings(entries, { forms: ['10-k'] });
    expect(tenKs).toHaveLength(idx('DERIVED_master_2010QTR1_from_fsds.idx').split('\n').filter((l) => l.includes('|10-K|')).length);
    expect(tenKs).toHaveLength(389);
    expect(tenKs.every((e) => e.formType === '10-K')).toBe(true);
    const dates = tenKs.map((e) => e.filedAt);
    expect(dates).toEqual([...dates].sort());
    expect(selectFilings(entries, { ciks: [320193, 1018724] }).map((e) => e.accession).sort()).toEqual(
      entries.filter((e) => e.cik === 320193 || e.cik === 1018724).map((e) => e.accession).sort(),
    );
    const first3 = selectFilings(entries, { forms: ['10-Q'], limit: 3 });
    expect(first3).toHaveLength(3);
    expect(first3).toEqual(selectFilings(entries, { forms: ['10-Q'] }).slice(0, 3));
  });

  it('a joint filing listed under several filers is fetched once, under the lowest CIK', () => {
    const acc = '0000092122-07-000008';
    const rows: IndexEntry[] = [66904, 92122, 3153].map((cik) => ({ cik, company: `C${cik}`, formType: '8-K', filedAt: '2007-01-25', path: `edgar/data/${cik}/${acc}.txt`, accession: acc }));
    expect(selectFilings(rows, {})).toEqual([rows[2]]);
    expect(selectFilings(rows, { ciks: [92122] })).toEqual([rows[1]]);
  });
});

describe('small rules', () => {
  it('Retry-After in seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('999999', now)).toBe(600_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('a submission is complete only with its closing tag', () => {
    const dir = tempDir('edgar-complete-');
    for (const f of fs.readdirSync(path.join(SAMPLES, 'filings'))) {
      const full = fs.readFileSync(path.join(SAMPLES, 'filings', f));
      const p = path.join(dir, f);
      fs.writeFileSync(p, full);
      expect(isCompleteSubmission(p), f).toBe(true);
      fs.writeFileSync(p, full.subarray(0, Math.floor(full.length * 0.7)));
      expect(isCompleteSubmission(p), `${f} cut short`).toBe(false);
    }
    expect(isCompleteSubmission(path.join(dir, 'absent.txt'))).toBe(false);
    expect(endsLikeSubmission('</TEXT>\n</DOCUMENT>\n')).toBe(false);
  });
});
