import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { ROOT } from '../helpers.js';

/**
 * The compose files as Docker Compose sees them, without Docker: YAML with merge keys
 * (`<<: *edgar`), then variable interpolation in every string value, then later files
 * merged over earlier ones (`-f a -f b`). When Debian's docker-compose is installed,
 * compose.test.ts checks this reading against its `config` output.
 */

export type Env = Record<string, string | undefined>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Model = Record<string, any>;

export const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
export const GPU_FILE = path.join(ROOT, 'docker-compose.gpu.yml');

export function readYaml(file: string): Model {
  return parse(fs.readFileSync(file, 'utf8'), { merge: true }) as Model;
}

/** Every `${NAME...}` the text refers to. */
export function variablesOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string))].sort();
}

/**
 * The Compose Specification's interpolation: ${VAR}, ${VAR:-default} (unset or empty),
 * ${VAR-default} (unset), ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}, $VAR,
 * and $$ for a literal $.
 */
export function interpolate(text: string, env: Env): string {
  return text.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, name, op, arg, bare) => {
    if (all === '$$') return '$';
    if (bare !== undefined) return env[bare] ?? '';
    const v = env[name];
    const unset = v === undefined;
    const empty = unset || v === '';
    switch (op) {
      case undefined:
        return v ?? '';
      case ':-':
        return empty ? arg : (v as string);
      case '-':
        return unset ? arg : (v as string);
      case ':?':
      case '?':
        if (op === ':?' ? empty : unset) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return v as string;
      case ':+':
        return empty ? '' : arg;
      case '+':
        return unset ? '' : arg;
      default:
        throw new Error(`unknown interpolation ${all}`);
    }
  });
}

function interpolateTree(node: unknown, env: Env): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((n) => interpolateTree(n, env));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, env)]));
  }
  return node;
}

/** Compose merges mappings key by key; a later scalar or sequence replaces the earlier one. */
function mergeOver(base: unknown, over: unknown): unknown {
  if (base && over && typeof base === 'object' && typeof over === 'object' && !Array.isArray(base) && !Array.isArray(over)) {
    const out: Model = { ...(base as Model) };
    for (const [k, v] of Object.entries(over as Model)) out[k] = k in out ? mergeOver(out[k], v) : v;
    return out;
  }
  return over;
}

export function loadCompose(files: string[], env: Env): Model {
  return files.map((f) => interpolateTree(readYaml(f), env) as Model).reduce((a, b) => mergeOver(a, b) as Model);
}

const profileList = (profiles: string): string[] => profiles.split(',').map((p) => p.trim()).filter(Boolean);
const enabled = (svc: Model, active: string[]): boolean => !svc.profiles || (svc.profiles as string[]).some((p) => active.includes(p));

/** The services a bare `docker compose up` starts with COMPOSE_PROFILES set to `profiles`, sorted. */
export function upStarts(model: Model, profiles: string): string[] {
  const active = profileList(profiles);
  return Object.entries(model.services as Record<string, Model>)
    .filter(([, svc]) => enabled(svc, active))
    .map(([name]) => name)
    .sort();
}

/**
 * The dependencies `up` waits for before starting `service`, as Compose v2 (2.20 or later)
 * builds its graph: one on a disabled service is dropped when it says `required: false`,
 * and refused otherwise, with Compose's own message.
 */
export function waitsFor(model: Model, service: string, profiles: string): string[] {
  const active = profileList(profiles);
  const deps = (model.services[service]?.depends_on ?? {}) as Record<string, { required?: boolean }>;
  const out: string[] = [];
  for (const [dep, cfg] of Object.entries(deps)) {
    const svc = model.services[dep] as Model | undefined;
    if (svc && enabled(svc, active)) out.push(dep);
    else if (cfg.required !== false) throw new Error(`service ${dep} is required by ${service} but is disabled. Can be enabled by profiles ${JSON.stringify(svc?.profiles)}`);
  }
  return out.sort();
}

/** The official Compose Specification schema, as the dclint package ships it. */
export function composeSchemaValidator(): ValidateFunction {
  const require = createRequire(import.meta.url);
  const schemaFile = path.join(path.dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as Model;
  // strict: false because the schema uses annotations ajv does not know ("deprecated").
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The schema names draft-07 by its https URL; ajv knows that meta-schema by the http one.
  const draft7 = require('ajv/dist/refs/json-schema-draft-07.json') as Model;
  if (schema.$schema && !ajv.getSchema(schema.$schema)) ajv.addMetaSchema({ ...draft7, $id: schema.$schema }, schema.$schema);
  return ajv.compile(schema);
}

/** A .env file's assignments (KEY=VALUE; blank lines and # comments skipped; no quoting needed here). */
export function parseEnvFile(text: string): Env {
  const out: Env = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1] as string] = (m[2] as string).trim();
  }
  return out;
}

/** Environment entries of a service, whether written as a mapping or as KEY=VALUE items. */
export function environmentOf(service: Model): Record<string, string | null> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e: string) => (e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, null])));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? null : String(v)]));
}

/** `source:target[:mode]` short syntax or the long form, as { source, target }. */
export function volumesOf(service: Model): { source: string; target: string }[] {
  return (service.volumes ?? []).map((v: string | Model) => {
    if (typeof v !== 'string') return { source: String(v.source), target: String(v.target) };
    const [source, target] = v.split(':');
    return { source: source as string, target: target as string };
  });
}
