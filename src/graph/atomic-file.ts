import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a file line by line through a tmp file in the same folder, then renames it into
 * place: a reader (or neo4j-admin started too early) never sees half an export, and lines
 * go straight to disk instead of being joined into one huge string.
 */
export class AtomicFile {
  private readonly tmp: string;
  private readonly fd: number;
  private buffer: string[] = [];
  private buffered = 0;

  constructor(readonly dest: string, private readonly mode = 0o644) {
    this.tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`);
    this.fd = fs.openSync(this.tmp, 'w', mode);
  }

  line(text: string): void {
    this.buffer.push(text, '\n');
    this.buffered += text.length + 1;
    if (this.buffered > 1 << 20) this.flush();
  }

  commit(): string {
    this.flush();
    fs.closeSync(this.fd);
    fs.chmodSync(this.tmp, this.mode);
    fs.renameSync(this.tmp, this.dest);
    return this.dest;
  }

  abort(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    fs.rmSync(this.tmp, { force: true });
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    fs.writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.buffered = 0;
  }
}
