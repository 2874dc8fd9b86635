import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchDoorbell } from '../../src/queue/doorbell.js';
import { sleep, tempDir } from '../helpers.js';

describe('doorbell', () => {
  it('hears every ring, even rings closer together than chokidar throttles change events (50 ms)', async () => {
    const file = path.join(tempDir(), 'doorbell');
    fs.writeFileSync(file, '');
    const heard: number[] = [];
    let ring = 0;
    const watcher = watchDoorbell(file, () => heard.push(ring));
    // Armed once chokidar says so; a fixed wait may be too short on a loaded machine.
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    for (ring = 1; ring <= 20; ring++) {
      const t = new Date(Date.now() + ring);
      fs.utimesSync(file, t, t);
      await sleep(12);
    }
    await sleep(200);
    await watcher.close();
    // Each ring must have woken the listener at least once while it was the latest ring.
    expect(new Set(heard).size).toBeGreaterThanOrEqual(20);
  });
});
