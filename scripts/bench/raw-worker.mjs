// The raw floor: the same file moves as a claim and a completion (rename into processing/
// under a unique name, read the job, rename into completed/), in a bare loop with no
// queue: no leases, no records, no result. What the hardware allows.
import * as fs from 'node:fs';
import * as path from 'node:path';

const dir = process.env.QDIR;
// Start-up is not timed: wait, without spinning, for the bench's go line on stdin.
await new Promise((r) => process.stdin.once('data', r));
process.stdin.pause();
const names = fs.readdirSync(path.join(dir, 'pending'));
const start = Math.floor(Math.random() * names.length);
for (let i = 0; i < names.length; i++) {
  const n = names[(start + i) % names.length];
  const mine = path.join(dir, 'processing', `${n}.${process.pid}`);
  try {
    fs.renameSync(path.join(dir, 'pending', n), mine);
  } catch {
    continue;
  }
  JSON.parse(fs.readFileSync(mine, 'utf8'));
  fs.renameSync(mine, path.join(dir, 'completed', n));
}
process.exit(0);
