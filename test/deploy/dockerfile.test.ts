import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { COMPOSE_FILE, loadCompose, volumesOf } from './compose-file.js';
import { contextFiles, inContext, parseDockerIgnore } from './dockerignore.js';

/**
 * The Dockerfile cannot be built here (no Docker engine), so its promises are checked
 * against the repository they depend on: what the build copies exists and is in the build
 * context, what the runtime stage omits is not needed at run time, and the runtime stage
 * runs as a non-root user behind an init, with a health check.
 */

interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** Instructions with their continuation lines joined; comments and blank lines dropped. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i] as string;
    if (/^\s*(#|$)/.test(line)) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + ' ' + (lines[++i] as string).trim();
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (m) out.push({ op: (m[1] as string).toUpperCase(), args: (m[2] as string).trim(), line: start + 1 });
  }
  return out;
}

const dockerfile = instructions(fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const stages: Instruction[][] = [];
for (const ins of dockerfile) {
  if (ins.op === 'FROM') stages.push([]);
  stages[stages.length - 1]?.push(ins);
}
const runtime = stages[stages.length - 1] as Instruction[];
const dockerignore = parseDockerIgnore(fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));
const ops = (stage: Instruction[], op: string): Instruction[] => stage.filter((i) => i.op === op);
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('Dockerfile', () => {
  it('is multi-stage: compiles with dev dependencies, runs with production ones only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages[0] as Instruction[];
    expect(build[0]?.args).toMatch(/ AS build$/);
    expect(ops(build, 'RUN').map((r) => r.args)).toEqual(expect.arrayContaining([expect.stringMatching(/^npm ci\b(?!.*--omit=dev)/), 'npm run build']));
    const runs = ops(runtime, 'RUN').map((r) => r.args);
    expect(runs.some((r) => /npm ci --omit=dev\b/.test(r))).toBe(true);
    // `prepare` runs tsc, which --omit=dev does not install.
    expect(runs.find((r) => /npm ci --omit=dev/.test(r))).toMatch(/--ignore-scripts/);
    const fromBuild = ops(runtime, 'COPY').filter((c) => c.args.startsWith('--from='));
    expect(fromBuild.map((c) => c.args)).toEqual(['--from=build /src/dist ./dist']);
  });

  it('the runtime stage runs as a non-root user, under tini, with a HEALTHCHECK of `edgar healthcheck`', () => {
    const user = ops(runtime, 'USER');
    expect(user).toHaveLength(1);
    expect(user[0]?.args).not.toMatch(/^(root|0)(:|$)/);
    // Every instruction after USER runs unprivileged; the chown before it hands over the data
    // folders, not recursively (chown -R would store every file below once more in its layer).
    const chown = runtime.findIndex((i) => i.op === 'RUN' && /chown node:node data data\/queue data\/graph data\/llm-cache data\/filings$/.test(i.args));
    expect(chown).toBeGreaterThan(-1);
    expect(runtime.indexOf(user[0] as Instruction)).toBeGreaterThan(chown);
    expect(ops(runtime, 'RUN').filter((r) => /chown -R/.test(r.args))).toEqual([]);
    // The filings arrive owned by node through COPY --chown, in one layer.
    expect(ops(runtime, 'COPY').map((c) => c.args)).toContain('--chown=node:node data/filings ./data/filings');
    expect(ops(runtime, 'RUN').some((r) => /apt-get install -y --no-install-recommends tini/.test(r.args))).toBe(true);
    expect(JSON.parse(ops(runtime, 'ENTRYPOINT')[0]?.args ?? '[]')).toEqual(['/usr/bin/tini', '--']);
    expect(JSON.parse(ops(runtime, 'CMD')[0]?.args ?? '[]')).toEqual(['edgar', 'worker']);
    const hc = ops(runtime, 'HEALTHCHECK');
    expect(hc).toHaveLength(1);
    expect(hc[0]?.args).toMatch(/CMD \["edgar", "healthcheck"\]$/);
    // Exec form everywhere: no shell between tini and node to swallow SIGTERM.
    for (const op of ['ENTRYPOINT', 'CMD']) expect(ops(runtime, op)[0]?.args.startsWith('['), op).toBe(true);
  });

  it('sets the container paths the application reads, and owns every folder the compose file mounts', () => {
    const env = ops(runtime, 'ENV').map((e) => e.args).join(' ');
    for (const kv of ['QUEUE_DIR=/app/data/queue', 'FILINGS_DIR=/app/data/filings', 'GRAPH_DIR=/app/data/graph', 'LLM_CACHE_DIR=/app/data/llm-cache', 'PATH=/app/bin:$PATH']) {
      expect(env).toContain(kv);
    }
    expect(ops(runtime, 'WORKDIR').map((w) => w.args)).toEqual(['/app']);
    const made = ops(runtime, 'RUN')
      .flatMap((r) => [...r.args.matchAll(/mkdir -p ([^&]+)/g)].flatMap((m) => (m[1] as string).trim().split(/\s+/)))
      .map((d) => path.posix.join('/app', d));
    const copied = ops(runtime, 'COPY')
      .filter((c) => !c.args.startsWith('--from'))
      .map((c) => path.posix.join('/app', c.args.split(/\s+/).pop() as string));
    const model = loadCompose([COMPOSE_FILE], { NEO4J_PASSWORD: 'x' });
    for (const svc of ['worker', 'coordinator']) {
      for (const { target } of volumesOf(model.services[svc])) expect([...made, ...copied], target).toContain(target);
    }
  });

  it('copies only what exists, and .dockerignore (an allow-list) lets exactly that into the build context', () => {
    const sources = stages
      .flatMap((s) => ops(s, 'COPY').filter((c) => !c.args.startsWith('--from')))
      .flatMap((c) => c.args.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1));
    const context = contextFiles(dockerignore, ROOT);
    for (const src of sources) {
      expect(fs.existsSync(path.join(ROOT, src)), src).toBe(true);
      expect(context.filter((f) => f === src || f.startsWith(`${src}/`)).length, `${src} reaches the build context`).toBeGreaterThan(0);
    }
    // Nothing else travels: every file of the context is under a COPY source.
    expect(context.filter((f) => !sources.some((src) => f === src || f.startsWith(`${src}/`)))).toEqual([]);
  });

  it('of data/filings, only the committed demo filings reach the image: nothing `edgar download` leaves there', () => {
    const demo = fs
      .readdirSync(path.join(ROOT, 'data', 'filings', 'edgar', 'data'))
      .flatMap((cik) => fs.readdirSync(path.join(ROOT, 'data', 'filings', 'edgar', 'data', cik)).map((f) => `data/filings/edgar/data/${cik}/${f}`))
      .sort();
    expect(demo).toHaveLength(24);
    expect(demo.every((f) => /\/9999999999-10-\d+\.txt$/.test(f))).toBe(true);
    expect(contextFiles(dockerignore, ROOT).filter((f) => f.startsWith('data/'))).toEqual(demo);
    // What a download into the default FILINGS_DIR writes (README "Getting filings from EDGAR"), and the rest of data/.
    for (const junk of [
      'data/filings/.edgar-rate-limit.json',
      'data/filings/.edgar-rate-limit.json.lock',
      'data/filings/edgar/full-index/2010/QTR1/company.idx',
      'data/filings/edgar/data/320193/0000320193-10-000012.txt',
      'data/filings/edgar/data/320193/.0000320193-10-000012.txt.part',
      'data/filings/edgar/data/9001845791/.9999999999-10-242543.txt.part',
      'data/filings/elsewhere/9999999999-10-000001.txt',
      'data/filings/README.md',
      'data/queue/pending/5-0000000000000-x~0.json',
      'data/graph/x.json',
      '.env',
      'node_modules/ollama/package.json',
    ]) {
      expect(inContext(dockerignore, junk), junk).toBe(false);
    }
    // The model of Docker's walk can fail: a wildcard folder in an exception finds nothing.
    const wildcard = parseDockerIgnore('*\n!data/filings/edgar/data/*/9999999999-*.txt\n');
    expect(inContext(wildcard, demo[0] as string)).toBe(false);
    expect(inContext(parseDockerIgnore('*\n!data/filings\n'), 'data/filings/.edgar-rate-limit.json')).toBe(true);
  });

  it('needs no dev dependency at run time: every package the compiled CLI imports is a production dependency', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const missing = new Map<string, string>();
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, e.name);
        if (e.isDirectory()) walk(file);
        else if (e.name.endsWith('.js')) {
          const text = fs.readFileSync(file, 'utf8');
          const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\(\s*)['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
          for (const spec of specs) {
            if (spec.startsWith('.') || builtins.has(spec)) continue;
            const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
            if (!(name in pkg.dependencies)) missing.set(name, path.relative(ROOT, file));
          }
        }
      }
    };
    walk(path.join(ROOT, 'dist'));
    walk(path.join(ROOT, 'bin'));
    expect(Object.fromEntries(missing)).toEqual({});
  });

  it('needs no install script: no production package has one or a native part (so --ignore-scripts is safe)', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean; hasInstallScript?: boolean; gypfile?: boolean }>;
    };
    const prod = Object.entries(lock.packages).filter(([k, v]) => k.startsWith('node_modules/') && !v.dev && !v.devOptional);
    expect(prod.length).toBeGreaterThan(Object.keys(pkg.dependencies).length - 1);
    expect(prod.filter(([, v]) => v.hasInstallScript || v.gypfile).map(([k]) => k)).toEqual([]);
  });
});
