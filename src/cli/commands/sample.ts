import * as path from 'node:path';
import { MAX_COUNT, MAX_YEAR, MIN_YEAR, sampleFilings, writeSamples, type SampleFiling, type WriteSummary } from '../../sample/index.js';
import { EXIT, UsageError } from '../errors.js';
import { runtime, type CommonFlags } from '../runtime.js';

interface Flags extends CommonFlags {
  year: string;
  count: string;
  filingsDir?: string;
  seed?: string;
}

/** A whole number as typed: "2010" yes, "2010.5", "1e3", "" or "12abc" no. */
function wholeNumber(value: string, flag: string, min: number, max: number): number {
  const n = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, not "${value}"`);
  }
  return n;
}

/** A folder that cannot take files is a configuration problem (exit 2), not a crash. */
function writeOrExplain(filingsDir: string, filings: Iterable<SampleFiling>): WriteSummary {
  try {
    return writeSamples(filingsDir, filings);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOTDIR' || code === 'EEXIST') {
      throw new UsageError(`cannot write filings under ${filingsDir} (${code}); set --filings-dir or FILINGS_DIR`);
    }
    throw err;
  }
}

export default async function sample(flags: Flags): Promise<number> {
  const { config } = runtime(flags);
  const year = wholeNumber(flags.year, '--year', MIN_YEAR, MAX_YEAR);
  const count = wholeNumber(flags.count, '--count', 1, MAX_COUNT);
  // Default seed: the year, so `edgar sample --year 2010 --count 24` reproduces the demo data.
  const seed = flags.seed === undefined ? year : wholeNumber(flags.seed, '--seed', -(2 ** 31), 2 ** 32 - 1);
  const filingsDir = flags.filingsDir ? path.resolve(flags.filingsDir) : config.filingsDir;
  const summary = writeOrExplain(filingsDir, sampleFilings({ year, count, seed }));
  const forms = Object.entries(summary.forms)
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([form, n]) => `${n} ${/^\d+(?:\/A)?$/.test(form) ? `Form ${form}` : form}`)
    .join(', ');
  process.stdout.write(
    `wrote ${summary.written} fictitious filings filed in ${year} (seed ${seed}) under ${path.join(filingsDir, 'edgar', 'data')}: ${forms}\n`,
  );
  return EXIT.ok;
}
