import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SampleFiling } from './generate.js';

export interface WriteSummary {
  written: number;
  /** Files per form type, e.g. { '10-K': 6, '4': 5 }. */
  forms: Record<string, number>;
  files: string[];
}

/**
 * Writes each filing under `filingsDir` at its EDGAR path, through a tmp file and a
 * rename: a scanner running meanwhile (`coordinate`) sees a whole filing or none. The tmp
 * name starts with a dot and ends in `.tmp`, so no `*.txt` scan ever picks it up. Same seed,
 * same bytes: re-running replaces files with identical ones.
 */
export function writeSamples(filingsDir: string, filings: Iterable<SampleFiling>): WriteSummary {
  const summary: WriteSummary = { written: 0, forms: {}, files: [] };
  const made = new Set<string>();
  for (const filing of filings) {
    const dest = path.join(filingsDir, ...filing.relativePath.split('/'));
    const dir = path.dirname(dest);
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const tmp = path.join(dir, `.${filing.fileName}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`);
    try {
      fs.writeFileSync(tmp, filing.text);
      fs.renameSync(tmp, dest);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    summary.written++;
    summary.forms[filing.expected.formType] = (summary.forms[filing.expected.formType] ?? 0) + 1;
    summary.files.push(dest);
  }
  return summary;
}
