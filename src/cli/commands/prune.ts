import * as fs from 'node:fs';
import { parseDuration } from '../duration.js';
import { EXIT } from '../errors.js';
import { openQueue, runtime, type CommonFlags } from '../runtime.js';

interface Flags extends CommonFlags {
  state: 'completed' | 'failed' | 'all';
  olderThan: string;
  archive?: string;
  dryRun?: boolean;
  json?: boolean;
}

export default async function prune(flags: Flags): Promise<number> {
  const { config } = runtime(flags);
  const olderThanMs = parseDuration(flags.olderThan, '--older-than');
  const queue = openQueue(config.queueDir, { create: false });
  const states = flags.state === 'all' ? (['completed', 'failed'] as const) : ([flags.state] as const);
  // The archive line is appended (and flushed) before the record is unlinked: a crash in
  // between leaves a duplicate line, never a lost record.
  const archive = flags.archive ? fs.openSync(flags.archive, 'a') : null;
  // A job still named in an enqueue journal would be queued again by a replay after a
  // crash once its record is gone: retire the journals first (one filesystem sync); the
  // records of jobs that journals still name (a batch in flight) are kept.
  if (!flags.dryRun) await queue.retireJournals({ wait: true });
  const out: Record<string, { removed: number; archived: number; kept: number }> = {};
  try {
    for (const state of states) {
      out[state] = queue.prune({
        state,
        olderThanMs,
        dryRun: flags.dryRun === true,
        ...(archive !== null ? { archive: (rec: unknown) => fs.writeSync(archive, JSON.stringify(rec) + '\n') } : {}),
      });
    }
  } finally {
    if (archive !== null) {
      fs.fsyncSync(archive);
      fs.closeSync(archive);
    }
  }
  if (flags.json) process.stdout.write(JSON.stringify({ dryRun: flags.dryRun === true, olderThanMs, ...out }) + '\n');
  else
    for (const [state, r] of Object.entries(out))
      process.stdout.write(`${state}: ${flags.dryRun ? 'would remove' : 'removed'} ${r.removed}${r.archived ? ` (archived ${r.archived})` : ''}, kept ${r.kept}\n`);
  return EXIT.ok;
}
