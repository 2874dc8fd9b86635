#!/usr/bin/env node
// npm run bench:neo4j [-- --json] [--fragments N] [--rounds N]
// Rows written per second into Neo4j by the project's writer (one transaction per
// fragment, a few `UNWIND $rows ... MERGE` statements), against one row per query (an
// auto-commit MERGE per node and per relationship, what peers do), in the same run, on
// fragments of real size (rule extraction of generated and real EDGAR filings).
// Target: NEO4J_URI (with NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE) when set, else the
// Bolt stand-in of the test suite, started here. With the stand-in the figures measure the
// client, the driver and the round trips, not Neo4j's storage engine: say so when quoting.
// Against a real Neo4j the bench writes nodes whose keys start with "bench-<run>-" and
// deletes them at the end.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const fragArg = args.indexOf('--fragments');
const wanted = fragArg === -1 ? 200 : Number(args[fragArg + 1]);
const say = (s) => process.stderr.write(s + '\n');
const load = (p) => import(pathToFileURL(path.join(dist, p)).href);

if (!fs.existsSync(path.join(dist, 'graph', 'neo4j', 'writer.js'))) {
  say('dist/ is missing: run `npm run build` first');
  process.exit(2);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgar-bench-neo4j-'));

/**
 * The stand-in is TypeScript (test/support): compile it into the temporary folder, then run
 * it as a process of its own, so that server and client do not share one event loop.
 */
async function startStandin() {
  const out = path.join(tmp, 'standin');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const src = path.join(root, 'test', 'support', 'bolt-standin');
  const r = spawnSync(process.execPath, [tsc, '--outDir', out, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--skipLibCheck', path.join(src, 'index.ts'), path.join(src, 'serve.ts')], { encoding: 'utf8', cwd: root });
  if (r.status !== 0) throw new Error(`compiling the stand-in: ${r.stdout}${r.stderr}`);
  fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}');
  const child = spawn(process.execPath, [path.join(out, 'serve.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      if (buf.includes('\n')) resolve(buf.split('\n')[0]);
    });
    child.once('exit', (code) => reject(new Error(`the stand-in exited (${code})`)));
  });
  const [, port, user, password] = line.split(' ');
  return {
    uri: `bolt://127.0.0.1:${port}`,
    user,
    password,
    close: () => new Promise((r) => (child.once('exit', r), child.stdin.end())),
  };
}

async function fragmentsOfRealSize(n) {
  const filings = path.join(tmp, 'filings');
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'edgar'), 'sample', '--year', '2010', '--count', String(n), '--seed', '42', '--filings-dir', filings], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`edgar sample: ${r.stderr}`);
  const { parseSubmissionFile } = await load('edgar/index.js');
  const { extractRules, keepTextForRules } = await load('extract/rules.js');
  const files = [];
  const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.join(d, e.name))));
  walk(filings);
  const real = path.join(root, '..', 'shared', 'edgar-samples', 'filings');
  if (fs.existsSync(real)) walk(real);
  const out = [];
  for (const f of files.sort()) {
    try {
      out.push(extractRules(await parseSubmissionFile(f, { keepText: keepTextForRules })));
    } catch {
      // not a full submission
    }
  }
  return out;
}

/** The same fragments with every key moved into a namespace of its own, so each method creates its nodes. */
function namespaced(fragments, prefix) {
  const k = (ref) => ({ ...ref, key: prefix + ref.key });
  return fragments.map((f) => ({
    filing: { ...f.filing, accession: prefix + f.filing.accession },
    nodes: f.nodes.map((n) => ({ ...n, key: prefix + n.key })),
    relationships: f.relationships.map((r) => ({ ...r, from: k(r.from), to: k(r.to) })),
  }));
}

const { connect } = await load('graph/neo4j/connection.js');
const { createConstraints } = await load('graph/neo4j/admin.js');
const { KNOWN_LABELS } = await load('graph/neo4j/schema.js');
const { writeStatements, rowPerStatement } = await load('graph/neo4j/statements.js');
const { Neo4jGraphWriter } = await load('graph/neo4j/writer.js');

const realUri = process.env.NEO4J_URI;
// From here on every exit path goes through cleanup(): the bench's nodes in a real Neo4j,
// the stand-in process and the temporary folder must not outlive a failed run.
let conn = null;
let standin = null;
let run = null;
async function cleanup() {
  try {
    if (realUri && conn && run) {
      const session = conn.driver.session({ database: conn.target.database });
      try {
        for (const label of KNOWN_LABELS) await session.run(`MATCH (n:\`${label}\`) WHERE n.key STARTS WITH $p DETACH DELETE n`, { p: run });
      } finally {
        await session.close();
      }
    }
  } finally {
    await conn?.close();
    await standin?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
const roundsArg = args.indexOf('--rounds');
const rounds = roundsArg === -1 ? 3 : Number(args[roundsArg + 1]);
let results;
try {
  standin = realUri ? null : await startStandin();
  const settings = realUri
    ? { uri: realUri, user: process.env.NEO4J_USER || 'neo4j', password: process.env.NEO4J_PASSWORD || '', database: process.env.NEO4J_DATABASE || undefined }
    : { uri: standin.uri, user: standin.user, password: standin.password, database: undefined };
  const target = realUri ? `Neo4j at NEO4J_URI (database ${settings.database ?? 'neo4j'})` : 'the Bolt stand-in (in-memory, its own process, localhost TCP): measures client, driver and round trips, not Neo4j';
  say(`target: ${target}`);

  const fragments = await fragmentsOfRealSize(wanted);
  const rowsIn = (fs_) => fs_.reduce((n, f) => n + writeStatements([f]).reduce((m, s) => m + s.rows, 0), 0);
  const sizes = fragments.map((f) => f.nodes.length + f.relationships.length).sort((a, b) => a - b);
  const stmts = fragments.map((f) => writeStatements([f]).length).sort((a, b) => a - b);
  say(`${fragments.length} fragments, ${rowsIn(fragments)} rows; per fragment: rows median ${sizes[Math.floor(sizes.length / 2)]} (max ${sizes[sizes.length - 1]}), statements median ${stmts[Math.floor(stmts.length / 2)]}`);

  conn = connect(settings);
  await createConstraints(conn, KNOWN_LABELS);
  run = `bench-${Date.now().toString(36)}-`;

  async function batched(frs) {
    const w = new Neo4jGraphWriter(conn);
    const t0 = performance.now();
    for (const f of frs) await w.write(f);
    return (performance.now() - t0) / 1000;
  }

  async function rowPerQuery(frs) {
    const session = conn.driver.session({ database: conn.target.database });
    const t0 = performance.now();
    try {
      for (const f of frs) for (const s of rowPerStatement(writeStatements([f]))) await session.run(s.text, s.params);
    } finally {
      await session.close();
    }
    return (performance.now() - t0) / 1000;
  }

  async function pushStyle(frs) {
    const w = new Neo4jGraphWriter(conn);
    const t0 = performance.now();
    let group = [];
    let rows = 0;
    for (const f of frs) {
      group.push(f);
      rows += f.nodes.length + f.relationships.length;
      if (rows >= 5000) {
        await w.writeMany(group);
        group = [];
        rows = 0;
      }
    }
    if (group.length) await w.writeMany(group);
    return (performance.now() - t0) / 1000;
  }

  // Warm-up (connection pool, JIT, plan cache), on its own namespace.
  await batched(namespaced(fragments.slice(0, 10), `${run}warm-`));
  await rowPerQuery(namespaced(fragments.slice(0, 3), `${run}warm2-`));

  // The baseline is slow: it gets a slice of the fragments, and rows/s normalises. The
  // machine's load drifts, so the subjects alternate within each round (rotating the order)
  // and each one's median over the rounds is reported.
  const baselineCount = Math.max(5, Math.min(fragments.length, Math.round(fragments.length / 4)));
  const subjects = [
    { name: 'one transaction per fragment, UNWIND batches (the worker)', frs: fragments, fn: batched },
    { name: 'one auto-commit query per row (baseline)', frs: fragments.slice(0, baselineCount), fn: rowPerQuery },
    { name: '~5000 rows per transaction (graph push)', frs: fragments, fn: pushStyle },
  ];
  const samples = subjects.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < subjects.length; j++) {
      const i = (j + round) % subjects.length;
      const frs = namespaced(subjects[i].frs, `${run}r${round}s${i}-`);
      const secs = await subjects[i].fn(frs);
      samples[i].push({ secs, rows: rowsIn(frs) });
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  results = subjects.map((s, i) => {
    const rowsPerSecond = Math.round(median(samples[i].map((x) => x.rows / x.secs)));
    return { subject: s.name, fragments: s.frs.length, rows: samples[i][0].rows, rounds, medianSeconds: Number(median(samples[i].map((x) => x.secs)).toFixed(3)), rowsPerSecond };
  });
  const base = results[1].rowsPerSecond;
  for (const r of results) r.vsBaseline = Number((r.rowsPerSecond / base).toFixed(1));
} finally {
  await cleanup();
}

say('');
say(`| subject (median of ${rounds} rounds) | fragments | rows | seconds | rows/s | vs baseline |`);
say('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) say(`| ${r.subject} | ${r.fragments} | ${r.rows} | ${r.medianSeconds} | ${r.rowsPerSecond} | ${r.vsBaseline}x |`);
if (asJson) process.stdout.write(JSON.stringify({ target: realUri ? 'neo4j' : 'standin', node: process.version, results }) + '\n');
