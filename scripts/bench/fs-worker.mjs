// Benchmark worker: the real Worker on a no-op handler. With WAIT_GO it waits for a line on
// stdin, so that process start-up is not timed, then drains (burst) or idles (wake-up and
// idle-CPU runs).
import * as fs from 'node:fs';
import { FsQueue, Worker } from '../../dist/queue/index.js';

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
const worker = new Worker({
  queue: new FsQueue({ dir: env.QDIR }),
  handler,
  concurrency: Number(env.CONCURRENCY ?? '1'),
  burst: env.MODE === 'burst',
  workerId: `bench${process.pid}`,
});
process.on('SIGTERM', () => void worker.stop(0));
await worker.run();
process.exit(0);
