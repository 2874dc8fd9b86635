import * as fs from 'node:fs';

/**
 * How a full submission ends: `</SEC-DOCUMENT>` (the .txt form), `</SUBMISSION>` (the .nc
 * dissemination form), or the PEM trailer that wraps older filings. A file cut short ends
 * in the middle of a document, never with one of these.
 */
const CLOSINGS = ['</SEC-DOCUMENT>', '</SUBMISSION>', '-----END PRIVACY-ENHANCED MESSAGE-----'];
const TAIL_BYTES = 256;

export function endsLikeSubmission(tail: string): boolean {
  const t = tail.trimEnd().toUpperCase();
  return CLOSINGS.some((c) => t.endsWith(c));
}

/** A file already in place counts as downloaded only if it is a whole submission. */
export function isCompleteSubmission(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) return false;
    const len = Math.min(TAIL_BYTES, size);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    return endsLikeSubmission(buf.toString('latin1'));
  } finally {
    fs.closeSync(fd);
  }
}
