/** The shape of a parsed EDGAR full submission. */

/** A header block's role, spelled as in the colon-syntax header (tag syntax is mapped to it). */
export type EntityRole =
  | 'FILER'
  | 'SUBJECT COMPANY'
  | 'FILED BY'
  | 'REPORTING-OWNER'
  | 'ISSUER'
  | 'SERIAL COMPANY';

/** COMPANY DATA or OWNER DATA of a header block. */
export interface EntityData {
  name?: string;
  /** 10 digits, zero-padded. */
  cik?: string;
  /** The 4-digit code of STANDARD INDUSTRIAL CLASSIFICATION ("ELECTRONIC COMPUTERS [3571]" -> "3571"). */
  sic?: string;
  /** The SIC's industry name; the `.nc` format carries only the code. */
  industry?: string;
  organizationName?: string;
  irsNumber?: string;
  stateOfIncorporation?: string;
  /** MMDD as written, e.g. "0930". */
  fiscalYearEnd?: string;
}

export interface FilingValues {
  formType?: string;
  secAct?: string;
  fileNumber?: string;
  filmNumber?: string;
}

export interface PostalAddress {
  street1?: string;
  street2?: string;
  city?: string;
  state?: string;
  zip?: string;
  phone?: string;
}

export interface FormerName {
  name: string;
  /** YYYY-MM-DD */
  changedAt?: string;
}

export interface HeaderEntity {
  role: EntityRole;
  /** Which data block the header gave: COMPANY DATA or OWNER DATA (Form 4 reporting owners since 2003). */
  dataKind?: 'company' | 'owner';
  data: EntityData;
  filingValues: FilingValues;
  businessAddress?: PostalAddress;
  mailAddress?: PostalAddress;
  formerNames: FormerName[];
  /** `<RELATIONSHIP>DIRECTOR` lines of pre-XML ownership filings. */
  relationships: string[];
}

export type SkipReason = 'uuencoded' | 'xbrl' | 'binary';

export interface DocumentMeta {
  type: string;
  sequence?: number;
  filename?: string;
  description?: string;
}

export interface FilingDocument extends DocumentMeta {
  /** Position among the submission's documents, from 0. */
  index: number;
  /** Bytes between the `<TEXT>` and `</TEXT>` lines. */
  size: number;
  isHtml: boolean;
  /** Set when the body was not kept because of what it is. */
  skipped?: SkipReason;
  /** The body, when kept (not skipped, and accepted by `keepText`). */
  text?: string;
  /** The submission ended inside this document. */
  truncated: boolean;
  /** Lines longer than the line cap: counted in `size`, left out of `text`. */
  overlongLines: number;
}

export type SubmissionFormat =
  | 'sec-document' // <SEC-DOCUMENT>, optionally PEM-wrapped
  | 'ims-document' // <IMS-DOCUMENT>, the 1990s variant
  | 'nc-submission' // dissemination `.nc`: <SUBMISSION> with tag-syntax header
  | 'sec-header' // a lone <SEC-HEADER> (.hdr.sgml)
  | 'header-fragment'; // header lines with no wrapper at all

export interface Submission {
  /** File path, or the name given to parseSubmissionText. */
  source: string;
  format: SubmissionFormat;
  accession: string;
  formType: string;
  /** YYYY-MM-DD */
  filedAt?: string;
  period?: string;
  dateOfChange?: string;
  /** ISO local time, e.g. "2007-01-25T10:22:11". */
  acceptedAt?: string;
  publicDocumentCount?: number;
  items: string[];
  groupMembers: string[];
  entities: HeaderEntity[];
  documents: FilingDocument[];
  /** Header keys this parser does not model (e.g. SROS, ABS ASSET CLASS, DEPOSITOR-CIK), as written. */
  extra: Record<string, string[]>;
  /** The file ended after a complete header but before the submission's closing tag. */
  truncated: boolean;
  bytes: number;
}

export interface ParseOptions {
  /** Decides per document whether its body is kept; skipped kinds are never kept. Default: keep all. */
  keepText?: (meta: DocumentMeta) => boolean;
  /** Longest line kept, in bytes; longer lines are counted and dropped. Default 1 MiB. */
  maxLineBytes?: number;
}
