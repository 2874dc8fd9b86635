import type { WaitResult } from '../pipeline/wait.js';
import { formatDuration } from './duration.js';
import { EXIT } from './errors.js';

/** The summary after a wait, and the exit code it means (CONTRACT.md, "Exit codes"). */
export function reportWait(res: WaitResult): number {
  const c = res.counts;
  const w = process.stderr;
  if (res.interrupted) {
    w.write(`stopped waiting after ${formatDuration(res.elapsedMs)}; ${c.pending + c.processing} job(s) stay queued for the workers (\`edgar status\` to follow them)\n`);
    return EXIT.interrupted;
  }
  w.write(`${c.completed} completed, ${c.failed} failed${c.pending + c.processing ? `, ${c.pending + c.processing} still queued` : ''} in ${formatDuration(res.elapsedMs)}\n`);
  for (const f of res.failures) w.write(`  failed ${f.id} after ${f.attempts} attempt(s): ${f.error}\n`);
  if (res.failures.length) w.write('(`edgar retry --all` queues them again)\n');
  if (res.timedOut) {
    w.write('timed out before every job ended; they stay queued\n');
    return EXIT.jobsFailed;
  }
  return c.failed > 0 ? EXIT.jobsFailed : EXIT.ok;
}
