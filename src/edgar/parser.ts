import { createReadStream } from 'node:fs';
import { decodeLine } from './decode.js';
import { DocumentBody } from './document-body.js';
import { FilingParseError } from './errors.js';
import { HeaderBuilder } from './header.js';
import { LineSplitter } from './lines.js';
import type {
  DocumentMeta,
  FilingDocument,
  ParseOptions,
  Submission,
  SubmissionFormat,
} from './types.js';

/** An EDGAR header starts within the first lines; past this many bytes without one, it is not a filing. */
const SNIFF_LIMIT = 64 * 1024;
const DEFAULT_MAX_LINE = 1024 * 1024;
/** Real headers stay under a megabyte even with hundreds of filers; past this it is garbage, not a header. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;
const ACCESSION_SHAPE = /^\d{10}-\d{2}-\d{6}$/;

const enum Phase {
  Preamble, // before the first header line: PEM wrapper, blank lines
  Header,
  Between, // after the header, between documents
  DocMeta, // <DOCUMENT> seen, before <TEXT>
  DocText,
  AfterText, // </TEXT> seen, before </DOCUMENT>
  Done, // the submission's closing tag seen: the rest (PEM trailer) is ignored
}

/** Opening line -> format and the line that closes it. */
const WRAPPERS: ReadonlyArray<readonly [string, SubmissionFormat, string]> = [
  ['<SEC-DOCUMENT>', 'sec-document', '</SEC-DOCUMENT>'],
  ['<IMS-DOCUMENT>', 'ims-document', '</IMS-DOCUMENT>'],
  ['<SUBMISSION>', 'nc-submission', '</SUBMISSION>'],
  ['<SEC-HEADER>', 'sec-header', '</SEC-HEADER>'],
  ['<IMS-HEADER>', 'sec-header', '</IMS-HEADER>'],
];

/**
 * The one line-driven state machine behind both entry points. Feed it chunks, then call
 * `finish`. It keeps in memory only the header and the document bodies `keepText` asks for.
 */
export class SubmissionParser {
  private phase = Phase.Preamble;
  private format: SubmissionFormat = 'header-fragment';
  private wrapperClose = '';
  private wrapperClosed = false;
  private bytes = 0;
  private headerBytes = 0;
  private sawPemPreamble = false;
  private readonly header = new HeaderBuilder();
  private readonly documents: FilingDocument[] = [];
  private meta: DocumentMeta = { type: '' };
  private body: DocumentBody | undefined;
  private readonly splitter: LineSplitter;

  constructor(
    private readonly source: string,
    private readonly options: ParseOptions = {},
  ) {
    this.splitter = new LineSplitter(options.maxLineBytes ?? DEFAULT_MAX_LINE, (line, raw, overlong) =>
      this.onLine(line, raw, overlong),
    );
  }

  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    this.splitter.push(chunk);
    if (this.phase === Phase.Preamble && this.bytes > SNIFF_LIMIT) {
      this.fail('NOT_EDGAR', `not an EDGAR submission: no header in the first ${SNIFF_LIMIT / 1024} KB`);
    }
  }

  /**
   * Which truncations are usable: a file cut after its header is complete still names the
   * filing and its parties, so it parses with `truncated` set (and the document it ends in
   * flagged); a file cut inside the header would silently lose parties, so it fails. A bare
   * header fragment has no closing tag to miss and is taken as complete.
   */
  finish(): Submission {
    this.splitter.end();
    if (this.phase === Phase.Preamble) {
      if (this.bytes === 0) this.fail('EMPTY', 'empty file');
      if (this.sawPemPreamble) this.fail('TRUNCATED', 'truncated: the file ends inside the PEM preamble, before the header');
      this.fail('NOT_EDGAR', 'not an EDGAR submission: no SEC-DOCUMENT, SUBMISSION or ACCESSION NUMBER header');
    }
    const headerComplete = this.phase !== Phase.Header || this.format === 'header-fragment';
    if (!headerComplete) {
      this.fail('TRUNCATED', `truncated: the file ends inside the header, after ${this.bytes} bytes`);
    }
    const h = this.header;
    if (h.accession === undefined) this.fail('NO_ACCESSION', 'no ACCESSION NUMBER in the header');
    if (!ACCESSION_SHAPE.test(h.accession)) {
      this.fail('NO_ACCESSION', `malformed ACCESSION NUMBER "${h.accession.slice(0, 40)}"`);
    }
    if (h.formType === undefined) this.fail('NO_FORM_TYPE', 'no CONFORMED SUBMISSION TYPE in the header');
    const truncated = this.format !== 'header-fragment' && !this.wrapperClosed;
    if (this.phase === Phase.DocMeta || this.phase === Phase.DocText || this.phase === Phase.AfterText) {
      this.endDocument(true);
    }
    return {
      source: this.source,
      format: this.format,
      accession: h.accession,
      formType: h.formType,
      filedAt: h.filedAt,
      period: h.period,
      dateOfChange: h.dateOfChange,
      acceptedAt: h.acceptedAt,
      publicDocumentCount: h.publicDocumentCount,
      items: h.items,
      groupMembers: h.groupMembers,
      entities: h.finishEntities(),
      documents: this.documents,
      extra: h.extra,
      truncated,
      bytes: this.bytes,
    };
  }

  private onLine(line: Buffer, raw: number, overlong: boolean): void {
    switch (this.phase) {
      case Phase.Preamble:
        return this.preambleLine(line, overlong);
      case Phase.Header:
        this.headerBytes += raw;
        if (this.headerBytes > MAX_HEADER_BYTES) this.fail('NOT_EDGAR', 'not an EDGAR submission: a header of more than 16 MB');
        if (!overlong) this.headerLine(decodeLine(line).trim());
        return;
      case Phase.Between:
        if (!overlong && line[0] === 0x3c) this.betweenLine(shortTag(line));
        return;
      case Phase.DocMeta:
        if (!overlong) this.metaLine(decodeLine(line).trim());
        return;
      case Phase.DocText:
        return this.textLine(line, raw, overlong);
      case Phase.AfterText:
        if (!overlong && line[0] === 0x3c) this.afterTextLine(shortTag(line));
        return;
      case Phase.Done:
        return;
    }
  }

  private preambleLine(line: Buffer, overlong: boolean): void {
    if (overlong) this.fail('NOT_EDGAR', 'not an EDGAR submission: a huge line where the header should be');
    if (line.indexOf(0) !== -1) this.fail('NOT_EDGAR', 'not an EDGAR submission: binary data (NUL bytes)');
    const text = decodeLine(line).trim();
    if (text === '') return;
    if (text === '-----BEGIN PRIVACY-ENHANCED MESSAGE-----') {
      this.sawPemPreamble = true;
      return;
    }
    for (const [open, format, close] of WRAPPERS) {
      if (text.startsWith(open)) {
        this.format = format;
        this.wrapperClose = close;
        this.phase = Phase.Header;
        return;
      }
    }
    if (HeaderBuilder.recognizes(text)) {
      this.phase = Phase.Header;
      this.header.line(text);
      return;
    }
    const lower = text.slice(0, 16).toLowerCase();
    if (lower.startsWith('<!doctype') || lower.startsWith('<html')) {
      this.fail('NOT_EDGAR', 'not an EDGAR submission: an HTML page');
    }
  }

  private headerLine(text: string): void {
    if (text === '') return;
    if (text === '</SEC-HEADER>' || text === '</IMS-HEADER>') {
      this.closeWrapperIf(text);
      if (this.phase !== Phase.Done) this.phase = Phase.Between;
    } else if (text === '<DOCUMENT>') {
      this.startDocument();
    } else if (text === this.wrapperClose) {
      this.closeWrapperIf(text);
    } else if (!text.startsWith('<SEC-HEADER>') && !text.startsWith('<IMS-HEADER>')) {
      this.header.line(text);
    }
  }

  private betweenLine(tag: string): void {
    if (tag === '<DOCUMENT>') this.startDocument();
    else this.closeWrapperIf(tag);
  }

  private metaLine(text: string): void {
    const close = text.indexOf('>');
    if (text.charCodeAt(0) !== 0x3c || close === -1) return;
    const tag = text.slice(0, close + 1);
    const value = text.slice(close + 1).trim();
    switch (tag) {
      case '<TYPE>':
        this.meta.type = value;
        return;
      case '<SEQUENCE>': {
        const sequence = Number(value);
        if (Number.isInteger(sequence)) this.meta.sequence = sequence;
        return;
      }
      case '<FILENAME>':
        this.meta.filename = value;
        return;
      case '<DESCRIPTION>':
        this.meta.description = value;
        return;
      case '<TEXT>': {
        const keep = this.options.keepText?.({ ...this.meta }) ?? true;
        this.body = new DocumentBody(this.meta, keep);
        this.phase = Phase.DocText;
        return;
      }
      default:
        this.afterTextLine(tag);
    }
  }

  private textLine(line: Buffer, raw: number, overlong: boolean): void {
    if (!overlong && line[0] === 0x3c && line.length < 24) {
      const tag = shortTag(line);
      if (tag === '</TEXT>') {
        this.phase = Phase.AfterText;
        return;
      }
      if (tag === '</DOCUMENT>') {
        this.endDocument(false);
        return;
      }
    }
    this.body?.line(line, raw, overlong);
  }

  private afterTextLine(tag: string): void {
    if (tag === '</DOCUMENT>') {
      this.endDocument(false);
    } else if (tag === '<DOCUMENT>') {
      this.endDocument(false);
      this.startDocument();
    } else if (tag === this.wrapperClose) {
      this.endDocument(false);
      this.closeWrapperIf(tag);
    }
  }

  private startDocument(): void {
    this.phase = Phase.DocMeta;
    this.meta = { type: '' };
    this.body = undefined;
  }

  private endDocument(truncated: boolean): void {
    const body = this.body;
    const doc: FilingDocument = {
      index: this.documents.length,
      ...this.meta,
      size: body?.size ?? 0,
      isHtml: body?.isHtml ?? /\.html?$/i.test(this.meta.filename ?? ''),
      truncated,
      overlongLines: body?.overlongLines ?? 0,
    };
    if (body?.skipped !== undefined) doc.skipped = body.skipped;
    const text = body?.text();
    if (text !== undefined) doc.text = text;
    this.documents.push(doc);
    this.body = undefined;
    this.phase = Phase.Between;
  }

  private closeWrapperIf(tag: string): void {
    if (tag !== this.wrapperClose) return;
    this.wrapperClosed = true;
    this.phase = Phase.Done;
  }

  private fail(code: FilingParseError['code'], detail: string): never {
    throw new FilingParseError(code, this.source, detail);
  }
}

/** A tag line's text without trailing blanks; only called for lines starting with "<". */
function shortTag(line: Buffer): string {
  return line.length > 40 ? '' : line.toString('latin1').trimEnd();
}

export interface FileParseOptions extends ParseOptions {
  signal?: AbortSignal;
}

/** Parses a full submission from disk as a stream: memory stays flat whatever the file's size. */
export async function parseSubmissionFile(path: string, options: FileParseOptions = {}): Promise<Submission> {
  const parser = new SubmissionParser(path, options);
  const stream = createReadStream(path, { highWaterMark: 256 * 1024, signal: options.signal });
  for await (const chunk of stream) parser.push(chunk as Buffer);
  return parser.finish();
}

/** Parses a submission held in a string (tests, small inputs); `source` names it in errors. */
export function parseSubmissionText(text: string, options: ParseOptions & { source?: string } = {}): Submission {
  const parser = new SubmissionParser(options.source ?? '<text>', options);
  parser.push(Buffer.from(text, 'utf8'));
  return parser.finish();
}
