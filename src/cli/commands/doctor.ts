import * as fs from 'node:fs';
import * as path from 'node:path';
import { walkFilings } from '../../pipeline/find-filings.js';
import { EXIT } from '../errors.js';
import { openQueue, runtime, type CommonFlags } from '../runtime.js';

interface Flags extends CommonFlags {
  filingsDir?: string;
  ai?: boolean;
}

interface Check {
  name: string;
  ok: boolean | 'skip';
  required: boolean;
  detail: string;
}

/** One line per dependency; exit 1 when a required one fails (the old `test-db`). */
export default async function doctor(flags: Flags): Promise<number> {
  const { config } = runtime(flags);
  const checks: Check[] = [];
  try {
    const q = openQueue(config.queueDir, { create: true });
    const c = q.counts();
    checks.push({ name: 'queue', ok: true, required: true, detail: `${q.dir}: writable, all state folders on one filesystem (${c.pending} pending, ${c.processing} processing, ${c.failed} failed)` });
  } catch (err) {
    checks.push({ name: 'queue', ok: false, required: true, detail: (err as Error).message });
  }
  const filingsDir = path.resolve(flags.filingsDir ?? config.filingsDir);
  if (!fs.existsSync(filingsDir)) {
    checks.push({ name: 'filings', ok: false, required: true, detail: `${filingsDir} does not exist (set FILINGS_DIR, or \`edgar sample --year 2010 --count 10\`)` });
  } else {
    let n = 0;
    for (const _ of walkFilings(filingsDir)) n++;
    checks.push({ name: 'filings', ok: n > 0, required: true, detail: `${filingsDir}: ${n} submission file(s)` });
  }
  const wantsAi = flags.ai !== false && config.useAi;
  checks.push(await ollamaCheck(config.ollamaBaseUrl, config.ollamaModel, wantsAi));
  checks.push({
    name: 'neo4j',
    ok: 'skip',
    required: false,
    detail: config.neo4j ? `NEO4J_URI is set (${redactUri(config.neo4j.uri)}), but this version writes the file graph store only` : 'NEO4J_URI not set: the file graph store alone',
  });
  for (const c of checks) {
    const tag = c.ok === 'skip' ? 'skip' : c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn';
    process.stdout.write(`${tag} ${c.name.padEnd(8)} ${c.detail}\n`);
  }
  return checks.some((c) => c.required && c.ok === false) ? EXIT.jobsFailed : EXIT.ok;
}

async function ollamaCheck(baseUrl: string, model: string, wanted: boolean): Promise<Check> {
  if (!wanted) return { name: 'ollama', ok: 'skip', required: false, detail: 'AI extraction off (--no-ai / USE_AI_EXTRACTION=false)' };
  try {
    const res = await fetch(new URL('/api/tags', baseUrl), { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return { name: 'ollama', ok: false, required: false, detail: `${baseUrl} answered HTTP ${res.status}` };
    const body = (await res.json()) as { models?: { name?: string }[] };
    const has = (body.models ?? []).some((m) => m.name === model || m.name === `${model}:latest`);
    return { name: 'ollama', ok: has, required: false, detail: has ? `${baseUrl}: model ${model} present` : `${baseUrl} reachable, model ${model} not pulled (ollama pull ${model})` };
  } catch (err) {
    return { name: 'ollama', ok: false, required: false, detail: `${baseUrl} not reachable (${(err as Error).message}); extraction uses rules in this version` };
  }
}

/** A URI may carry credentials (neo4j://user:pass@host): never print them. */
function redactUri(uri: string): string {
  try {
    const u = new URL(uri);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URI)';
  }
}
