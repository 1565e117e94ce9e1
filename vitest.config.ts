import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['engine/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real-kernel suites create namespaces with unique names, so files may run in parallel;
    // two workers match the two cores of the reference machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
