import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDuration } from '../../src/cli/duration.js';
import { DEFAULT_OLLAMA_MODEL } from '../../src/config.js';
import { ROOT } from '../helpers.js';
import {
  COMPOSE_FILE,
  GPU_FILE,
  composeSchemaValidator,
  environmentOf,
  interpolate,
  loadCompose,
  parseEnvFile,
  readYaml,
  upStarts,
  variablesOf,
  waitsFor,
  volumesOf,
  type Env,
  type Model,
} from './compose-file.js';

/**
 * No Docker engine runs here, so these checks are static, but real: the files are read as
 * Compose reads them and validated against the Compose Specification's own JSON schema,
 * and what the README's commands rely on is asserted one by one.
 */

const PASSWORD = 'not-a-real-password-42';
const ENV: Env = { NEO4J_PASSWORD: PASSWORD };
const validate = composeSchemaValidator();
const readFileText = (f: string): string => fs.readFileSync(f, 'utf8');
const model = loadCompose([COMPOSE_FILE], ENV);
const services = model.services as Record<string, Model>;
const edgarServices = ['worker', 'coordinator'];
const SHARED_VOLUMES: Record<string, string> = {
  queue: '/app/data/queue',
  filings: '/app/data/filings',
  graph: '/app/data/graph',
  'llm-cache': '/app/data/llm-cache',
};

function schemaErrors(doc: unknown): string {
  return validate(doc) ? '' : JSON.stringify(validate.errors, null, 1);
}

/** `edgar worker ... --grace DUR ...` as Compose splits a string command. */
function graceOf(command: string | string[]): number {
  const words = Array.isArray(command) ? command : command.trim().split(/\s+/);
  const at = words.indexOf('--grace');
  return at < 0 ? 8_000 : parseDuration(words[at + 1] as string, '--grace');
}

describe('docker-compose.yml against the Compose Specification schema', () => {
  it('validates as written, with the .env.example defaults, and with the GPU override merged in', () => {
    expect(schemaErrors(readYaml(COMPOSE_FILE))).toBe('');
    expect(schemaErrors(model)).toBe('');
    expect(schemaErrors(readYaml(GPU_FILE))).toBe('');
    const gpu = loadCompose([COMPOSE_FILE, GPU_FILE], ENV);
    expect(schemaErrors(gpu)).toBe('');
    expect(gpu.services.ollama.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 'all', capabilities: ['gpu'] }]);
    // The override adds the GPU and changes nothing else of the service.
    const { deploy: _gpu, ...rest } = gpu.services.ollama;
    expect(rest).toEqual(services.ollama);
  });

  it('the schema does reject what Compose would reject (so the checks above can fail)', () => {
    expect(schemaErrors({ ...model, services: { ...services, worker: { ...services.worker, stop_grace_period: 40 } } })).toMatch(/stop_grace_period/);
    expect(schemaErrors({ ...model, services: { ...services, worker: { ...services.worker, 'container-name': 'w' } } })).toMatch(/additionalProperties/);
    expect(
      schemaErrors({ ...model, services: { ...services, worker: { ...services.worker, depends_on: { neo4j: { condition: 'service_ready' } } } } }),
    ).toMatch(/enum/);
  });

  it('reads without NEO4J_PASSWORD (ps, logs and down -v interpolate the whole file too), and uses one password for Neo4j and the workers', () => {
    // No `:?`: a missing password must not stop `docker compose ps/logs/down`. Neo4j's own
    // entrypoint refuses the empty one ("Invalid value for NEO4J_AUTH: 'neo4j/'").
    expect(readFileText(COMPOSE_FILE)).not.toMatch(/\$\{[A-Z_]+:?\?/);
    for (const env of [{}, { NEO4J_PASSWORD: '' }]) {
      const bare = loadCompose([COMPOSE_FILE], env);
      expect(environmentOf(bare.services.neo4j).NEO4J_AUTH).toBe('neo4j/');
      expect(environmentOf(bare.services.worker).NEO4J_PASSWORD).toBe('');
      expect(schemaErrors(bare)).toBe('');
    }
    expect(environmentOf(services.neo4j as Model).NEO4J_AUTH).toBe(`neo4j/${PASSWORD}`);
    for (const s of edgarServices) {
      const env = environmentOf(services[s] as Model);
      expect(env.NEO4J_USER).toBe('neo4j');
      expect(env.NEO4J_PASSWORD).toBe(PASSWORD);
    }
  });

  it('passes dclint (the Compose linter) with no error', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'dclint', 'bin', 'dclint.cjs'), '--quiet', '--color=false', COMPOSE_FILE, GPU_FILE], {
      encoding: 'utf8',
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });
});

describe('what the README commands rely on', () => {
  it('has the services neo4j, ollama, ollama-pull, worker and coordinator; `up` starts the workers and the profiles of COMPOSE_PROFILES', () => {
    expect(Object.keys(services).sort()).toEqual(['coordinator', 'neo4j', 'ollama', 'ollama-pull', 'worker']);
    expect(services.coordinator?.profiles).toEqual(['coordinator']);
    expect(services.worker?.profiles).toBeUndefined();
    expect(services.neo4j?.profiles).toEqual(['neo4j']);
    expect(services.ollama?.profiles).toEqual(['ollama']);
    expect(services['ollama-pull']?.profiles).toEqual(['ollama']);
    const example = parseEnvFile(fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8')).COMPOSE_PROFILES ?? '';
    expect(example).toBe('neo4j,ollama');
    expect(upStarts(model, example)).toEqual(['neo4j', 'ollama', 'ollama-pull', 'worker']);
    expect(upStarts(model, 'ollama')).toEqual(['ollama', 'ollama-pull', 'worker']);
    expect(upStarts(model, '')).toEqual(['worker']);
  });

  it('a profile left out is neither started nor waited for: every dependency on neo4j or ollama is `required: false`', () => {
    for (const profiles of ['neo4j,ollama', 'neo4j', 'ollama', '']) {
      for (const s of edgarServices) expect(() => waitsFor(model, s, profiles), `${s} with COMPOSE_PROFILES=${profiles}`).not.toThrow();
    }
    expect(waitsFor(model, 'worker', 'neo4j,ollama')).toEqual(['neo4j', 'ollama', 'ollama-pull']);
    expect(waitsFor(model, 'worker', 'neo4j')).toEqual(['neo4j']);
    expect(waitsFor(model, 'worker', '')).toEqual([]);
    // The control: a required dependency on a disabled service is what Compose refuses.
    const strict = structuredClone(model);
    delete strict.services.worker.depends_on.neo4j.required;
    expect(() => waitsFor(strict, 'worker', 'ollama')).toThrow(/service neo4j is required by worker but is disabled/);
    expect(() => waitsFor(strict, 'worker', 'neo4j,ollama')).not.toThrow();
  });

  it('worker scales: no fixed container name, hostname, host port, replica count or WORKER_ID', () => {
    const w = services.worker as Model;
    for (const key of ['container_name', 'hostname', 'ports', 'scale']) expect(w[key], key).toBeUndefined();
    expect(w.deploy?.replicas).toBeUndefined();
    // Unset, each replica is named `<container hostname>-<pid>` (src/queue/worker-registry.ts).
    expect(environmentOf(w)).not.toHaveProperty('WORKER_ID');
    expect(w.command).toMatch(/^edgar worker\b/);
    expect(w.restart).toBe('unless-stopped');
  });

  it('worker and coordinator share the queue, filings, graph and LLM-cache volumes, each whole at its folder', () => {
    for (const s of edgarServices) {
      const mounts = volumesOf(services[s] as Model);
      expect(mounts.map((m) => m.target).sort(), s).toEqual(Object.values(SHARED_VOLUMES).sort());
      for (const [name, target] of Object.entries(SHARED_VOLUMES)) expect(mounts, s).toContainEqual({ source: name, target });
    }
    for (const name of [...Object.keys(SHARED_VOLUMES), 'neo4j-data', 'ollama']) expect(model.volumes).toHaveProperty(name);
    // The queue is one volume: renames between its folders must stay on one filesystem.
    const queueMounts = volumesOf(services.worker as Model).filter((m) => m.target.startsWith(SHARED_VOLUMES.queue as string));
    expect(queueMounts).toHaveLength(1);
    // EDGAR_QUEUE, EDGAR_FILINGS and EDGAR_GRAPH switch a volume to a host folder (a bind mount).
    const bound = loadCompose([COMPOSE_FILE], { ...ENV, EDGAR_QUEUE: './data/queue', EDGAR_FILINGS: './data/filings', EDGAR_GRAPH: '/srv/graph' });
    for (const s of edgarServices) {
      expect(volumesOf(bound.services[s]), s).toEqual([
        { source: './data/queue', target: '/app/data/queue' },
        { source: './data/filings', target: '/app/data/filings' },
        { source: '/srv/graph', target: '/app/data/graph' },
        { source: 'llm-cache', target: '/app/data/llm-cache' },
      ]);
    }
    expect(schemaErrors(bound)).toBe('');
  });

  it('sets the environment defaults the application reads', () => {
    for (const s of edgarServices) {
      const env = environmentOf(services[s] as Model);
      expect(env, s).toMatchObject({
        QUEUE_DIR: '/app/data/queue',
        FILINGS_DIR: '/app/data/filings',
        GRAPH_DIR: '/app/data/graph',
        LLM_CACHE_DIR: '/app/data/llm-cache',
        OLLAMA_BASE_URL: 'http://ollama:11434',
        OLLAMA_MODEL: DEFAULT_OLLAMA_MODEL,
        OLLAMA_CONCURRENCY: '1',
        USE_AI_EXTRACTION: 'true',
        EXTRACTOR: 'auto',
        NEO4J_URI: 'bolt://neo4j:7687',
        LOG_LEVEL: 'info',
      });
      // Tuning left to the application: empty, which src/config.ts reads as unset.
      for (const k of ['OLLAMA_TIMEOUT', 'OLLAMA_NUM_CTX', 'OLLAMA_KEEP_ALIVE', 'OLLAMA_PULL', 'NEO4J_DATABASE']) expect(env[k], k).toBe('');
    }
    // The one-shot pull fetches the model the workers will ask for.
    expect(environmentOf(services['ollama-pull'] as Model).OLLAMA_MODEL).toBe(DEFAULT_OLLAMA_MODEL);
    const custom = loadCompose([COMPOSE_FILE], { ...ENV, OLLAMA_MODEL: 'llama3.2:3b', NEO4J_URI: '' });
    expect(environmentOf(custom.services['ollama-pull']).OLLAMA_MODEL).toBe('llama3.2:3b');
    expect(environmentOf(custom.services.worker).OLLAMA_MODEL).toBe('llama3.2:3b');
    // NEO4J_URI= in .env means the file graph store alone, not the default URI.
    expect(environmentOf(custom.services.worker).NEO4J_URI).toBe('');
  });

  it('health checks: Neo4j and Ollama have one, workers start only once both are healthy and the model is pulled', () => {
    const neo = services.neo4j?.healthcheck;
    expect(neo.test.join(' ')).toMatch(/wget -q -O \/dev\/null http:\/\/localhost:7474/);
    expect(services.ollama?.healthcheck.test).toEqual(['CMD', 'ollama', 'list']);
    for (const s of ['neo4j', 'ollama']) {
      const hc = services[s]?.healthcheck;
      for (const k of ['interval', 'timeout', 'start_period']) expect(parseDuration(hc[k], k), `${s}.${k}`).toBeGreaterThan(0);
      expect(hc.retries).toBeGreaterThanOrEqual(3);
    }
    for (const s of edgarServices) {
      expect(services[s]?.depends_on, s).toEqual({
        neo4j: { condition: 'service_healthy', required: false },
        ollama: { condition: 'service_healthy', required: false },
        'ollama-pull': { condition: 'service_completed_successfully', required: false },
      });
    }
    // The worker's health check is the image's (Dockerfile HEALTHCHECK); the coordinator runs no worker.
    expect(services.worker?.healthcheck).toBeUndefined();
    expect(services.coordinator?.healthcheck).toEqual({ disable: true });
    const pull = services['ollama-pull'] as Model;
    expect(pull.restart).toBe('no');
    expect(pull.command[0]).toMatch(/ollama show "\$OLLAMA_MODEL" .*\|\| ollama pull "\$OLLAMA_MODEL"/);
  });

  it('ollama-pull (its real command, under sh, against a stand-in `ollama`) pulls only a missing model, and nothing when the LLM is off', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgar-pull-'));
    const calls = path.join(dir, 'calls');
    // The stand-in knows one model, `present:1b`, and records every call.
    fs.writeFileSync(
      path.join(dir, 'ollama'),
      `#!/bin/sh\necho "$*" >> "${calls}"\n[ "$1" = show ] && [ "$2" != present:1b ] && exit 1\nexit 0\n`,
      { mode: 0o755 },
    );
    const pull = (env: Env): { code: number | null; out: string; calls: string[] } => {
      fs.writeFileSync(calls, '');
      const svc = loadCompose([COMPOSE_FILE], { ...ENV, ...env }).services['ollama-pull'] as Model;
      expect(svc.entrypoint).toEqual(['/bin/sh', '-c']);
      const r = spawnSync('/bin/sh', ['-c', svc.command[0] as string], {
        encoding: 'utf8',
        env: { PATH: `${dir}:${process.env.PATH}`, ...(environmentOf(svc) as Record<string, string>) },
      });
      return { code: r.status, out: r.stdout + r.stderr, calls: fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean) };
    };
    expect(pull({}).calls).toEqual([`show ${DEFAULT_OLLAMA_MODEL}`, `pull ${DEFAULT_OLLAMA_MODEL}`]);
    expect(pull({ OLLAMA_MODEL: 'present:1b' })).toMatchObject({ code: 0, calls: ['show present:1b'] });
    for (const off of [{ USE_AI_EXTRACTION: 'false' }, { USE_AI_EXTRACTION: 'FALSE' }, { EXTRACTOR: 'rules' }]) {
      const r = pull(off);
      expect(r.code, JSON.stringify(off)).toBe(0);
      expect(r.calls, JSON.stringify(off)).toEqual([]);
      expect(r.out).toMatch(/^no LLM extraction \(.*\): qwen\S+ not pulled\n$/);
    }
    expect(pull({ EXTRACTOR: 'llm' }).calls).toHaveLength(2);
  });

  it('stop_grace_period outlasts the worker drain (--grace), by default and when both are raised', () => {
    const period = (m: Model): number => parseDuration(m.services.worker.stop_grace_period, 'stop_grace_period');
    const grace = (m: Model): number => graceOf(m.services.worker.command);
    expect(grace(model)).toBe(25_000);
    expect(period(model) - grace(model)).toBeGreaterThanOrEqual(10_000);
    const raised = loadCompose([COMPOSE_FILE], { ...ENV, WORKER_GRACE: '2m', WORKER_STOP_GRACE_PERIOD: '150s' });
    expect(grace(raised)).toBe(120_000);
    expect(period(raised)).toBe(150_000);
    // Extra worker flags reach the command line.
    expect(loadCompose([COMPOSE_FILE], { ...ENV, WORKER_ARGS: '--poll --concurrency 2' }).services.worker.command).toMatch(
      /^edgar worker --grace 25s --poll --concurrency 2$/,
    );
  });

  it('Neo4j: the official image, a data volume, ports on 127.0.0.1 only', () => {
    const neo = services.neo4j as Model;
    expect(neo.image).toMatch(/^neo4j:5\.\d+/);
    expect(volumesOf(neo)).toContainEqual({ source: 'neo4j-data', target: '/data' });
    expect(neo.ports).toEqual(['127.0.0.1:7474:7474', '127.0.0.1:7687:7687']);
    expect(services.ollama?.image).toMatch(/^ollama\/ollama:/);
    expect(volumesOf(services.ollama as Model)).toContainEqual({ source: 'ollama', target: '/root/.ollama' });
  });
});

describe('.env.example', () => {
  const text = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');

  it('names every variable the compose files use, and its defaults give the same configuration', () => {
    const used = variablesOf(fs.readFileSync(COMPOSE_FILE, 'utf8') + fs.readFileSync(GPU_FILE, 'utf8'));
    const documented = new Set([...text.matchAll(/^#?([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    expect(used.filter((v) => !documented.has(v))).toEqual([]);
    // Uncommenting every line changes nothing but what the user chose.
    const uncommented = parseEnvFile(text.replace(/^#([A-Z_])/gm, '$1'));
    const all = loadCompose([COMPOSE_FILE], { ...uncommented, NEO4J_PASSWORD: PASSWORD, NEO4J_URI: 'bolt://neo4j:7687' });
    for (const s of ['worker', 'coordinator', 'neo4j', 'ollama']) {
      const { environment: a, ...restA } = all.services[s];
      const { environment: b, ...restB } = services[s] as Model;
      expect(restA, s).toEqual(restB);
      const strip = (e: Record<string, string | null>): Record<string, string | null> =>
        Object.fromEntries(Object.entries(e).filter(([, v]) => v !== ''));
      expect(strip(environmentOf({ environment: a })), s).toMatchObject(strip(environmentOf({ environment: b })));
    }
  });

  it('the GPU line works on every OS: COMPOSE_FILE comes with COMPOSE_PATH_SEPARATOR=: (Windows splits on ;), and names files that exist', () => {
    const uncommented = parseEnvFile(text.replace(/^#(COMPOSE_[A-Z_]+=)/gm, '$1'));
    expect(uncommented.COMPOSE_PATH_SEPARATOR).toBe(':');
    const files = (uncommented.COMPOSE_FILE ?? '').split(uncommented.COMPOSE_PATH_SEPARATOR as string);
    expect(files).toEqual(['docker-compose.yml', 'docker-compose.gpu.yml']);
    for (const f of files) expect(fs.existsSync(path.join(ROOT, f)), f).toBe(true);
    // The password rules a user meets only as a container that exits.
    expect(text).toMatch(/At least 8 characters/);
    expect(text).toMatch(/docker compose logs neo4j/);
    expect(text).toMatch(/single quotes/);
  });

  it('leaves the password empty and is kept out of git and of the image', () => {
    expect(parseEnvFile(text).NEO4J_PASSWORD).toBe('');
    expect(fs.readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.env');
    const dockerignore = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(dockerignore).toContain('*');
    expect(dockerignore.filter((l) => l.startsWith('!') && l.includes('.env'))).toEqual([]);
  });
});

describe('interpolation, as Compose does it', () => {
  it('reads ${VAR:-d}, ${VAR-d}, ${VAR:?e}, $$ like the Compose Specification says', () => {
    expect(interpolate('${A:-x}/${B-y}/${C:-z}', { A: '', B: '' })).toBe('x//z');
    expect(interpolate('$$HOME ${A:+set}', { A: '1' })).toBe('$HOME set');
    expect(() => interpolate('${A?needed}', {})).toThrow(/needed/);
    expect(interpolate('${A?needed}', { A: '' })).toBe('');
  });

  const dc = spawnSync('docker-compose', ['version'], { encoding: 'utf8' });
  it.skipIf(dc.status !== 0)("agrees with Debian's docker-compose `config` (when it is installed)", () => {
    // An empty env file, so that a developer's own .env beside the compose file plays no part.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgar-env-'));
    const noEnv = path.join(tmp, 'empty.env');
    fs.writeFileSync(noEnv, '');
    // docker-compose 1.29 predates depends_on's `required` (Compose 2.20), which the set-up
    // needs for its optional profiles: it reads a copy without those lines, beside the
    // original so that relative paths resolve the same. Everything else is compared.
    const v1Copy = (file: string): string => {
      const copy = path.join(ROOT, `.v1-${process.pid}-${path.basename(file)}`);
      fs.writeFileSync(copy, fs.readFileSync(file, 'utf8').replace(/^\s+required: false\n/gm, ''));
      return copy;
    };
    const V1_COMPOSE = v1Copy(COMPOSE_FILE);
    const V1_GPU = v1Copy(GPU_FILE);
    const v1 = (f: string): string => (f === COMPOSE_FILE ? V1_COMPOSE : V1_GPU);
    const dropRequired = (deps: Model | undefined): Model | undefined =>
      deps && Object.fromEntries(Object.entries(deps).map(([k, { required: _r, ...rest }]) => [k, rest]));
    try {
    for (const files of [[COMPOSE_FILE], [COMPOSE_FILE, GPU_FILE]]) {
      const env = { ...process.env, NEO4J_PASSWORD: PASSWORD, WORKER_ARGS: '--poll', OLLAMA_NUM_PARALLEL: '8' };
      const r = spawnSync('docker-compose', ['--env-file', noEnv, ...files.flatMap((f) => ['-f', v1(f)]), '--project-directory', ROOT, '--profile', 'neo4j', '--profile', 'ollama', 'config'], { encoding: 'utf8', env });
      expect(r.status, r.stderr).toBe(0);
      const theirs = parse(r.stdout) as Model;
      const ours = loadCompose(files, env);
      expect(Object.keys(theirs.services).sort()).toEqual(Object.keys(ours.services).sort());
      for (const [name, svc] of Object.entries(theirs.services as Record<string, Model>)) {
        expect(environmentOf(svc), name).toEqual(environmentOf(ours.services[name]));
        expect(svc.stop_grace_period, name).toEqual(ours.services[name].stop_grace_period);
        expect(svc.depends_on, name).toEqual(dropRequired(ours.services[name].depends_on));
        expect(svc.deploy, name).toEqual(ours.services[name].deploy);
      }
      expect(theirs.services.worker.command).toBe(ours.services.worker.command);
    }
    // .env.example as a user fills it in, read by docker-compose's own .env parser.
    const envFile = path.join(tmp, '.env');
    fs.writeFileSync(envFile, fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8').replace(/^NEO4J_PASSWORD=$/m, `NEO4J_PASSWORD=${PASSWORD}`));
    const filled = spawnSync('docker-compose', ['--env-file', envFile, '-f', V1_COMPOSE, 'config'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(filled.status, filled.stderr).toBe(0);
    const filledModel = parse(filled.stdout) as Model;
    expect(environmentOf(filledModel.services.neo4j).NEO4J_AUTH).toBe(`neo4j/${PASSWORD}`);
    // A password holding `$`, in single quotes as .env.example says, is taken as written.
    fs.writeFileSync(envFile, "NEO4J_PASSWORD='pa$word-2024'\nCOMPOSE_PROFILES=neo4j\n");
    const quoted = spawnSync('docker-compose', ['--env-file', envFile, '-f', V1_COMPOSE, 'config'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(quoted.status, quoted.stderr).toBe(0);
    // (`config` prints a compose file, so its own output writes that $ as $$.)
    expect(environmentOf((parse(quoted.stdout) as Model).services.neo4j).NEO4J_AUTH).toBe('neo4j/pa$$word-2024');
    // No password at all: the file still reads, so `ps`, `logs` and `down -v` work.
    for (const cmd of [['config'], ['config', '--services']]) {
      const missing = spawnSync('docker-compose', ['--env-file', noEnv, '-f', V1_COMPOSE, ...cmd], { encoding: 'utf8', env: { PATH: process.env.PATH } });
      expect(missing.status, missing.stderr).toBe(0);
    }
    } finally {
      fs.rmSync(V1_COMPOSE, { force: true });
      fs.rmSync(V1_GPU, { force: true });
    }
  });
});
