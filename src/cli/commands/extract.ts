import * as fs from 'node:fs';
import { FilingParseError, parseSubmissionFile } from '../../edgar/index.js';
import { extractRules, keepTextForRules } from '../../extract/rules.js';
import { PROVENANCE_RELATIONSHIP, type GraphFragment, type Props } from '../../graph/fragment.js';
import { groupBy } from '../../graph/group.js';
import { decideExtractor } from '../../pipeline/extractor.js';
import { EXIT } from '../errors.js';
import { runtime, type CommonFlags } from '../runtime.js';

interface Flags extends CommonFlags {
  /** Commander's `--no-ai`: false when given. */
  ai: boolean;
  json?: boolean;
}

/**
 * What one filing would put into the graph. A file that is missing or is not an EDGAR
 * submission is a bad input, not bad usage: one line naming the file, exit 1 (as a failed
 * job would be), so a script looping over files can tell it from a mistyped command (2).
 */
export default async function extract(flags: Flags, args: string[]): Promise<number> {
  const { config } = runtime(flags);
  const file = args[0] as string;
  let fragment: GraphFragment;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return fail(file, 'not a file');
    fragment = extractRules(await parseSubmissionFile(file, { keepText: keepTextForRules }));
  } catch (err) {
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
  decideExtractor(flags.ai, config.useAi, (line) => process.stderr.write(line + '\n'));
  process.stdout.write(flags.json ? `${JSON.stringify(fragment, null, 2)}\n` : renderFragment(fragment));
  return EXIT.ok;
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

