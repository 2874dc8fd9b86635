import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsQueue } from '../../src/queue/queue.js';
import { BIN, ROOT, tempDir, waitExit, type Exited } from '../helpers.js';
import { ageClaims, ls } from '../queue/helpers.js';

/**
 * The scripts under scripts/ drive `docker compose`, which is not installed here. They run
 * against a stand-in `docker` put first on PATH: it records every call, answers `compose
 * version` and `compose ps`, and runs what a script asks to run in a container (`compose
 * exec|run ... edgar ARGS`) as the real `edgar ARGS` on a real queue folder. So the
 * scripts' own logic, flags and exit codes are tested, and so is what their edgar
 * commands do to the queue; Docker itself is not.
 */

const SCRIPTS = fs.readdirSync(path.join(ROOT, 'scripts')).filter((f) => f.endsWith('.sh')).map((f) => path.join(ROOT, 'scripts', f));
SCRIPTS.push(path.join(ROOT, 'scripts', 'lib', 'compose.sh'));

const FAKE_DOCKER = `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$FAKE_DOCKER_LOG"
if [[ \${1:-} == exec ]]; then
  # docker exec [-it] CONTAINER edgar ARGS: only a container that \`compose ps\` listed.
  shift
  while [[ \${1:-} == -* ]]; do shift; done
  grep -qx -- "\${1:-}" <<< "\${FAKE_RUNNING_WORKER:-}" || { echo "Error: No such container: \${1:-}" >&2; exit 1; }
  shift
  [[ \${1:-} == edgar ]] || exit 64
  shift
  exec "$EDGAR_NODE" "$EDGAR_BIN" "$@"
fi
[[ \${1:-} == compose ]] || exit 64
shift
case \${1:-} in
  version) [[ -z \${FAKE_NO_COMPOSE:-} ]] || exit 1; echo "Docker Compose version v2 (test stand-in)" ;;
  ps) [[ -z \${FAKE_RUNNING_WORKER:-} ]] || printf '%s\\n' "$FAKE_RUNNING_WORKER" ;;
  up) ;;
  start) [[ -z \${FAKE_START_FAILS:-} ]] || { echo "no container found for service worker" >&2; exit 1; } ;;
  exec|run)
    shift
    while [[ \${1:-} == -* ]]; do shift; done
    shift
    [[ \${1:-} == edgar ]] || exit 64
    shift
    exec "$EDGAR_NODE" "$EDGAR_BIN" "$@" ;;
  *) exit 64 ;;
esac
`;

function stack(): { qdir: string; log: string; run: (script: string, args: string[], env?: Record<string, string>) => Promise<Exited & { calls: string[] }> } {
  const dir = tempDir('edgar-compose-');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'docker'), FAKE_DOCKER, { mode: 0o755 });
  const qdir = path.join(dir, 'queue');
  new FsQueue({ dir: qdir }).init();
  const log = path.join(dir, 'docker.log');
  const run = async (script: string, args: string[], env: Record<string, string> = {}): Promise<Exited & { calls: string[] }> => {
    fs.writeFileSync(log, '');
    // Started from another folder: the scripts must find the project by themselves.
    const child = spawn('bash', [path.join(ROOT, 'scripts', script), ...args], {
      cwd: dir,
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        FAKE_DOCKER_LOG: log,
        EDGAR_NODE: process.execPath,
        EDGAR_BIN: BIN,
        QUEUE_DIR: qdir,
        LOG_LEVEL: 'warn',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const r = await waitExit(child);
    return { ...r, calls: fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) };
  };
  return { qdir, log, run };
}

describe('scripts/*.sh', () => {
  it('parse (bash -n), and pass shellcheck when it is installed', () => {
    expect(SCRIPTS.length).toBeGreaterThanOrEqual(4);
    for (const s of SCRIPTS) {
      const r = spawnSync('bash', ['-n', s], { encoding: 'utf8' });
      expect(r.status, `${s}: ${r.stderr}`).toBe(0);
    }
    const sc = spawnSync('shellcheck', ['--version']);
    if (sc.status === 0) {
      const r = spawnSync('shellcheck', ['-x', ...SCRIPTS], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status, r.stdout).toBe(0);
    }
  });

  it('compose-scale.sh N scales without recreating running workers, then shows the queue', async () => {
    const s = stack();
    const r = await s.run('compose-scale.sh', ['4'], { FAKE_RUNNING_WORKER: 'abc123' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual(['compose version', 'compose up --detach --no-recreate --scale worker=4 worker', 'compose ps --status running --quiet worker', 'exec abc123 edgar status']);
    expect(r.stdout).toContain(`queue ${s.qdir}`);
    const zero = await s.run('compose-scale.sh', ['0']);
    expect(zero.calls[1]).toBe('compose up --detach --no-recreate --scale worker=0 worker');
    // With no worker running, status comes from a one-off container that starts nothing else.
    expect(zero.calls.slice(2)).toEqual(['compose ps --status running --quiet worker', 'compose run --rm --no-deps -T coordinator edgar status']);
  });

  it('compose-scale.sh refuses a missing or non-numeric N with one line and exit 2, touching nothing', async () => {
    const s = stack();
    for (const args of [[], ['four'], ['-1'], ['2', '3']]) {
      const r = await s.run('compose-scale.sh', args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^compose-scale\.sh: /);
      expect(r.calls).toEqual(['compose version']);
    }
  });

  it('compose-status.sh passes its flags to `edgar status`', async () => {
    const s = stack();
    const r = await s.run('compose-status.sh', ['--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls.at(-1)).toBe('compose run --rm --no-deps -T coordinator edgar status --json');
    expect(JSON.parse(r.stdout).counts).toEqual({ pending: 0, processing: 0, completed: 0, failed: 0 });
  });

  it('compose-recover.sh restarts stopped workers, takes back a dead worker’s job, and shows the queue', async () => {
    const s = stack();
    const q = new FsQueue({ dir: s.qdir }).init();
    await q.enqueue({ id: 'held-by-a-dead-worker', type: 't' });
    q.claim({ workerId: 'gone', nonce: 'n' });
    ageClaims(s.qdir, 45_000);

    const dry = await s.run('compose-recover.sh', ['--dry-run'], { FAKE_RUNNING_WORKER: 'abc123' });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.calls).not.toContain('compose start worker');
    expect(dry.calls).toContain('exec abc123 edgar reap-stuck --stale-after 30s --dry-run');
    expect(dry.stdout).toMatch(/would move held-by-a-dead-worker/);
    expect(ls(s.qdir, 'processing')).toHaveLength(1);

    // 45 s of silence is within a 2 m limit: nothing moves.
    const patient = await s.run('compose-recover.sh', ['--stale-after', '2m'], { FAKE_RUNNING_WORKER: 'abc123' });
    expect(patient.code, patient.stderr).toBe(0);
    expect(ls(s.qdir, 'processing')).toHaveLength(1);

    const r = await s.run('compose-recover.sh', [], { FAKE_RUNNING_WORKER: 'abc123' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual([
      'compose version',
      'compose start worker',
      'compose ps --status running --quiet worker',
      'exec abc123 edgar reap-stuck --stale-after 30s',
      'compose ps --status running --quiet worker',
      'exec abc123 edgar status',
    ]);
    expect(r.stdout).toMatch(/moved held-by-a-dead-worker .*-> pending/);
    expect(ls(s.qdir, 'processing')).toEqual([]);
    expect(ls(s.qdir, 'pending')).toHaveLength(1);

    const bad = await s.run('compose-recover.sh', ['--stale-after']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^compose-recover\.sh: --stale-after needs a duration/);
    expect((await s.run('compose-recover.sh', ['--force'])).stderr).toMatch(/unknown argument "--force"/);
  });

  it('runs edgar in a worker that is running, not in replica 1 (which `compose exec worker` would pick, running or not)', async () => {
    const s = stack();
    // Replica 1 is stopped: `compose ps --status running` lists replicas 2 and 3 only.
    const r = await s.run('compose-status.sh', ['--json'], { FAKE_RUNNING_WORKER: 'id-replica-2\nid-replica-3' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual(['compose version', 'compose ps --status running --quiet worker', 'exec id-replica-2 edgar status --json']);
    expect(r.calls.filter((c) => c.startsWith('compose exec'))).toEqual([]);
    expect(JSON.parse(r.stdout).counts).toEqual({ pending: 0, processing: 0, completed: 0, failed: 0 });
  });

  it('compose-recover.sh still takes the jobs back when `compose start worker` fails (no worker container exists)', async () => {
    const s = stack();
    const q = new FsQueue({ dir: s.qdir }).init();
    await q.enqueue({ id: 'held-by-a-dead-worker', type: 't' });
    q.claim({ workerId: 'gone', nonce: 'n' });
    ageClaims(s.qdir, 45_000);
    const r = await s.run('compose-recover.sh', [], { FAKE_START_FAILS: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^compose-recover\.sh: could not start the worker containers; reaping anyway$/m);
    expect(r.calls).toContain('compose run --rm --no-deps -T coordinator edgar reap-stuck --stale-after 30s');
    expect(ls(s.qdir, 'processing')).toEqual([]);
    expect(ls(s.qdir, 'pending')).toHaveLength(1);
  });

  it('without Docker Compose v2 every script says so on one line and exits 2', async () => {
    const s = stack();
    for (const script of ['compose-scale.sh', 'compose-status.sh', 'compose-recover.sh']) {
      const r = await s.run(script, ['1'], { FAKE_NO_COMPOSE: '1' });
      expect(r.code, script).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^${script.replace('.', '\\.')}: needs Docker Compose v2 .*\\n$`));
      expect(r.calls).toEqual(['compose version']);
    }
  });
});
