// BullMQ baseline worker: same no-op job, same concurrency, exits once the queue drains.
import * as fs from 'node:fs';
import { Worker } from 'bullmq';

const connection = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT) };
// Start-up is not timed: wait, without spinning, for the bench's go line on stdin.
await new Promise((r) => process.stdin.once('data', r));
process.stdin.pause();
const worker = new Worker(process.env.QUEUE_NAME, async () => null, {
  connection,
  concurrency: Number(process.env.CONCURRENCY ?? '1'),
});
worker.on('drained', async () => {
  await worker.close();
  process.exit(0);
});
