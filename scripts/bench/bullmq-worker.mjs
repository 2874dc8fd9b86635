// BullMQ baseline worker: same no-op job, same concurrency, exits once the queue drains.
// MODE=live: connects at once, says "ready", reports completions as fs-worker does, and
// runs until SIGTERM.
import { Worker } from 'bullmq';
import { reportCompletions } from './progress.mjs';

const connection = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT) };
const live = process.env.MODE === 'live';
// Start-up is not timed: wait, without spinning, for the bench's go line on stdin.
if (!live) {
  await new Promise((r) => process.stdin.once('data', r));
  process.stdin.pause();
}
const worker = new Worker(process.env.QUEUE_NAME, async () => null, {
  connection,
  concurrency: Number(process.env.CONCURRENCY ?? '1'),
});
if (live) {
  const progress = reportCompletions();
  worker.on('completed', () => progress.completed());
  process.on('SIGTERM', () => process.exit(0));
  await worker.waitUntilReady();
  process.stdout.write('ready\n');
} else {
  worker.on('drained', async () => {
    await worker.close();
    process.exit(0);
  });
}
