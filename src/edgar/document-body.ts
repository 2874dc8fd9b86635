import { decodeBody } from './decode.js';
import type { DocumentMeta, SkipReason } from './types.js';

const NEWLINE = Buffer.from('\n');
/** Non-blank lines inspected for an HTML start: inline XBRL puts <XBRL> and <?xml> before <html>. */
const HTML_SNIFF_LINES = 5;

const XBRL_TYPES = new Set(['XML', 'XBRL', 'JSON']);
const BINARY_TYPES = new Set(['GRAPHIC', 'ZIP', 'PDF', 'EXCEL']);

/** Document kinds whose bodies are never worth keeping: XBRL data, and binaries (always uuencoded). */
function skipReasonForType(type: string): SkipReason | undefined {
  const upper = type.toUpperCase();
  if (XBRL_TYPES.has(upper) || upper.startsWith('EX-101.') || upper.startsWith('EX-100.')) return 'xbrl';
  if (BINARY_TYPES.has(upper)) return 'binary';
  return undefined;
}

/**
 * The body of one `<DOCUMENT>` between `<TEXT>` and `</TEXT>`. Counts every byte, keeps the
 * lines only when asked, and drops uuencoded parts as they stream by.
 */
export class DocumentBody {
  size = 0;
  overlongLines = 0;
  isHtml: boolean;
  skipped: SkipReason | undefined;
  private segments: Buffer[] | undefined;
  private uuencoding = false;
  private sniffLeft = HTML_SNIFF_LINES;

  constructor(meta: DocumentMeta, keep: boolean) {
    this.skipped = skipReasonForType(meta.type);
    this.isHtml = /\.html?$/i.test(meta.filename ?? '');
    this.segments = keep && this.skipped === undefined ? [] : undefined;
  }

  line(line: Buffer, rawLength: number, overlong: boolean): void {
    this.size += rawLength;
    if (overlong) {
      this.overlongLines++;
      return;
    }
    if (this.uuencoding) {
      if (isUuEnd(line)) this.uuencoding = false;
      return;
    }
    if (this.skipped !== undefined) return;
    if (isUuBegin(line)) {
      this.uuencoding = true;
      this.skipped = 'uuencoded';
      this.segments = undefined;
      return;
    }
    if (this.sniffLeft > 0 && !isBlank(line)) {
      this.sniffLeft--;
      if (startsHtml(line)) this.isHtml = true;
    }
    this.segments?.push(line, NEWLINE);
  }

  /** The kept text, or undefined when the body was not kept. */
  text(): string | undefined {
    const segments = this.segments;
    this.segments = undefined;
    return segments === undefined ? undefined : decodeBody(Buffer.concat(segments));
  }
}

/** `begin 644 name` (mode: 3 or 4 octal digits). Checked byte by byte: body lines can be megabytes long. */
function isUuBegin(line: Buffer): boolean {
  if (line.length < 10 || line[0] !== 0x62 || line.toString('latin1', 0, 6) !== 'begin ') return false;
  let i = 6;
  while (i < line.length && i < 10 && line[i]! >= 0x30 && line[i]! <= 0x37) i++;
  return i >= 9 && line[i] === 0x20;
}

function isUuEnd(line: Buffer): boolean {
  return line.length <= 5 && line.toString('latin1').trimEnd() === 'end';
}

function isBlank(line: Buffer): boolean {
  for (const byte of line) if (byte !== 0x20 && byte !== 0x09) return false;
  return true;
}

function startsHtml(line: Buffer): boolean {
  const head = line.toString('latin1', 0, Math.min(line.length, 64)).trimStart().toLowerCase();
  return head.startsWith('<html') || head.startsWith('<!doctype html');
}
