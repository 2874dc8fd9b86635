// BullMQ baseline worker: same no-op job, same concurrency, exits once the queue drains.
import * as fs from 'node:fs';
import { Worker } from 'bullmq';

const connection = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT) };
while (!fs.existsSync(process.env.GO_FILE)) await new Promise((r) => setTimeout(r, 1));
const worker = new Worker(process.env.QUEUE_NAME, async () => null, {
  connection,
  concurrency: Number(process.env.CONCURRENCY ?? '1'),
});
worker.on('drained', async () => {
  await worker.close();
  process.exit(0);
});
