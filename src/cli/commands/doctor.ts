import * as fs from 'node:fs';
import * as path from 'node:path';
import { walkFilings } from '../../pipeline/find-filings.js';
import { EXIT } from '../errors.js';
import { neo4jCheck } from '../neo4j-doctor.js';
import { openQueue, runtime, type CommonFlags } from '../runtime.js';

interface Flags extends CommonFlags {
  filingsDir?: string;
  ai?: boolean;
  createConstraints?: boolean;
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
    const durability = q.journalWhyNot === null ? 'durable enqueue through the journal' : `durable enqueue fsyncs every job file (no journal: ${q.journalWhyNot})`;
    checks.push({ name: 'queue', ok: true, required: true, detail: `${q.dir}: writable, all state folders on one filesystem (${c.pending} pending, ${c.processing} processing, ${c.failed} failed); ${durability}` });
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
  checks.push(await neo4jCheck(config.neo4j, flags.createConstraints === true));
  for (const c of checks) {
    const tag = c.ok === 'skip' ? 'skip' : c.ok ? 'ok  ' : c.required ? 'FAIL' : 'warn';
    process.stdout.write(`${tag} ${c.name.padEnd(8)} ${c.detail}\n`);
  }
  return checks.some((c) => c.required && c.ok === false) ? EXIT.jobsFailed : EXIT.ok;
}

async function ollamaCheck(baseUrl: string, model: string, wanted: boolean): Promise<Check> {
  if (!wanted) return { name: 'ollama', ok: 'skip', required: false, detail: 'AI extraction off (--no-ai / USE_AI_EXTRACTION=false)' };
  // Loaded only here: the Ollama client is not needed by the other checks.
  const { probeOllama } = await import('../../extract/llm/client.js');
  const p = await probeOllama(baseUrl, model);
  if (!p.reachable) return { name: 'ollama', ok: false, required: false, detail: `${baseUrl} not reachable (${p.detail}): start it (ollama serve), or --no-ai; with the default extractor (auto) filings are read by rules only` };
  return { name: 'ollama', ok: p.hasModel, required: false, detail: p.hasModel ? `${baseUrl}: model ${model} present` : `${baseUrl} reachable, model ${model} not pulled (ollama pull ${model}; coordinate pulls it unless OLLAMA_PULL=false)` };
}
