import { formatDuration, parseDuration } from '../duration.js';
import { EXIT } from '../errors.js';
import { openQueue, runtime, type CommonFlags } from '../runtime.js';

interface Flags extends CommonFlags {
  staleAfter: string;
  dryRun?: boolean;
  json?: boolean;
}

export default async function reapStuck(flags: Flags): Promise<number> {
  const { config, log } = runtime(flags);
  const staleAfterMs = parseDuration(flags.staleAfter, '--stale-after');
  const queue = openQueue(config.queueDir, { create: false });
  const moved = queue.reap({ staleAfterMs, dryRun: flags.dryRun === true });
  if (flags.json) {
    process.stdout.write(JSON.stringify({ dryRun: flags.dryRun === true, staleAfterMs, moved }) + '\n');
    return EXIT.ok;
  }
  const verb = flags.dryRun ? 'would move' : 'moved';
  for (const m of moved) {
    process.stdout.write(
      `${verb} ${m.id} (worker ${m.workerId}, attempt ${m.attempt}${m.maxAttempts ? `/${m.maxAttempts}` : ''}, no heartbeat for ${formatDuration(m.staleForMs)}) -> ${m.to}\n`,
    );
    if (!flags.dryRun) log.info({ jobId: m.id, deadWorker: m.workerId, to: m.to }, 'reaped');
  }
  process.stdout.write(`${moved.length} stale job(s) ${verb}${moved.length === 0 ? ` (none without a heartbeat for ${formatDuration(staleAfterMs)})` : ''}\n`);
  return EXIT.ok;
}
