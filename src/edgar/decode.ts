import { isUtf8 } from 'node:buffer';

/** UTF-8 when the bytes are valid UTF-8, else Latin-1 (which never fails): EDGAR predates UTF-8. */
export function decodeLine(bytes: Buffer): string {
  return isUtf8(bytes) ? bytes.toString('utf8') : bytes.toString('latin1');
}

/** Decodes a whole body at once when it is valid UTF-8 (the common case), else line by line. */
export function decodeBody(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  const parts: string[] = [];
  let start = 0;
  for (;;) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl === -1 ? bytes.length : nl;
    parts.push(decodeLine(bytes.subarray(start, end)));
    if (nl === -1) break;
    start = nl + 1;
  }
  return parts.join('\n');
}

/** "20070125" -> "2007-01-25"; anything else -> undefined. */
export function isoDate(value: string): string | undefined {
  if (!/^\d{8}$/.test(value)) return undefined;
  return `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6, 8)}`;
}

/** "20070125102211" -> "2007-01-25T10:22:11". */
export function isoDateTime(value: string): string | undefined {
  if (!/^\d{14}$/.test(value)) return undefined;
  return `${isoDate(value.slice(0, 8))}T${value.slice(8, 10)}:${value.slice(10, 12)}:${value.slice(12, 14)}`;
}
