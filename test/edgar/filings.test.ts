import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { documentPlainText, parseSubmissionFile, type EntityRole, type Submission, type SubmissionFormat } from '../../src/edgar/index.js';
import { filingPath, samplesDir } from './samples.js';

type Entity = [role: EntityRole, cik: string, name: string, sic: string | undefined, state: string | undefined, former: Array<[string, string]>];

interface Expected {
  file: string;
  format: SubmissionFormat;
  accession: string;
  formType: string;
  filedAt: string;
  period: string | undefined;
  publicDocumentCount: number;
  /** <DOCUMENT> blocks in the body; several XBRL-era filings have more than PUBLIC DOCUMENT COUNT. */
  documents: number;
  /** Documents holding a uuencoded binary (images, spreadsheets, zips). */
  binaries: number;
  entities: Entity[];
}

// Read off the files by hand (grep for the header keys and for ^<DOCUMENT> / ^begin 644).
const EXPECTED: Expected[] = [
  {
    file: '0000320193-94-000016.txt', format: 'ims-document', accession: '0000320193-94-000016', formType: '10-K',
    filedAt: '1994-12-13', period: '1994-09-30', publicDocumentCount: 5, documents: 5, binaries: 0,
    entities: [['FILER', '0000320193', 'APPLE COMPUTER INC', '3571', 'CA', []]],
  },
  {
    file: '0001094891-00-000193.txt', format: 'sec-document', accession: '0001094891-00-000193', formType: '4',
    filedAt: '2000-03-14', period: '2000-02-29', publicDocumentCount: 1, documents: 1, binaries: 0,
    entities: [
      ['SUBJECT COMPANY', '0000911787', 'PRODUCTIVITY TECHNOLOGIES CORP /', '3540', 'DE', [['PRODUCTIVITY TECHNOLOGIES CORP /DE', '1996-06-07']]],
      ['REPORTING-OWNER', '0001050609', 'FOSTER ALAN H', undefined, undefined, []],
    ],
  },
  {
    file: '0000092122-07-000008.txt', format: 'sec-document', accession: '0000092122-07-000008', formType: '8-K',
    filedAt: '2007-01-25', period: '2007-01-25', publicDocumentCount: 8, documents: 8, binaries: 1,
    entities: [
      ['FILER', '0000092122', 'SOUTHERN CO', '4911', 'DE', []],
      ['FILER', '0001160661', 'SOUTHERN POWER CO', '4911', undefined, []],
      ['FILER', '0000066904', 'MISSISSIPPI POWER CO', '4911', 'MS', []],
      ['FILER', '0000044545', 'GULF POWER CO', '4911', 'ME', []],
      ['FILER', '0000041091', 'GEORGIA POWER CO', '4911', 'GA', []],
      ['FILER', '0000003153', 'ALABAMA POWER CO', '4911', 'AL', []],
    ],
  },
  {
    file: '0001193125-09-009937.txt', format: 'sec-document', accession: '0001193125-09-009937', formType: '10-Q',
    filedAt: '2009-01-23', period: '2008-12-27', publicDocumentCount: 7, documents: 7, binaries: 0,
    entities: [['FILER', '0000320193', 'APPLE INC', '3571', 'CA', [['APPLE COMPUTER INC', '1997-08-08']]]],
  },
  {
    file: '0001193125-09-014406.txt', format: 'sec-document', accession: '0001193125-09-014406', formType: '10-K',
    filedAt: '2009-01-30', period: '2008-12-31', publicDocumentCount: 8, documents: 8, binaries: 0,
    entities: [['FILER', '0001018724', 'AMAZON COM INC', '5961', 'DE', []]],
  },
  {
    file: '0001193125-09-037430.txt', format: 'sec-document', accession: '0001193125-09-037430', formType: '10-K',
    filedAt: '2009-02-25', period: '2008-12-31', publicDocumentCount: 6, documents: 6, binaries: 1,
    entities: [['FILER', '0001065280', 'NETFLIX INC', '7841', 'DE', [['NETFLIX COM INC', '2000-02-29']]]],
  },
  {
    file: '0001193125-09-085779.txt', format: 'sec-document', accession: '0001193125-09-085779', formType: '10-Q',
    filedAt: '2009-04-23', period: '2009-03-31', publicDocumentCount: 6, documents: 6, binaries: 0,
    entities: [['FILER', '0000789019', 'MICROSOFT CORP', '7372', 'WA', []]],
  },
  {
    file: '0001193125-09-085983.txt', format: 'sec-document', accession: '0001193125-09-085983', formType: '10-Q',
    filedAt: '2009-04-24', period: '2009-03-31', publicDocumentCount: 5, documents: 5, binaries: 0,
    entities: [['FILER', '0001018724', 'AMAZON COM INC', '5961', 'DE', []]],
  },
  {
    file: '0001213900-09-002194.txt', format: 'sec-document', accession: '0001213900-09-002194', formType: '8-K',
    filedAt: '2009-08-19', period: '2009-08-19', publicDocumentCount: 2, documents: 2, binaries: 0,
    entities: [['FILER', '0000723533', 'EXPERTELLIGENCE INC', '7372', 'NV', [['ORIGINAL COMPUTER CAMP INC', '1984-10-23']]]],
  },
  {
    file: '0001193125-10-012085.txt', format: 'sec-document', accession: '0001193125-10-012085', formType: '10-Q',
    filedAt: '2010-01-25', period: '2009-12-26', publicDocumentCount: 10, documents: 29, binaries: 1,
    entities: [['FILER', '0000320193', 'APPLE INC', '3571', 'CA', [['APPLE COMPUTER INC', '1997-08-08']]]],
  },
  {
    file: '0001193125-10-016098.txt', format: 'sec-document', accession: '0001193125-10-016098', formType: '10-K',
    filedAt: '2010-01-29', period: '2009-12-31', publicDocumentCount: 16, documents: 39, binaries: 2,
    entities: [['FILER', '0001018724', 'AMAZON COM INC', '5961', 'DE', []]],
  },
  {
    file: '0001193125-10-036181.txt', format: 'sec-document', accession: '0001193125-10-036181', formType: '10-K',
    filedAt: '2010-02-22', period: '2009-12-31', publicDocumentCount: 12, documents: 34, binaries: 2,
    entities: [['FILER', '0001065280', 'NETFLIX INC', '7841', 'DE', [['NETFLIX COM INC', '2000-02-29']]]],
  },
  {
    file: '0001193125-10-090367.txt', format: 'sec-document', accession: '0001193125-10-090367', formType: '10-Q',
    filedAt: '2010-04-23', period: '2010-03-31', publicDocumentCount: 12, documents: 29, binaries: 2,
    entities: [['FILER', '0001018724', 'AMAZON COM INC', '5961', 'DE', []]],
  },
  {
    file: '0001193125-10-145855.nc', format: 'nc-submission', accession: '0001193125-10-145855', formType: '424B5',
    filedAt: '2010-06-24', period: undefined, publicDocumentCount: 5, documents: 5, binaries: 4,
    entities: [
      ['FILER', '0001259380', 'CARMAX AUTO FUNDING LLC', '6189', 'DE', []],
      ['SERIAL COMPANY', '0001495220', 'CarMax Auto Owner Trust 2010-2', '6189', 'DE', []],
    ],
  },
  {
    file: '0000943374-24-000509.txt', format: 'sec-document', accession: '0000943374-24-000509', formType: '8-K',
    filedAt: '2024-12-27', period: '2024-12-20', publicDocumentCount: 13, documents: 12, binaries: 2,
    entities: [['FILER', '0001847360', '1895 Bancorp of Wisconsin, Inc. /MD/', '6036', 'MD', []]],
  },
  {
    file: '0001104659-25-002604.txt', format: 'sec-document', accession: '0001104659-25-002604', formType: 'SC TO-T/A',
    filedAt: '2025-01-10', period: undefined, publicDocumentCount: 2, documents: 2, binaries: 0,
    entities: [
      ['SUBJECT COMPANY', '0001376139', 'CVR ENERGY INC', '2911', 'DE', []],
      ['SUBJECT COMPANY', '0001376139', 'CVR ENERGY INC', '2911', 'DE', []],
      ['FILED BY', '0001034563', 'ICAHN ENTERPRISES HOLDINGS L.P.', '3714', 'DE', [['AMERICAN REAL ESTATE HOLDINGS L P', '1998-03-11']]],
    ],
  },
  {
    file: '0001127602-25-001055.txt', format: 'sec-document', accession: '0001127602-25-001055', formType: '4',
    filedAt: '2025-01-10', period: '2025-01-10', publicDocumentCount: 2, documents: 2, binaries: 0,
    entities: [
      ['REPORTING-OWNER', '0001806647', 'Garascia Jessica A.', undefined, undefined, []],
      ['ISSUER', '0000001750', 'AAR CORP', '3720', 'DE', [['ALLEN AIRCRAFT RADIO INC', '1970-02-04']]],
    ],
  },
];

function entityRows(sub: Submission): Entity[] {
  return sub.entities.map((e) => [
    e.role,
    e.data.cik as string,
    e.data.name as string,
    e.data.sic,
    e.data.stateOfIncorporation,
    e.formerNames.map((f): [string, string] => [f.name, f.changedAt as string]),
  ]);
}

describe('real EDGAR full submissions', () => {
  it('covers every file in the samples folder', () => {
    expect(readdirSync(`${samplesDir}/filings`).sort()).toEqual(EXPECTED.map((e) => e.file).sort());
  });

  for (const expected of EXPECTED) {
    it(`${expected.file}: header facts and document counts`, async () => {
      const sub = await parseSubmissionFile(filingPath(expected.file));
      expect({
        format: sub.format,
        accession: sub.accession,
        formType: sub.formType,
        filedAt: sub.filedAt,
        period: sub.period,
        publicDocumentCount: sub.publicDocumentCount,
        documents: sub.documents.length,
        binaries: sub.documents.filter((d) => d.skipped === 'binary' || d.skipped === 'uuencoded').length,
        truncated: sub.truncated,
      }).toEqual({
        format: expected.format,
        accession: expected.accession,
        formType: expected.formType,
        filedAt: expected.filedAt,
        period: expected.period,
        publicDocumentCount: expected.publicDocumentCount,
        documents: expected.documents,
        binaries: expected.binaries,
        truncated: false,
      });
      expect(entityRows(sub)).toEqual(expected.entities);
      expect(sub.documents.map((d) => d.index)).toEqual(sub.documents.map((_, i) => i));
    });
  }
});

describe('details of particular filings', () => {
  it('reads SIC industry names, addresses, filing values and items (Southern Co 8-K, six filers)', async () => {
    const sub = await parseSubmissionFile(filingPath('0000092122-07-000008.txt'));
    expect(sub.acceptedAt).toBe('2007-01-25T10:22:11');
    expect(sub.dateOfChange).toBe('2007-01-25');
    expect(sub.items).toEqual(['Results of Operations and Financial Condition']);
    const power = sub.entities[1];
    expect(power?.data).toEqual({
      name: 'SOUTHERN POWER CO',
      cik: '0001160661',
      sic: '4911',
      industry: 'ELECTRIC SERVICES',
      irsNumber: '582598670',
    });
    expect(power?.filingValues).toEqual({ formType: '8-K', secAct: '1934 Act', fileNumber: '333-98553', filmNumber: '07551519' });
    expect(power?.businessAddress).toEqual({ street1: '600 N 18TH ST.', city: 'BIRMINGHAM', state: 'AL', zip: '35291', phone: '4045067146' });
    expect(power?.mailAddress).toEqual({ street1: '241 RALPH MCGILL BLVD', street2: 'NE BIN 10116', city: 'ATLANTA', state: 'GA', zip: '30308' });
  });

  it('keeps HTML and text bodies and flags what it skipped (Apple 10-Q 2010, XBRL era)', async () => {
    const sub = await parseSubmissionFile(filingPath('0001193125-10-012085.txt'));
    const main = sub.documents[0];
    expect(main).toMatchObject({ type: '10-Q', sequence: 1, filename: 'd10q.htm', description: 'FORM 10-Q', isHtml: true });
    expect(main?.text?.length).toBe(main?.size);
    expect(sub.documents.filter((d) => d.skipped === 'xbrl').length).toBe(23);
    const excel = sub.documents.find((d) => d.type === 'EXCEL');
    expect(excel).toMatchObject({ skipped: 'binary', filename: 'Financial_Report.xls' });
    expect(excel?.text).toBeUndefined();
    expect(excel?.size).toBeGreaterThan(100_000);
  });

  it('reads the tag-syntax header of a dissemination .nc file', async () => {
    const sub = await parseSubmissionFile(filingPath('0001193125-10-145855.nc'));
    expect(sub.entities[0]?.filingValues).toEqual({ formType: '424B5', secAct: '33', fileNumber: '333-149075', filmNumber: '10914878' });
    expect(sub.entities[0]?.businessAddress).toEqual({ street1: '4900 COX RD.', city: 'RICHMOND', state: 'VA', zip: '23060' });
    expect(sub.entities[0]?.data.irsNumber).toBe('010794037');
    expect(sub.documents.map((d) => d.skipped ?? null)).toEqual([null, 'binary', 'binary', 'binary', 'binary']);
  });

  it('reads group members, owner data and the 1990s <RELATIONSHIP> line', async () => {
    const tender = await parseSubmissionFile(filingPath('0001104659-25-002604.txt'));
    expect(tender.groupMembers).toEqual([
      'AMERICAN ENTERTAINMENT PROPERTIES CORP.',
      'BECKTON CORP.',
      'CARL C. ICAHN',
      'ICAHN ENTERPRISES G.P. INC.',
      'ICAHN ENTERPRISES L.P.',
      'IEP ENERGY HOLDING LLC',
    ]);
    const form4 = await parseSubmissionFile(filingPath('0001127602-25-001055.txt'));
    expect(form4.entities[0]).toMatchObject({ role: 'REPORTING-OWNER', dataKind: 'owner' });
    expect(form4.entities[0]?.businessAddress).toBeUndefined();
    const old4 = await parseSubmissionFile(filingPath('0001094891-00-000193.txt'));
    expect(old4.entities[1]).toMatchObject({ role: 'REPORTING-OWNER', dataKind: 'company', relationships: ['DIRECTOR'] });
    expect(old4.entities[0]?.filingValues.secAct).toBeUndefined();
  });

  it('converts HTML bodies to plain text on demand only', async () => {
    const sub = await parseSubmissionFile(filingPath('0001193125-09-014406.txt'));
    const exhibit = sub.documents.find((d) => d.type === 'EX-21.1');
    expect(exhibit?.text).toContain('<TD VALIGN="top">');
    const plain = documentPlainText(exhibit ?? { isHtml: false });
    expect(plain).toContain('Amazon EU S\u00e0rl');
    expect(plain).not.toContain('<');
    const apple = await parseSubmissionFile(filingPath('0000320193-94-000016.txt'));
    const text = apple.documents.find((d) => d.type === 'EX-21');
    expect(documentPlainText(text ?? { isHtml: false })).toBe(text?.text);
    expect(documentPlainText({ isHtml: true })).toBeUndefined();
  });

  it('keeps only the bodies keepText asks for', async () => {
    const sub = await parseSubmissionFile(filingPath('0001193125-09-014406.txt'), {
      keepText: (meta) => meta.type.startsWith('EX-21'),
    });
    expect(sub.documents.filter((d) => d.text !== undefined).map((d) => d.type)).toEqual(['EX-21.1']);
    expect(sub.documents[0]?.size).toBeGreaterThan(1_000_000);
    expect(sub.documents[0]?.isHtml).toBe(true);
  });
});
