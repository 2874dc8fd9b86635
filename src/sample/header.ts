/**
 * Writes an EDGAR `<SEC-HEADER>` in the colon syntax, with the tab layout EDGAR itself
 * uses (compare ../shared/edgar-samples/filings): same keys, same indentation, same blank
 * lines, so that the parser meets the generated headers exactly as it meets real ones.
 */
import type { Address, Company, FormerName } from './universe.js';

export interface HeaderFacts {
  accession: string;
  formType: string;
  documentCount: number;
  period?: string; // YYYYMMDD
  items: string[];
  filedAt: string; // YYYYMMDD
  acceptedAt: string; // YYYYMMDDhhmmss
  blocks: HeaderBlock[];
}

export type HeaderBlock =
  | { role: 'FILER' | 'SUBJECT COMPANY' | 'FILED BY' | 'ISSUER'; company: Company; filingValues?: FilingValues }
  | { role: 'REPORTING-OWNER'; owner: { cik: string; name: string; mail: Address }; filingValues: FilingValues };

export interface FilingValues {
  formType: string;
  fileNumber: string;
  filmNumber: string;
}

export function writeHeader(h: HeaderFacts): string[] {
  const lines = [
    `<SEC-DOCUMENT>${h.accession}.txt : ${h.filedAt}`,
    `<SEC-HEADER>${h.accession}.hdr.sgml : ${h.filedAt}`,
    `<ACCEPTANCE-DATETIME>${h.acceptedAt}`,
    `ACCESSION NUMBER:\t\t${h.accession}`,
    `CONFORMED SUBMISSION TYPE:\t${h.formType}`,
    `PUBLIC DOCUMENT COUNT:\t\t${h.documentCount}`,
  ];
  if (h.period !== undefined) lines.push(`CONFORMED PERIOD OF REPORT:\t${h.period}`);
  for (const item of h.items) lines.push(`ITEM INFORMATION:\t\t${item}`);
  lines.push(`FILED AS OF DATE:\t\t${h.filedAt}`, `DATE AS OF CHANGE:\t\t${h.filedAt}`);
  for (const block of h.blocks) lines.push('', `${block.role}:`, '', ...blockLines(block));
  lines.push('</SEC-HEADER>');
  return lines;
}

function blockLines(block: HeaderBlock): string[] {
  if (block.role === 'REPORTING-OWNER') {
    return [
      '\tOWNER DATA:',
      `\t\tCOMPANY CONFORMED NAME:\t\t\t${block.owner.name}`,
      `\t\tCENTRAL INDEX KEY:\t\t\t${block.owner.cik}`,
      '',
      ...filingValueLines(block.filingValues),
      '',
      ...addressLines('MAIL ADDRESS', block.owner.mail),
    ];
  }
  const c = block.company;
  const lines = [
    '\tCOMPANY DATA:\t',
    `\t\tCOMPANY CONFORMED NAME:\t\t\t${c.name}`,
    `\t\tCENTRAL INDEX KEY:\t\t\t${c.cik}`,
    `\t\tSTANDARD INDUSTRIAL CLASSIFICATION:\t${c.industry.title} [${c.industry.sic}]`,
    `\t\tIRS NUMBER:\t\t\t\t${c.irsNumber}`,
    `\t\tSTATE OF INCORPORATION:\t\t\t${c.stateOfIncorporation}`,
    `\t\tFISCAL YEAR END:\t\t\t${c.fiscalYearEnd}`,
  ];
  if (block.filingValues !== undefined) lines.push('', ...filingValueLines(block.filingValues));
  lines.push('', ...addressLines('BUSINESS ADDRESS', c.business, c.phone));
  lines.push('', ...addressLines('MAIL ADDRESS', c.mail));
  for (const former of c.formerNames) lines.push('', ...formerLines(former));
  return lines;
}

function filingValueLines(v: FilingValues): string[] {
  return [
    '\tFILING VALUES:',
    `\t\tFORM TYPE:\t\t${v.formType}`,
    '\t\tSEC ACT:\t\t1934 Act',
    `\t\tSEC FILE NUMBER:\t${v.fileNumber}`,
    `\t\tFILM NUMBER:\t\t${v.filmNumber}`,
  ];
}

function addressLines(title: string, a: Address, phone?: string): string[] {
  const lines = [`\t${title}:\t`, `\t\tSTREET 1:\t\t${a.street1}`];
  if (a.street2 !== undefined) lines.push(`\t\tSTREET 2:\t\t${a.street2}`);
  lines.push(`\t\tCITY:\t\t\t${a.city}`, `\t\tSTATE:\t\t\t${a.state}`, `\t\tZIP:\t\t\t${a.zip}`);
  if (phone !== undefined) lines.push(`\t\tBUSINESS PHONE:\t\t${phone}`);
  return lines;
}

function formerLines(f: FormerName): string[] {
  return ['\tFORMER COMPANY:\t', `\t\tFORMER CONFORMED NAME:\t${f.name}`, `\t\tDATE OF NAME CHANGE:\t${f.changedAt}`];
}
