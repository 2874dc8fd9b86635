/**
 * scripts/bench-neo4j.mjs cleans up on every exit path: a run that fails part way leaves
 * no temporary folder (and, against a real Neo4j, deletes its nodes in the same finally).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inheritedEnv, ROOT, tempDir, waitExit } from '../../helpers.js';
import { BoltStandin } from '../../support/bolt-standin/index.js';

let standin: BoltStandin;
beforeAll(async () => {
  standin = await BoltStandin.start();
});
afterAll(async () => standin?.close());

describe('bench:neo4j', () => {
  it('a run that fails (credentials refused) exits non-zero and leaves nothing in TMPDIR', async () => {
    const tmp = tempDir('edgar-bench-tmp-');
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'bench-neo4j.mjs'), '--fragments', '2', '--rounds', '1'], {
      cwd: ROOT,
      env: { ...inheritedEnv(), TMPDIR: tmp, NEO4J_URI: standin.uri, NEO4J_USER: standin.user, NEO4J_PASSWORD: 'wrong-password' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = await waitExit(child);
    expect(r.code, r.stderr).not.toBe(0);
    expect(r.stderr).toMatch(/refused the credentials/);
    expect(fs.readdirSync(tmp)).toEqual([]);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 120_000);
});
