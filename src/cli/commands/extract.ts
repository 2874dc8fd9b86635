import * as fs from 'node:fs';
import { FilingParseError } from '../../edgar/index.js';
import { LlmPermanentError, LlmUnavailableError, tokensPerSecond, type LlmAccount } from '../../extract/llm/index.js';
import { PROVENANCE_RELATIONSHIP, type GraphFragment, type Props } from '../../graph/fragment.js';
import { groupBy } from '../../graph/group.js';
import { extractFiling } from '../../pipeline/extract-filing.js';
import { decideExtractor } from '../../pipeline/extractor.js';
import { llmRuntimes } from '../../pipeline/llm-settings.js';
import { EXIT } from '../errors.js';
import { runtime, type CommonFlags } from '../runtime.js';

interface Flags extends CommonFlags {
  /** Commander's `--no-ai`: false when given. */
  ai: boolean;
  extractor?: string;
  json?: boolean;
}

/**
 * What one filing would put into the graph. A file that is missing or is not an EDGAR
 * submission is a bad input, not bad usage: one line naming the file, exit 1 (as a failed
 * job would be), so a script looping over files can tell it from a mistyped command (2).
 */
export default async function extract(flags: Flags, args: string[]): Promise<number> {
  const { config, log } = runtime(flags);
  const file = args[0] as string;
  let fragment: GraphFragment;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return fail(file, 'not a file');
    const options = await decideExtractor(flags, config, (line) => process.stderr.write(line + '\n'));
    const res = await extractFiling(file, options, {
      ...(options.extractor === 'llm' ? { llm: llmRuntimes(config, log) } : {}),
      signal: new AbortController().signal,
      log,
    });
    fragment = res.fragment;
    if (res.llm) process.stderr.write(describeLlm(res.llm) + '\n');
  } catch (err) {
    if (err instanceof LlmPermanentError || err instanceof LlmUnavailableError) return fail(file, err.message);
    if (err instanceof FilingParseError) {
      const prefix = `${err.file}: `;
      return fail(file, err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message);
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return fail(file, 'no such file');
    if (e.code === 'EACCES' || e.code === 'EPERM') return fail(file, 'permission denied');
    if (e.code === 'EISDIR') return fail(file, 'not a file');
    throw err;
  }
  process.stdout.write(flags.json ? `${JSON.stringify(fragment, null, 2)}\n` : renderFragment(fragment));
  return EXIT.ok;
}

/** One line: what the LLM pass cost and what it kept or dropped, and why. */
export function describeLlm(a: LlmAccount): string {
  const dropped = Object.entries(a.dropped)
    .map(([why, n]) => `${n} ${why}`)
    .join(', ');
  return (
    `llm ${a.model}: ${a.chunks} chunk(s), ${a.calls} call(s), ${a.cached} from cache; ` +
    `${a.promptTokens} prompt + ${a.outputTokens} output tokens (${tokensPerSecond(a.outputTokens, a.evalMs)} tok/s); ` +
    `${a.kept} fact(s) kept` +
    (dropped ? `, dropped: ${dropped}` : '') +
    (a.emptyButNamesPeople ? `; ${a.emptyButNamesPeople} section(s) name officers but the model listed no one: ${a.suspicious.join(' | ')}` : '')
  );
}

function fail(file: string, reason: string): number {
  process.stderr.write(`edgar: ${file}: ${reason}\n`);
  return EXIT.jobsFailed;
}

/** The filing line, then nodes per label and relationships per type; provenance links only counted. */
export function renderFragment(fragment: GraphFragment): string {
  const f = fragment.filing;
  const lines = [
    `filing ${f.accession}  form ${f.formType}` +
      (f.filedAt ? `  filed ${f.filedAt}` : '') +
      (f.period ? `  period ${f.period}` : ''),
  ];
  const byLabel = groupBy(fragment.nodes, (n) => n.label);
  lines.push(`nodes: ${fragment.nodes.length}`);
  for (const [label, nodes] of byLabel) {
    lines.push(`  ${label} (${nodes.length})`);
    for (const n of nodes) lines.push(`    ${n.key}${describe(n.props, label === 'Filing' ? ['accession', 'formType'] : ['cik'])}`);
  }
  const byType = groupBy(fragment.relationships, (r) => r.type);
  lines.push(`relationships: ${fragment.relationships.length}`);
  for (const [type, rels] of byType) {
    if (type === PROVENANCE_RELATIONSHIP) {
      lines.push(`  ${type} (${rels.length}): every node above links back to the filing`);
      continue;
    }
    lines.push(`  ${type} (${rels.length})`);
    for (const r of rels) {
      lines.push(`    (${r.from.label} ${r.from.key}) -> (${r.to.label} ${r.to.key})${describe(r.props, ['accession'])}`);
    }
  }
  return lines.join('\n') + '\n';
}

function describe(props: Props, hide: string[]): string {
  const parts = Object.entries(props)
    .filter(([k]) => !hide.includes(k))
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('; ') : String(v)}`);
  return parts.length > 0 ? `  ${parts.join(', ')}` : '';
}

