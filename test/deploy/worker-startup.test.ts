import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, inheritedEnv, tempDir, until, waitExit } from '../helpers.js';

/**
 * `docker compose stop` or a scale-down can reach a worker while it is still starting (the
 * Neo4j driver loads before the Worker exists). That is a clean stop too: exit 0, which
 * Docker records as a normal exit, not 143 (killed by SIGTERM's default action). The
 * window is made wide and observable with a module hook that holds the Neo4j writer's
 * import until the test has sent its signal.
 */

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function hook(dir: string): { marker: string; nodeOptions: string } {
  const marker = path.join(dir, 'loading-neo4j');
  const hooks = path.join(dir, 'hooks.mjs');
  fs.writeFileSync(
    hooks,
    `import { writeFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.endsWith('/dist/graph/neo4j/writer.js')) {
    writeFileSync(${JSON.stringify(marker)}, '');
    await new Promise((r) => setTimeout(r, 30000));
  }
  return next(url, context);
}
`,
  );
  const register = path.join(dir, 'register.mjs');
  fs.writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
  return { marker, nodeOptions: `--import=${register}` };
}

describe('edgar worker stopped during start-up', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} before the Worker runs exits 0 and leaves nothing behind`, async () => {
      const dir = tempDir('edgar-startup-');
      const qdir = path.join(dir, 'queue');
      const { marker, nodeOptions } = hook(dir);
      const child = spawn(process.execPath, [BIN, 'worker', '--queue-dir', qdir], {
        env: {
          ...inheritedEnv(),
          NODE_OPTIONS: nodeOptions,
          LOG_LEVEL: 'info',
          WORKER_ID: '',
          // Nothing listens there; the writer is never awaited on a connection, only imported.
          NEO4J_URI: 'bolt://127.0.0.1:9',
          NEO4J_PASSWORD: 'not-a-real-password',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push(child);
      const done = waitExit(child);
      await until(() => fs.existsSync(marker), 20_000);
      child.kill(signal);
      const r = await done;
      expect(r.signal, r.stderr).toBeNull();
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/stopped before the worker started/);
      expect(r.stderr).not.toMatch(/NEO4J_PASSWORD|not-a-real-password/);
      // No Worker ran: no record, no claim.
      const workers = path.join(qdir, 'meta', 'workers');
      expect(fs.existsSync(workers) ? fs.readdirSync(workers).filter((n) => n.endsWith('.json')) : []).toEqual([]);
    });
  }
});
