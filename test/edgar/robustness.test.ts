import { mkdtempSync, readFileSync, rmSync, writeFileSync, closeSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FilingParseError, parseSubmissionFile, parseSubmissionText, type Submission } from '../../src/edgar/index.js';
import { SYNTHETIC_HEADER, seededRandom } from './generate.js';
import { filingPath } from './samples.js';

const work = mkdtempSync(path.join(tmpdir(), 'edgar-robustness-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let counter = 0;
function tempFile(content: Buffer | string): string {
  const file = path.join(work, `case-${counter++}.txt`);
  writeFileSync(file, content);
  return file;
}

/** Parses, or throws a FilingParseError naming the file; anything else fails the test. */
async function parseOrReject(file: string): Promise<Submission | FilingParseError> {
  try {
    return await parseSubmissionFile(file);
  } catch (error) {
    expect(error).toBeInstanceOf(FilingParseError);
    expect((error as FilingParseError).message).toContain(file);
    expect((error as FilingParseError).file).toBe(file);
    return error as FilingParseError;
  }
}

async function expectFailure(file: string, code: FilingParseError['code']): Promise<FilingParseError> {
  const outcome = await parseOrReject(file);
  expect(outcome).toBeInstanceOf(FilingParseError);
  expect((outcome as FilingParseError).code).toBe(code);
  return outcome as FilingParseError;
}

describe('truncated filings', () => {
  it('50 seeded cuts of a PEM-wrapped 8-K: an incomplete header fails, a complete one parses as truncated', async () => {
    const bytes = readFileSync(filingPath('0000092122-07-000008.txt'));
    const text = bytes.toString('latin1');
    const headerClose = text.indexOf('</SEC-HEADER>');
    const submissionClose = text.indexOf('</SEC-DOCUMENT>');
    const random = seededRandom(2024);
    let parsed = 0;
    for (let i = 0; i < 50; i++) {
      // Half the cuts anywhere, half inside the documents, where the interesting states are.
      const cut = i % 2 === 0 ? Math.floor(random() * bytes.length) : headerClose + Math.floor(random() * (submissionClose - headerClose));
      const outcome = await parseOrReject(tempFile(bytes.subarray(0, cut)));
      if (cut < headerClose) {
        expect(outcome, `cut at ${cut}`).toBeInstanceOf(FilingParseError);
      } else if (cut > headerClose + '</SEC-HEADER>'.length && cut < submissionClose) {
        expect(outcome, `cut at ${cut}`).not.toBeInstanceOf(FilingParseError);
        const sub = outcome as Submission;
        expect(sub.truncated).toBe(true);
        expect(sub.accession).toBe('0000092122-07-000008');
        expect(sub.entities).toHaveLength(6);
        const last = sub.documents[sub.documents.length - 1];
        if (last !== undefined) expect(last.size).toBeLessThanOrEqual(cut);
        parsed++;
      }
    }
    expect(parsed).toBeGreaterThan(25);
  }, 30_000);

  it('names why a cut in the header fails', async () => {
    const text = readFileSync(filingPath('0000092122-07-000008.txt'), 'latin1');
    const error = await expectFailure(tempFile(text.slice(0, text.indexOf('FILER:'))), 'TRUNCATED');
    expect(error.message).toMatch(/ends inside the header/);
  });

  it('a cut inside the PEM preamble says so', async () => {
    const text = readFileSync(filingPath('0000092122-07-000008.txt'), 'latin1');
    const error = await expectFailure(tempFile(text.slice(0, 120)), 'TRUNCATED');
    expect(error.message).toMatch(/PEM preamble/);
  });

  it('flags the document the file ends in, also inside a uuencoded part', async () => {
    const text = readFileSync(filingPath('0000092122-07-000008.txt'), 'latin1');
    const sub = parseSubmissionText(text.slice(0, text.indexOf('begin 644 img1.gif') + 200));
    expect(sub.truncated).toBe(true);
    expect(sub.documents.map((d) => [d.type, d.truncated, d.skipped ?? null])).toEqual([
      ['8-K', false, null],
      ['GRAPHIC', true, 'binary'],
    ]);
  });

  it('20 seeded cuts of the 3 MB .nc file parse as truncated', async () => {
    const bytes = readFileSync(filingPath('0001193125-10-145855.nc'));
    const firstDocument = bytes.indexOf('<DOCUMENT>');
    const random = seededRandom(7);
    for (let i = 0; i < 20; i++) {
      const cut = firstDocument + 11 + Math.floor(random() * (bytes.length - firstDocument - 40));
      const outcome = await parseOrReject(tempFile(bytes.subarray(0, cut)));
      expect(outcome, `cut at ${cut}`).toMatchObject({ truncated: true, accession: '0001193125-10-145855' });
    }
  }, 30_000);
});

describe('inputs that are not filings', () => {
  it('an empty file', async () => {
    const error = await expectFailure(tempFile(''), 'EMPTY');
    expect(error.message).toMatch(/empty file/);
  });

  it('an HTML page', async () => {
    const page = '<!DOCTYPE html>\n<html><head><title>EDGAR | Page Not Found</title></head>\n<body><p>The page you requested does not exist.</p></body></html>\n';
    const error = await expectFailure(tempFile(page), 'NOT_EDGAR');
    expect(error.message).toMatch(/HTML page/);
  });

  it('a binary file with NUL bytes', async () => {
    const random = seededRandom(1);
    const bytes = Buffer.alloc(200_000, 0);
    for (let i = 0; i < bytes.length; i += 3) bytes[i] = Math.floor(random() * 256);
    await expectFailure(tempFile(bytes), 'NOT_EDGAR');
  });

  it('30 buffers of seeded random bytes, some with an EDGAR header in front', async () => {
    const random = seededRandom(99);
    for (let i = 0; i < 30; i++) {
      const garbage = Buffer.alloc(Math.floor(random() * 300_000));
      for (let j = 0; j < garbage.length; j++) garbage[j] = Math.floor(random() * 256);
      const content = i % 3 === 0 ? Buffer.concat([Buffer.from(SYNTHETIC_HEADER.slice(0, 600)), garbage]) : garbage;
      await parseOrReject(tempFile(content));
    }
  }, 30_000);

  it('a text file with no header at all', async () => {
    await expectFailure(tempFile('just some notes\nnothing to see here\n'), 'NOT_EDGAR');
  });

  it('a header without an accession number, or with a malformed one', async () => {
    const without = SYNTHETIC_HEADER.replace(/ACCESSION NUMBER:.*\n/, '');
    await expectFailure(tempFile(without), 'NO_ACCESSION');
    await expectFailure(tempFile(SYNTHETIC_HEADER.replace('0009999999-24-000001\n', '12345\n')), 'NO_ACCESSION');
  });

  it('a missing file is an I/O error, not a parse error', async () => {
    await expect(parseSubmissionFile(path.join(work, 'nope.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('huge lines', () => {
  const line = Buffer.alloc(1 << 20, 0x41);

  function writeLines(file: string, before: string, megabytes: number, after: string): void {
    const fd = openSync(file, 'w');
    try {
      writeSync(fd, before);
      for (let i = 0; i < megabytes; i++) writeSync(fd, line);
      writeSync(fd, after);
    } finally {
      closeSync(fd);
    }
  }

  it('a single 50 MB line is rejected early, without holding it', async () => {
    const file = path.join(work, 'one-line.txt');
    writeLines(file, '', 50, '');
    await expectFailure(file, 'NOT_EDGAR');
  }, 20_000);

  it('a 50 MB line inside a document is counted, not kept', async () => {
    const file = path.join(work, 'long-line-filing.txt');
    const [head, tail] = SYNTHETIC_HEADER.split('A fictitious filing generated by the test suite.\n') as [string, string];
    writeLines(file, `${head}first line\n`, 50, `\nlast line\n${tail}</SEC-DOCUMENT>\n`);
    const sub = await parseSubmissionFile(file);
    const doc = sub.documents[0];
    expect(doc?.overlongLines).toBe(1);
    expect(doc?.size).toBe('first line\n'.length + 50 * (1 << 20) + 1 + 'last line\n'.length);
    expect(doc?.text).toBe('first line\nlast line\n');
    expect(sub.truncated).toBe(false);
  }, 20_000);
});

describe('encodings and line endings', () => {
  it('decodes UTF-8, falls back to Latin-1 per line, and accepts CRLF', () => {
    const latin1 = Buffer.from('Soci\u00e9t\u00e9 G\u00e9n\u00e9rale\n', 'latin1');
    const header = SYNTHETIC_HEADER.replace('EXAMPLE FICTITIOUS CORP', 'EXEMPLE SOCI\u00c9T\u00c9').replace(/\n/g, '\r\n');
    const [head, tail] = header.split('A fictitious filing generated by the test suite.\r\n') as [string, string];
    const bytes = Buffer.concat([Buffer.from(head, 'utf8'), latin1, Buffer.from('caf\u00e9 utf8\r\n', 'utf8'), Buffer.from(tail)]);
    const file = tempFile(bytes);
    return parseSubmissionFile(file).then((sub) => {
      expect(sub.entities[0]?.data.name).toBe('EXEMPLE SOCI\u00c9T\u00c9');
      expect(sub.documents[0]?.text).toBe('Soci\u00e9t\u00e9 G\u00e9n\u00e9rale\ncaf\u00e9 utf8\n');
    });
  });
});
