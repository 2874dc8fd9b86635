const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

/**
 * Receives each line without its line ending. `rawLength` counts the bytes the line took in
 * the input, ending included. An overlong line arrives once, as an empty buffer with
 * `overlong` set, after its last byte: it was never held in memory.
 */
export type LineHandler = (line: Buffer, rawLength: number, overlong: boolean) => void;

/**
 * Splits a byte stream into lines without decoding it. A partial line is held across
 * chunks only up to `maxLine` bytes, so a 50 MB line costs at most `maxLine` of memory.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryLength = 0;
  private overlongLength = -1; // >= 0 while inside a line already known to be overlong

  constructor(
    private readonly maxLine: number,
    private readonly onLine: LineHandler,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) break;
      this.emit(chunk, start, nl, nl + 1 - start);
      start = nl + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  /** Flushes a last line that had no line ending. */
  end(): void {
    if (this.overlongLength >= 0) {
      const length = this.overlongLength;
      this.overlongLength = -1;
      this.onLine(EMPTY, length, true);
    } else if (this.carryLength > 0) {
      const line = this.takeCarry();
      this.onLine(stripCr(line), line.length, false);
    }
  }

  private emit(chunk: Buffer, start: number, nl: number, raw: number): void {
    if (this.overlongLength >= 0) {
      const length = this.overlongLength + raw;
      this.overlongLength = -1;
      this.onLine(EMPTY, length, true);
      return;
    }
    const total = this.carryLength + raw;
    if (total - 1 > this.maxLine) {
      this.carry = [];
      this.carryLength = 0;
      this.onLine(EMPTY, total, true);
      return;
    }
    const line =
      this.carryLength > 0
        ? Buffer.concat([this.takeCarry(), chunk.subarray(start, nl)])
        : chunk.subarray(start, nl);
    this.onLine(stripCr(line), total, false);
  }

  private hold(rest: Buffer): void {
    if (this.overlongLength >= 0) {
      this.overlongLength += rest.length;
    } else if (this.carryLength + rest.length > this.maxLine) {
      this.overlongLength = this.carryLength + rest.length;
      this.carry = [];
      this.carryLength = 0;
    } else {
      this.carry.push(rest);
      this.carryLength += rest.length;
    }
  }

  private takeCarry(): Buffer {
    const joined = this.carry.length === 1 ? (this.carry[0] as Buffer) : Buffer.concat(this.carry);
    this.carry = [];
    this.carryLength = 0;
    return joined;
  }
}

function stripCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
}
