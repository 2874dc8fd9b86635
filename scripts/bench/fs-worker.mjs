// Benchmark worker: the real Worker on a no-op handler. With WAIT_GO it waits for a line on
// stdin, so that process start-up is not timed, then drains (burst) or idles (wake-up and
// idle-CPU runs). MODE=live: starts at once, idle until jobs arrive, says "ready" on stdout
// and then "done <count> <time of the last completion>" as jobs complete, until SIGTERM.
import * as fs from 'node:fs';
import { FsQueue, Worker } from '../../dist/queue/index.js';
import { reportCompletions } from './progress.mjs';

const env = process.env;
const wakeLog = env.WAKE_LOG ? fs.openSync(env.WAKE_LOG, 'a') : null;
const handler = (job) => {
  if (wakeLog !== null) fs.writeSync(wakeLog, `${performance.timeOrigin + performance.now() - job.sentAt}\n`);
  return null;
};
// Start-up is not timed: wait, without spinning, for the bench's go line on stdin.
if (env.WAIT_GO) {
  await new Promise((r) => process.stdin.once('data', r));
  process.stdin.pause();
}
const queue = new FsQueue({ dir: env.QDIR });
if (env.MODE === 'live') {
  // Counted where the job really is done: after the rename into completed/.
  const progress = reportCompletions();
  const complete = queue.complete.bind(queue);
  queue.complete = (...a) => {
    const rec = complete(...a);
    progress.completed();
    return rec;
  };
}
const worker = new Worker({
  queue,
  handler,
  concurrency: Number(env.CONCURRENCY ?? '1'),
  burst: env.MODE === 'burst',
  workerId: `bench${process.pid}`,
});
process.on('SIGTERM', () => void worker.stop(0));
const running = worker.run();
if (env.MODE === 'live') setTimeout(() => process.stdout.write('ready\n'), 50);
await running;
process.exit(0);
