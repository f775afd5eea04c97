import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Two cores: suites that start servers, Redis or a browser share them.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    reporters: ['default', 'json'],
    // Read by .ci/run for its closing "N passed, N failed" line.
    outputFile: { json: 'test-results/vitest.json' },
  },
});
