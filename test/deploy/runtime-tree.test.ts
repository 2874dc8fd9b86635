import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, inheritedEnv, tempDir, waitExit, type Exited } from '../helpers.js';
import { contextFiles, parseDockerIgnore } from './dockerignore.js';

/**
 * The image's runtime stage, put together without Docker: the files .dockerignore lets
 * into the build context, laid out as the Dockerfile's runtime COPYs lay them out, with the
 * production dependencies installed the way its RUN installs them (npm ci --omit=dev
 * --ignore-scripts), from npm's local cache only (--offline: no registry is asked). Then
 * the tree does the README's Docker job: coordinate, a worker in burst mode, status, graph
 * stats. What this cannot show: the base image, tini and apt, the volumes, the build itself.
 */

function buildTree(): { app: string; npm: ReturnType<typeof spawnSync> } {
  const app = path.join(tempDir('edgar-runtime-'), 'app');
  fs.mkdirSync(app);
  for (const f of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(ROOT, f), path.join(app, f));
  const npm = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], {
    cwd: app,
    encoding: 'utf8',
    env: { ...inheritedEnv(), NODE_ENV: 'production' },
    timeout: 180_000,
  });
  // COPY bin ./bin, COPY --from=build /src/dist ./dist (compiled by `npm test` first), and
  // the demo filings exactly as the build context carries them.
  fs.cpSync(path.join(ROOT, 'bin'), path.join(app, 'bin'), { recursive: true });
  fs.cpSync(path.join(ROOT, 'dist'), path.join(app, 'dist'), { recursive: true });
  const di = parseDockerIgnore(fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8'));
  for (const f of contextFiles(di, ROOT).filter((f) => f.startsWith('data/filings/'))) {
    fs.mkdirSync(path.dirname(path.join(app, f)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, f), path.join(app, f));
  }
  return { app, npm };
}

describe('the runtime stage as a folder: production dependencies only', () => {
  it('installs offline from the npm cache and runs coordinate, worker --burst, status and graph stats', async (ctx) => {
    const { app, npm } = buildTree();
    if (npm.status !== 0) {
      // A machine whose npm cache lacks a production package (never ran `npm ci` of this lock).
      ctx.skip(`npm ci --omit=dev --offline failed (the npm cache lacks a package): ${String(npm.stderr).trim().split('\n').slice(-1)[0]}`);
    }
    // No dev dependency came along, so nothing below can lean on one.
    const installed = fs.readdirSync(path.join(app, 'node_modules'));
    for (const dev of ['typescript', 'vitest', 'dclint', 'yaml', 'ajv']) expect(installed, dev).not.toContain(dev);
    expect(fs.readdirSync(path.join(app, 'data', 'filings', 'edgar', 'data')).length).toBeGreaterThan(0);

    // The image's ENV, with the volumes as folders of the tree.
    const env: Record<string, string> = {
      ...(inheritedEnv() as Record<string, string>),
      NODE_ENV: 'production',
      QUEUE_DIR: path.join(app, 'data', 'queue'),
      FILINGS_DIR: path.join(app, 'data', 'filings'),
      GRAPH_DIR: path.join(app, 'data', 'graph'),
      LLM_CACHE_DIR: path.join(app, 'data', 'llm-cache'),
      USE_AI_EXTRACTION: 'false',
      WORKER_ID: '',
      LOG_LEVEL: 'warn',
      NODE_PATH: '',
    };
    // Run from outside the repository, so that no module resolves from its node_modules.
    const run = (args: string[]): Promise<Exited> =>
      waitExit(spawn(process.execPath, [path.join(app, 'bin', 'edgar'), ...args], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const queued = await run(['coordinate', '--year', '2010', '--limit', '10']);
    expect(queued.code, queued.stderr).toBe(0);
    const worked = await run(['worker', '--burst']);
    expect(worked.code, worked.stderr).toBe(0);
    const status = JSON.parse((await run(['status', '--json'])).stdout);
    expect(status.counts).toEqual({ pending: 0, processing: 0, completed: 10, failed: 0 });
    const stats = await run(['graph', 'stats', '--json']);
    expect(stats.code, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout).fragments).toBe(10);
  }, 240_000);
});
