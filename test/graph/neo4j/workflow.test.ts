/**
 * .github/workflows/neo4j.yml cannot run here (no GitHub runner, no Docker), so what can
 * be checked statically is: the contexts each key may use (GitHub refuses a workflow that
 * reads `job` in jobs.<id>.env), and that the suite reaches the service container only
 * through EDGAR_TEST_NEO4J_*.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../../helpers.js';

interface Step {
  name?: string;
  run?: string;
  env?: Record<string, string>;
}
interface Job {
  env?: Record<string, string>;
  services?: Record<string, unknown>;
  steps: Step[];
}

const workflow = parse(fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'neo4j.yml'), 'utf8')) as { jobs: Record<string, Job> };

/** The contexts named in `${{ ... }}` expressions anywhere in a value. */
function contexts(value: unknown): string[] {
  const text = JSON.stringify(value ?? null);
  return [...text.matchAll(/\$\{\{(.*?)\}\}/g)].flatMap((m) => [...m[1]!.matchAll(/\b([a-z_]+)\.[A-Za-z_]/g)].map((c) => c[1]!));
}

// https://docs.github.com/actions/learn-github-actions/contexts#context-availability
const JOB_ENV_CONTEXTS = new Set(['github', 'needs', 'strategy', 'matrix', 'vars', 'secrets', 'inputs']);
const STEP_CONTEXTS = new Set([...JOB_ENV_CONTEXTS, 'env', 'job', 'runner', 'steps']);

describe('the Neo4j workflow', () => {
  const jobs = Object.entries(workflow.jobs);

  it('uses in each key only the contexts GitHub makes available there', () => {
    expect(jobs.length).toBeGreaterThan(0);
    for (const [id, job] of jobs) {
      for (const c of contexts(job.env)) expect(JOB_ENV_CONTEXTS.has(c), `jobs.${id}.env uses \`${c}\``).toBe(true);
      for (const step of job.steps) for (const c of contexts([step.env, step.run])) expect(STEP_CONTEXTS.has(c), `${step.name}: \`${c}\``).toBe(true);
    }
  });

  it('points the suites at the service through EDGAR_TEST_NEO4J_*, with stop and start commands, and the benchmark through NEO4J_*', () => {
    const job = workflow.jobs.integration!;
    expect(Object.keys(job.services ?? {})).toEqual(['neo4j']);
    expect(Object.keys(job.env ?? {}).filter((k) => k.startsWith('NEO4J_') || k.startsWith('EDGAR_TEST_'))).toEqual([]);
    const suite = job.steps.find((s) => s.run?.includes('vitest run test/graph/neo4j'))!;
    expect(suite.env).toMatchObject({ EDGAR_TEST_NEO4J_URI: 'bolt://localhost:7687', EDGAR_TEST_NEO4J_USER: 'neo4j', EDGAR_TEST_NEO4J_DATABASE: 'neo4j' });
    expect(suite.env!.EDGAR_TEST_NEO4J_STOP_CMD).toMatch(/^docker stop \$\{\{ job\.services\.neo4j\.id \}\}$/);
    expect(suite.env!.EDGAR_TEST_NEO4J_START_CMD).toMatch(/^docker start \$\{\{ job\.services\.neo4j\.id \}\} &&/);
    expect(Object.keys(suite.env!).filter((k) => k.startsWith('NEO4J_'))).toEqual([]);
    const bench = job.steps.find((s) => s.run?.includes('bench-neo4j.mjs'))!;
    expect(bench.env).toMatchObject({ NEO4J_URI: 'bolt://localhost:7687' });
  });
});
