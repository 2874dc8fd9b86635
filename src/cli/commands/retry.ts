import { EXIT, UsageError } from '../errors.js';
import { openQueue, runtime, type CommonFlags } from '../runtime.js';

interface Flags extends CommonFlags {
  all?: boolean;
}

export default async function retry(flags: Flags, ids: string[]): Promise<number> {
  const { config } = runtime(flags);
  if (!flags.all && ids.length === 0) throw new UsageError('name the failed job ids to retry, or pass --all');
  if (flags.all && ids.length > 0) throw new UsageError('give either --all or job ids, not both');
  const queue = openQueue(config.queueDir, { create: false });
  const res = queue.requeueFailed(flags.all ? 'all' : ids);
  for (const id of res.requeued) process.stdout.write(`requeued ${id}\n`);
  for (const id of res.missing) process.stderr.write(`edgar: ${id} is not in failed/\n`);
  for (const r of res.refused) process.stderr.write(`edgar: ${r.id} not requeued: ${r.reason}\n`);
  process.stdout.write(`${res.requeued.length} job(s) back in pending/\n`);
  return res.missing.length + res.refused.length > 0 ? EXIT.jobsFailed : EXIT.ok;
}
