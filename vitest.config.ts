import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Process-heavy suites (real workers, kill -9) must not all run at once on 2 cores.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
