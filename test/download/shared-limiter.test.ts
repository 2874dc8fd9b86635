import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SharedRateLimiter } from '../../src/download/index.js';
import { tempDir } from '../helpers.js';
import { maxInAnySecond } from './edgar-server.js';

describe('the shared rate file', () => {
  it('two limiters on one file (two processes, as far as the file knows) share one budget', async () => {
    const file = path.join(tempDir('edgar-limiter-'), 'rate.json');
    const a = new SharedRateLimiter(file, 10);
    const b = new SharedRateLimiter(file, 10);
    const starts: number[] = [];
    const take = async (l: SharedRateLimiter, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        // The slot the limiter recorded, not when this await resumed: on a loaded machine the
        // resumption can lag, which is the machine, not the limiter. It never resolves early.
        const slot = await l.acquire();
        expect(Date.now()).toBeGreaterThanOrEqual(slot);
        starts.push(slot);
      }
    };
    await Promise.all([take(a, 10), take(b, 10)]);
    starts.sort((x, y) => x - y);
    // 20 starts at 10/s, whoever took them: at least 19 intervals of 100 ms between first and last
    // (less a little slack).
    expect(starts[19]! - starts[0]!).toBeGreaterThanOrEqual(1900 - 30);
    expect(maxInAnySecond(starts)).toBeLessThanOrEqual(10);
  });

  it('a pause asked for by one (a 429 with Retry-After) holds the other back too', async () => {
    const file = path.join(tempDir('edgar-limiter-'), 'rate.json');
    const a = new SharedRateLimiter(file, 9);
    const b = new SharedRateLimiter(file, 9);
    const until = Date.now() + 600;
    await a.pauseUntil(until);
    await b.acquire();
    expect(Date.now()).toBeGreaterThanOrEqual(until);
  });

  it('refuses a rate over SEC\'s 10 or not above 0, and stops waiting when aborted', async () => {
    const file = path.join(tempDir('edgar-limiter-'), 'rate.json');
    expect(() => new SharedRateLimiter(file, 10.5)).toThrow(RangeError);
    expect(() => new SharedRateLimiter(file, 0)).toThrow(RangeError);
    const l = new SharedRateLimiter(file, 1);
    await l.pauseUntil(Date.now() + 60_000);
    const ac = new AbortController();
    const waiting = l.acquire(ac.signal);
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
