import { describe, expect, it } from 'vitest';
import { parseSubmissionFile, type Submission } from '../../src/edgar/index.js';
import { headerPath } from './samples.js';

const summary = (sub: Submission) => ({
  format: sub.format,
  accession: sub.accession,
  formType: sub.formType,
  filedAt: sub.filedAt,
  period: sub.period,
  publicDocumentCount: sub.publicDocumentCount,
  truncated: sub.truncated,
  entities: sub.entities.map((e) => ({
    role: e.role,
    cik: e.data.cik,
    name: e.data.name,
    sic: e.data.sic,
    state: e.data.stateOfIncorporation,
    former: e.formerNames,
  })),
});

describe('header-only samples', () => {
  it('.hdr.sgml tag syntax with items and a former company (Caterpillar)', async () => {
    const sub = await parseSubmissionFile(headerPath('0000018230-22-000107.hdr.sgml'));
    expect(summary(sub)).toEqual({
      format: 'sec-header', accession: '0000018230-22-000107', formType: '8-K', filedAt: '2022-04-28',
      period: '2022-04-28', publicDocumentCount: 18, truncated: false,
      entities: [{
        role: 'FILER', cik: '0000018230', name: 'CATERPILLAR INC', sic: '3531', state: 'DE',
        former: [{ name: 'CATERPILLAR TRACTOR CO', changedAt: '1986-06-23' }],
      }],
    });
    expect(sub.items).toEqual(['2.02', '7.01', '9.01']);
    expect(sub.acceptedAt).toBe('2022-04-28T06:32:03');
    expect(sub.entities[0]?.data.fiscalYearEnd).toBe('1231');
    expect(sub.entities[0]?.businessAddress).toEqual({
      street1: '510 LAKE COOK ROAD', street2: 'SUITE 100', city: 'DEERFIELD', state: 'IL', zip: '60015', phone: '2245514000',
    });
    expect(sub.documents).toEqual([]);
  });

  it('.hdr.sgml with an organization name (IFF)', async () => {
    const sub = await parseSubmissionFile(headerPath('0001140361-25-017716.hdr.sgml'));
    expect(summary(sub)).toEqual({
      format: 'sec-header', accession: '0001140361-25-017716', formType: '8-K', filedAt: '2025-05-07',
      period: '2025-05-01', publicDocumentCount: 14, truncated: false,
      entities: [{
        role: 'FILER', cik: '0000051253', name: 'INTERNATIONAL FLAVORS & FRAGRANCES INC', sic: '2860', state: 'NY',
        former: [{ name: 'VANAMERIGEN HAEBLER INC', changedAt: '1968-04-26' }],
      }],
    });
    expect(sub.entities[0]?.data.organizationName).toBe('08 Industrial Applications and Services');
  });

  it('1990s Form 4 header: SUBJECT COMPANY plus a <REPORTING-OWNER> block with an empty SIC', async () => {
    const sub = await parseSubmissionFile(headerPath('edgartools_1990sheader.txt'));
    expect(summary(sub)).toEqual({
      format: 'sec-document', accession: '0001012325-98-000004', formType: '4', filedAt: '1998-11-20',
      period: '1998-10-31', publicDocumentCount: 1, truncated: false,
      entities: [
        {
          role: 'SUBJECT COMPANY', cik: '0001035972', name: 'MORTON INTERNATIONAL INC /IN/', sic: '2890', state: 'IN',
          former: [{ name: 'NEW MORTON INTERNATIONAL INC', changedAt: '1997-03-18' }],
        },
        { role: 'REPORTING-OWNER', cik: '0001012325', name: 'CANTALUPO JAMES R', sic: undefined, state: undefined, former: [] },
      ],
    });
    expect(sub.entities[1]?.relationships).toEqual(['DIRECTOR']);
  });

  it('SERIAL COMPANY and two former names (Bank of America 424B5)', async () => {
    const sub = await parseSubmissionFile(headerPath('edgartools_BankOfAmerica.424B5.header.txt'));
    expect(summary(sub)).toEqual({
      format: 'sec-document', accession: '0000928385-00-003420', formType: '424B5', filedAt: '2000-12-19',
      period: undefined, publicDocumentCount: 1, truncated: false,
      entities: [
        {
          role: 'FILER', cik: '0001014956', name: 'BANK OF AMERICA MORTGAGE SECURITIES INC', sic: '6189', state: 'DE',
          former: [
            { name: 'BA MORTGAGE SECURITIES INC/', changedAt: '1998-06-05' },
            { name: 'BANKAMERICA MORTGAGE SECURITIES INC', changedAt: '1996-05-20' },
          ],
        },
        {
          role: 'SERIAL COMPANY', cik: '0001130269', name: 'BANK OF AMERICA MORT SEC INC MORT PASS THRU CERTS SER 2000 8',
          sic: '6189', state: 'DE', former: [],
        },
      ],
    });
  });

  it('two FILER blocks and unmodelled keys kept in extra (10-D fragment)', async () => {
    const sub = await parseSubmissionFile(headerPath('edgartools_MultipleFilersHeader.txt'));
    expect(summary(sub)).toEqual({
      format: 'header-fragment', accession: '0001104659-23-069855', formType: '10-D', filedAt: '2023-06-09',
      period: '2023-05-31', publicDocumentCount: 2, truncated: false,
      entities: [
        { role: 'FILER', cik: '0001396730', name: 'First National Master Note Trust', sic: '6189', state: 'DE', former: [] },
        { role: 'FILER', cik: '0001171040', name: 'FIRST NATIONAL FUNDING LLC', sic: '6189', state: 'NE', former: [] },
      ],
    });
    expect(sub.extra).toEqual({
      'DEPOSITOR-CIK': ['0001171040'],
      'SPONSOR-CIK': ['0000036644'],
      'ABS ASSET CLASS': ['Credit card'],
    });
    // The file ends without a newline, in the middle of the second filer's mail address.
    expect(sub.entities[1]?.mailAddress).toEqual({ street1: '1620 DODGE STREET', city: 'OHAHA', state: 'NE', zip: '68102' });
  });

  it('three FORMER COMPANY entries, one name used twice', async () => {
    const sub = await parseSubmissionFile(headerPath('edgartools_MultipleFormerCompaniesHeader.txt'));
    expect(summary(sub).entities).toEqual([
      {
        role: 'FILER', cik: '0001357878', name: 'REGENEREX PHARMA, INC.', sic: '2834', state: 'NV',
        former: [
          { name: 'PEPTIDE TECHNOLOGIES, INC.', changedAt: '2018-03-09' },
          { name: 'Eternelle Skincare Products Inc.', changedAt: '2017-06-21' },
          { name: 'PEPTIDE TECHNOLOGIES, INC.', changedAt: '2011-10-07' },
        ],
      },
    ]);
    expect(sub.accession).toBe('0001472375-23-000090');
    expect(sub.publicDocumentCount).toBe(54);
  });

  it('blank lines between every header line, and an empty ORGANIZATION NAME (iShares 485APOS)', async () => {
    const sub = await parseSubmissionFile(headerPath('edgartools_header_with_double_newlines.txt'));
    expect(summary(sub)).toEqual({
      format: 'header-fragment', accession: '0001193125-24-066744', formType: '485APOS', filedAt: '2024-03-13',
      period: undefined, publicDocumentCount: 7, truncated: false,
      entities: [
        {
          role: 'FILER', cik: '0001100663', name: 'iSHARES TRUST', sic: undefined, state: 'DE',
          former: [{ name: 'ISHARES TRUST', changedAt: '1999-12-13' }],
        },
        {
          role: 'FILER', cik: '0001100663', name: 'iSHARES TRUST', sic: undefined, state: 'DE',
          former: [{ name: 'ISHARES TRUST', changedAt: '1999-12-13' }],
        },
      ],
    });
    expect(sub.dateOfChange).toBe('2024-06-26');
    expect(sub.entities[0]?.data.organizationName).toBeUndefined();
    expect(sub.entities.map((e) => e.filingValues.fileNumber)).toEqual(['811-09729', '333-92935']);
  });
});
