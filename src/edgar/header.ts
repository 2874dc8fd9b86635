import { isoDate, isoDateTime } from './decode.js';
import type {
  EntityData,
  EntityRole,
  FilingValues,
  FormerName,
  HeaderEntity,
  PostalAddress,
} from './types.js';

/**
 * The `.nc` / `.hdr.sgml` tag syntax spells the same header as the colon syntax with
 * other names; every tag is mapped to its colon-syntax key so one table handles both.
 */
const TAG_TO_KEY: Readonly<Record<string, string>> = {
  'ACCESSION-NUMBER': 'ACCESSION NUMBER',
  TYPE: 'CONFORMED SUBMISSION TYPE',
  'PUBLIC-DOCUMENT-COUNT': 'PUBLIC DOCUMENT COUNT',
  PERIOD: 'CONFORMED PERIOD OF REPORT',
  'FILING-DATE': 'FILED AS OF DATE',
  'DATE-OF-FILING-DATE-CHANGE': 'DATE AS OF CHANGE',
  ITEMS: 'ITEM INFORMATION',
  'GROUP-MEMBERS': 'GROUP MEMBERS',
  'SUBJECT-COMPANY': 'SUBJECT COMPANY',
  'FILED-BY': 'FILED BY',
  'SERIAL-COMPANY': 'SERIAL COMPANY',
  'COMPANY-DATA': 'COMPANY DATA',
  'OWNER-DATA': 'OWNER DATA',
  'FILING-VALUES': 'FILING VALUES',
  'BUSINESS-ADDRESS': 'BUSINESS ADDRESS',
  'MAIL-ADDRESS': 'MAIL ADDRESS',
  'FORMER-COMPANY': 'FORMER COMPANY',
  'CONFORMED-NAME': 'COMPANY CONFORMED NAME',
  CIK: 'CENTRAL INDEX KEY',
  'ASSIGNED-SIC': 'STANDARD INDUSTRIAL CLASSIFICATION',
  'IRS-NUMBER': 'IRS NUMBER',
  'STATE-OF-INCORPORATION': 'STATE OF INCORPORATION',
  'FISCAL-YEAR-END': 'FISCAL YEAR END',
  'ORGANIZATION-NAME': 'ORGANIZATION NAME',
  'FORM-TYPE': 'FORM TYPE',
  ACT: 'SEC ACT',
  'FILE-NUMBER': 'SEC FILE NUMBER',
  'FILM-NUMBER': 'FILM NUMBER',
  STREET1: 'STREET 1',
  STREET2: 'STREET 2',
  PHONE: 'BUSINESS PHONE',
  'FORMER-CONFORMED-NAME': 'FORMER CONFORMED NAME',
  'DATE-CHANGED': 'DATE OF NAME CHANGE',
};

const ROLES: ReadonlySet<string> = new Set<EntityRole>([
  'FILER',
  'SUBJECT COMPANY',
  'FILED BY',
  'REPORTING-OWNER',
  'ISSUER',
  'SERIAL COMPANY',
]);

type Section = 'none' | 'data' | 'values' | 'business' | 'mail' | 'former';

const SECTIONS: Readonly<Record<string, Section>> = {
  'COMPANY DATA': 'data',
  'OWNER DATA': 'data',
  'FILING VALUES': 'values',
  'BUSINESS ADDRESS': 'business',
  'MAIL ADDRESS': 'mail',
  'FORMER COMPANY': 'former',
};

const DATA_FIELDS: Readonly<Record<string, keyof EntityData>> = {
  'COMPANY CONFORMED NAME': 'name',
  'CENTRAL INDEX KEY': 'cik',
  'IRS NUMBER': 'irsNumber',
  'STATE OF INCORPORATION': 'stateOfIncorporation',
  'FISCAL YEAR END': 'fiscalYearEnd',
  'ORGANIZATION NAME': 'organizationName',
};

const VALUE_FIELDS: Readonly<Record<string, keyof FilingValues>> = {
  'FORM TYPE': 'formType',
  'SEC ACT': 'secAct',
  'SEC FILE NUMBER': 'fileNumber',
  'FILM NUMBER': 'filmNumber',
};

const ADDRESS_FIELDS: Readonly<Record<string, keyof PostalAddress>> = {
  'STREET 1': 'street1',
  'STREET 2': 'street2',
  CITY: 'city',
  STATE: 'state',
  ZIP: 'zip',
  'BUSINESS PHONE': 'phone',
};

const KEY_SHAPE = /^[A-Z0-9][A-Z0-9 \-/&]*$/;

/** Accumulates header facts from header lines of either syntax, in any order EDGAR writes them. */
export class HeaderBuilder {
  accession?: string;
  formType?: string;
  filedAt?: string;
  period?: string;
  dateOfChange?: string;
  acceptedAt?: string;
  publicDocumentCount?: number;
  readonly items: string[] = [];
  readonly groupMembers: string[] = [];
  readonly entities: HeaderEntity[] = [];
  readonly extra: Record<string, string[]> = {};
  private entity: HeaderEntity | undefined;
  private section: Section = 'none';

  /** One header line, already trimmed and non-empty. */
  line(text: string): void {
    if (text.charCodeAt(0) === 0x3c /* < */) {
      this.tagLine(text);
      return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) return;
    const key = text.slice(0, colon).trimEnd();
    if (!KEY_SHAPE.test(key)) return;
    this.field(key, text.slice(colon + 1).trim());
  }

  /** Whether the line is a header line this builder understands: used to find where a bare header fragment starts. */
  static recognizes(text: string): boolean {
    if (text.charCodeAt(0) === 0x3c) {
      const close = text.indexOf('>');
      const tag = text.slice(1, close);
      return close > 1 && (tag === 'ACCEPTANCE-DATETIME' || tag === 'ACCESSION-NUMBER');
    }
    return text.startsWith('ACCESSION NUMBER:') || text.startsWith('CONFORMED SUBMISSION TYPE:');
  }

  private tagLine(text: string): void {
    const close = text.indexOf('>');
    if (close < 2) return;
    if (text.charCodeAt(1) === 0x2f /* / */) {
      const key = canonical(text.slice(2, close));
      if (ROLES.has(key)) {
        this.entity = undefined;
        this.section = 'none';
      } else if (key in SECTIONS) {
        this.section = 'none';
      }
      return;
    }
    this.field(canonical(text.slice(1, close)), text.slice(close + 1).trim());
  }

  private field(key: string, value: string): void {
    if (value === '') {
      if (ROLES.has(key)) return this.startEntity(key as EntityRole);
      const section = SECTIONS[key];
      if (section !== undefined) return this.startSection(section, key);
      return;
    }
    if (this.topLevel(key, value)) return;
    const entity = this.entity;
    if (entity === undefined) {
      (this.extra[key] ??= []).push(value);
      return;
    }
    if (key === 'RELATIONSHIP') {
      entity.relationships.push(value);
      return;
    }
    if (key === 'STANDARD INDUSTRIAL CLASSIFICATION') {
      Object.assign(entity.data, parseSic(value));
      return;
    }
    const dataField = DATA_FIELDS[key];
    if (dataField !== undefined) {
      entity.data[dataField] = dataField === 'cik' ? padCik(value) : value;
      return;
    }
    const valueField = VALUE_FIELDS[key];
    if (valueField !== undefined) {
      entity.filingValues[valueField] = value;
      return;
    }
    const addressField = ADDRESS_FIELDS[key];
    if (addressField !== undefined) {
      if (this.section === 'business') (entity.businessAddress ??= {})[addressField] = value;
      else if (this.section === 'mail') (entity.mailAddress ??= {})[addressField] = value;
      return;
    }
    const former = entity.formerNames[entity.formerNames.length - 1];
    if (this.section === 'former' && former !== undefined) {
      if (key === 'FORMER CONFORMED NAME') former.name = value;
      else if (key === 'DATE OF NAME CHANGE') former.changedAt = isoDate(value);
    }
  }

  private topLevel(key: string, value: string): boolean {
    switch (key) {
      case 'ACCESSION NUMBER':
        this.accession = value;
        return true;
      case 'CONFORMED SUBMISSION TYPE':
        this.formType = value;
        return true;
      case 'PUBLIC DOCUMENT COUNT': {
        const count = Number(value);
        if (Number.isInteger(count)) this.publicDocumentCount = count;
        return true;
      }
      case 'CONFORMED PERIOD OF REPORT':
        this.period = isoDate(value);
        return true;
      case 'FILED AS OF DATE':
        this.filedAt = isoDate(value);
        return true;
      case 'DATE AS OF CHANGE':
        this.dateOfChange = isoDate(value);
        return true;
      case 'ACCEPTANCE-DATETIME':
        this.acceptedAt = isoDateTime(value);
        return true;
      case 'ITEM INFORMATION':
        this.items.push(value);
        return true;
      case 'GROUP MEMBERS':
        this.groupMembers.push(value);
        return true;
      default:
        return false;
    }
  }

  private startEntity(role: EntityRole): void {
    this.entity = { role, data: {}, filingValues: {}, formerNames: [], relationships: [] };
    this.entities.push(this.entity);
    this.section = 'none';
  }

  private startSection(section: Section, key: string): void {
    // Sections outside any block only occur in malformed headers; there is no owner to give them to.
    if (this.entity === undefined) return;
    this.section = section;
    if (section === 'data') this.entity.dataKind = key === 'OWNER DATA' ? 'owner' : 'company';
    if (section === 'former') this.entity.formerNames.push({ name: '' });
  }

  /** The entities with empty FORMER COMPANY stubs dropped. */
  finishEntities(): HeaderEntity[] {
    for (const entity of this.entities) {
      entity.formerNames = entity.formerNames.filter((former: FormerName) => former.name !== '');
    }
    return this.entities;
  }
}

function canonical(tag: string): string {
  return TAG_TO_KEY[tag] ?? tag;
}

function padCik(value: string): string {
  return /^\d{1,10}$/.test(value) ? value.padStart(10, '0') : value;
}

/** "ELECTRONIC COMPUTERS [3571]" -> code and name; " []" -> nothing; "6189" -> code only. */
export function parseSic(value: string): Pick<EntityData, 'sic' | 'industry'> {
  const open = value.lastIndexOf('[');
  const close = value.lastIndexOf(']');
  if (open === -1 || close < open) return /^\d{3,4}$/.test(value) ? { sic: value } : {};
  const code = value.slice(open + 1, close).trim();
  const industry = value.slice(0, open).trim();
  if (!/^\d{3,4}$/.test(code)) return {};
  return industry === '' ? { sic: code } : { sic: code, industry };
}
