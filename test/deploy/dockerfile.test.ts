import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';
import { COMPOSE_FILE, loadCompose, volumesOf } from './compose-file.js';

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
    // Every instruction after USER runs unprivileged; the chown before it hands over the data folders.
    expect(runtime.indexOf(user[0] as Instruction)).toBeGreaterThan(runtime.findIndex((i) => i.op === 'RUN' && /chown -R node:node data/.test(i.args)));
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
    const allowed = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const sources = stages.flatMap((s) => ops(s, 'COPY').filter((c) => !c.args.startsWith('--from'))).flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    for (const src of sources) {
      expect(fs.existsSync(path.join(ROOT, src)), src).toBe(true);
      expect(allowed, src).toContain(src);
    }
    for (const a of allowed) expect(sources, `.dockerignore lets in ${a}, which nothing copies`).toContain(a);
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
