import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSubmissionFile } from '../../src/edgar/index.js';
import { writeUuencodedFiling } from './generate.js';

// vitest's workers run without --expose-gc; the flag can still be set at run time and the
// gc function fetched from a fresh context.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const work = mkdtempSync(path.join(tmpdir(), 'edgar-memory-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const used = (): number => {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};
const MB = 1024 * 1024;

describe('memory', () => {
  it('a 40 MB uuencoded part streams through without being held', async () => {
    const file = path.join(work, 'uuencoded.txt');
    writeUuencodedFiling(file, 40 * MB);
    const partSize = statSync(file).size;

    gc();
    const before = used();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, used());
    }, 1);
    const sub = await parseSubmissionFile(file);
    clearInterval(sampler);
    peak = Math.max(peak, used());
    gc();
    const retained = used() - before;

    expect(sub.documents[1]).toMatchObject({ type: 'EX-99', skipped: 'uuencoded' });
    expect(sub.documents[1]?.text).toBeUndefined();
    expect(sub.documents[1]?.size).toBeGreaterThan(40 * MB);
    // Kept after parsing: the submission object (a few KB), plus whatever the allocator and
    // the stream's buffer pool keep around, which varies with load (seen up to ~5 MB). A
    // part that was held would show up here as 40 MB or more.
    expect(retained).toBeLessThan(8 * MB);
    // Transient: read chunks and line views awaiting collection (about 10 MB), never the part itself.
    expect(peak - before).toBeLessThan(partSize / 2);
    console.log(`40 MB uuencoded part: peak +${((peak - before) / MB).toFixed(1)} MB, retained +${(retained / 1024).toFixed(0)} KB`);
  }, 60_000);
});
