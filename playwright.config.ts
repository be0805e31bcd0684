import { defineConfig } from '@playwright/test';

/**
 * The end-to-end suite: real Chromium with the built extension (`npm run build` first). Each file starts its own
 * stack and browser (worker fixtures, `test/e2e/support/fixtures.ts`), so files run one at a time.
 */
export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.test.ts',
  outputDir: 'test-results',
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['./test/support/playwright-summary.ts']],
  use: { trace: 'retain-on-failure' },
});
