import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSubmissionFile } from '../../src/edgar/index.js';
import { extractRules, keepTextForRules } from '../../src/extract/rules.js';
import { writeFragment } from '../../src/graph/file-store.js';
import { edgar, SHARED, tempDir } from '../helpers.js';
import { parseCsv, TRICKY_NAME, TWO_FRAGMENTS_COUNTS, twoFragments } from './helpers.js';

const FORM4 = path.join(SHARED, 'edgar-samples', 'filings', '0001127602-25-001055.txt');

describe('edgar extract', () => {
  it('--json prints the GraphFragment of a real filing, as the rules extractor builds it', async () => {
    const r = await edgar(['extract', FORM4, '--json', '--no-ai']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const fragment = JSON.parse(r.stdout);
    expect(fragment).toEqual(extractRules(await parseSubmissionFile(FORM4, { keepText: keepTextForRules })));
    expect(fragment.filing).toMatchObject({ accession: '0001127602-25-001055', formType: '4', filedAt: '2025-01-10' });
    expect(fragment.nodes.find((n: { label: string }) => n.label === 'Person')?.key).toBe('0001806647');
  });

  it('without --no-ai and no Ollama: one line saying rules are used and naming the ways out, and still succeeds', async () => {
    // Port 9 (discard) on loopback: connection refused at once.
    const r = await edgar(['extract', FORM4], { USE_AI_EXTRACTION: 'true', EXTRACTOR: '', OLLAMA_BASE_URL: 'http://127.0.0.1:9' });
    expect(r.code).toBe(0);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^edgar: Ollama is not reachable at http:\/\/127\.0\.0\.1:9 .*extracting with rules only.*ollama serve.*--no-ai/)]);
    expect(r.stdout).toMatch(/^filing 0001127602-25-001055 {2}form 4 {2}filed 2025-01-10/);
    expect(r.stdout).toContain('  Person (1)');
    expect(r.stdout).toContain('  REPORTS_ON (1)');
    const quiet = await edgar(['extract', FORM4], { USE_AI_EXTRACTION: 'false' });
    expect(quiet.stderr).toBe('');
  });

  it('a file that is not a filing, or no file at all: one line naming it, exit 1', async () => {
    const dir = tempDir();
    const bad = path.join(dir, 'bad.txt');
    fs.writeFileSync(bad, '<html><body>not a filing</body></html>\n');
    for (const [file, reason] of [
      [bad, /not an EDGAR submission/],
      [path.join(dir, 'missing.txt'), /no such file/],
      [dir, /not a file/],
    ] as const) {
      const r = await edgar(['extract', file, '--no-ai']);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]!.startsWith(`edgar: ${file}: `)).toBe(true);
      expect(lines[0]).toMatch(reason);
    }
  });

  it('no FILE is bad usage: exit 2', async () => {
    expect((await edgar(['extract'])).code).toBe(2);
  });
});

describe('edgar graph', () => {
  function store(): string {
    const dir = tempDir();
    for (const f of twoFragments()) writeFragment(dir, f);
    return dir;
  }

  it('stats --json: two fragments sharing a company count it once', async () => {
    const dir = store();
    const r = await edgar(['graph', 'stats', '--json'], { GRAPH_DIR: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      graphDir: dir,
      ...TWO_FRAGMENTS_COUNTS,
    });
    const text = await edgar(['graph', 'stats', '--graph-dir', dir], { GRAPH_DIR: '/nonexistent' });
    expect(text.stdout).toContain(`graph ${dir}: 2 fragments`);
    expect(text.stdout).toMatch(/ {2}Company +1\n/);
  });

  it('export --format csv writes the files and prints the import command', async () => {
    const dir = store();
    const out = path.join(tempDir(), 'csv');
    const r = await edgar(['graph', 'export', '--format', 'csv', '--out', out], { GRAPH_DIR: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('neo4j-admin database import full --id-type=string --multiline-fields=true');
    expect(fs.readFileSync(path.join(out, 'nodes_Company.csv'), 'utf8').split('\n')[0]).toBe('key:ID(Company),cik,name,sic,:LABEL');
    expect(parseCsv(fs.readFileSync(path.join(out, 'nodes_Person.csv'), 'utf8'))[1]).toEqual(['9100000001', TRICKY_NAME, 'Person']);
    expect(fs.existsSync(path.join(out, 'import.sh'))).toBe(true);
    expect(fs.readdirSync(out).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('export --format cypher writes graph.cypher', async () => {
    const dir = store();
    const out = tempDir();
    const r = await edgar(['graph', 'export', '--format', 'cypher', '--out', out, '--graph-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`cypher-shell -u neo4j -p <password> [-d <database>] -f ${path.join(out, 'graph.cypher')}`);
    const script = fs.readFileSync(path.join(out, 'graph.cypher'), 'utf8');
    expect(script).toContain('CREATE CONSTRAINT IF NOT EXISTS FOR (n:`Company`) REQUIRE n.`key` IS UNIQUE;');
  });

  it('bad usage: a missing or unknown --format, a missing --out: exit 2', async () => {
    const dir = store();
    for (const args of [['--out', tempDir()], ['--format', 'xml', '--out', tempDir()], ['--format', 'csv']]) {
      const r = await edgar(['graph', 'export', ...args], { GRAPH_DIR: dir });
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
  });
});
