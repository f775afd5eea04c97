import { existsSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';

// The browser tests drive Debian's Chromium; without it they cannot run, and say so here.
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const browserSkipReason = existsSync(chromium) ? undefined : `no Chromium at ${chromium} (apt-get install chromium, or set CHROMIUM_PATH); the web client was NOT tested in a browser`;
if (browserSkipReason) console.warn(`[browser] tests SKIPPED: ${browserSkipReason}`);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: browserSkipReason ? [...configDefaults.exclude, 'test/browser/**'] : configDefaults.exclude,
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
