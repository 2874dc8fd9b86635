/**
 * A developer who exported NEO4J_URI for normal use (as the README says) runs `npm test`:
 * no suite may empty that database, and no child process may write to it or wait on it.
 * Only EDGAR_TEST_NEO4J_* select a real Neo4j (targets.ts), and test/helpers.ts keeps
 * NEO4J_* from every child. (Run this file with NEO4J_URI=bolt://127.0.0.1:1 set to see
 * the second half hold for the variable inherited from the shell as well.)
 */
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { edgar, inheritedEnv, tempDir } from '../../helpers.js';
import { realNeo4jFromEnv } from './targets.js';

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
});

describe('the developer\'s Neo4j is left alone', () => {
  it('NEO4J_* never selects the real target of the suites; EDGAR_TEST_NEO4J_* does', () => {
    expect(realNeo4jFromEnv({ NEO4J_URI: 'bolt://prod:7687', NEO4J_USER: 'neo4j', NEO4J_PASSWORD: 'x' })).toBeUndefined();
    expect(realNeo4jFromEnv({ EDGAR_TEST_NEO4J_URI: 'bolt://scratch:7687', EDGAR_TEST_NEO4J_PASSWORD: 'pw' })).toEqual({ uri: 'bolt://scratch:7687', user: 'neo4j', password: 'pw', database: 'neo4j' });
    expect(
      realNeo4jFromEnv({ EDGAR_TEST_NEO4J_URI: 'bolt://s:7687', EDGAR_TEST_NEO4J_STOP_CMD: 'docker stop s', EDGAR_TEST_NEO4J_START_CMD: 'docker start s' }),
    ).toMatchObject({ stopCmd: 'docker stop s', startCmd: 'docker start s' });
  });

  it('the shell\'s NEO4J_* is gone from this process, and children started by edgar() never get it unless a test passes it', async () => {
    expect(Object.keys(process.env).filter((k) => k.startsWith('NEO4J_'))).toEqual([]);
    process.env.NEO4J_URI = 'bolt://127.0.0.1:1';
    process.env.NEO4J_PASSWORD = 'developer-secret';
    expect(Object.keys(inheritedEnv()).filter((k) => k.startsWith('NEO4J_'))).toEqual([]);
    const dir = tempDir('edgar-neo4j-env-');
    const env = { QUEUE_DIR: path.join(dir, 'queue'), FILINGS_DIR: 'data/filings' };
    const doctor = await edgar(['doctor', '--no-ai'], env);
    expect(doctor.stdout).toMatch(/^skip neo4j/m);
    // Passed explicitly, it is used.
    const passed = await edgar(['doctor', '--no-ai'], { ...env, NEO4J_URI: 'bolt://127.0.0.1:1' });
    expect(passed.stdout).toMatch(/^FAIL neo4j {4}Neo4j at bolt:\/\/127\.0\.0\.1:1 is unreachable/m);
  }, 30_000);
});
