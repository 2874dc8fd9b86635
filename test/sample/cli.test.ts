import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSamples } from '../../src/sample/index.js';
import { edgar, tempDir } from '../helpers.js';

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('edgar sample', () => {
  it('writes the generated filings in EDGAR layout, byte for byte, and says so in one line', async () => {
    const dir = tempDir();
    const r = await edgar(['sample', '--year', '2010', '--count', '7', '--filings-dir', dir, '--seed', '3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout).toContain('wrote 7 fictitious filings filed in 2010 (seed 3)');
    const expected = generateSamples({ year: 2010, count: 7, seed: 3 });
    expect(filesUnder(dir)).toEqual(expected.map((f) => f.relativePath).sort());
    for (const f of expected) {
      expect(f.relativePath).toMatch(/^edgar\/data\/9\d{9}\/9999999999-10-\d{6}\.txt$/);
      expect(fs.readFileSync(path.join(dir, f.relativePath), 'utf8')).toBe(f.text);
    }
  });

  it('FILINGS_DIR is the default; the flag wins over it; the seed defaults to the year', async () => {
    const fromEnv = tempDir();
    const fromFlag = tempDir();
    expect((await edgar(['sample', '--year', '2011', '--count', '2'], { FILINGS_DIR: fromEnv })).code).toBe(0);
    expect(filesUnder(fromEnv)).toEqual(generateSamples({ year: 2011, count: 2, seed: 2011 }).map((f) => f.relativePath).sort());
    expect((await edgar(['sample', '--year', '2011', '--count', '2', '--filings-dir', fromFlag], { FILINGS_DIR: fromEnv })).code).toBe(0);
    expect(filesUnder(fromFlag)).toHaveLength(2);
    expect(filesUnder(fromEnv)).toHaveLength(2);
  });

  for (const [args, message] of [
    [['--year', '2010', '--count', 'ten'], /--count must be a whole number/],
    [['--year', '1800', '--count', '3'], /--year must be a whole number from 1994/],
    [['--year', '2010', '--count', '3', '--seed', '1.5'], /--seed must be a whole number/],
    [['--year', '2010'], /--count/],
  ] as const) {
    it(`bad values (${args.join(' ')}): one line, exit 2, nothing written`, async () => {
      const dir = tempDir();
      const r = await edgar(['sample', ...args, '--filings-dir', dir]);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(filesUnder(dir)).toEqual([]);
    });
  }
});
