import { configDefaults, defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'node',
          include: ['backend/**/*.test.ts', 'shared/**/*.test.ts', 'test/**/*.test.ts'],
          // The e2e suite is its own project (below).
          exclude: [...configDefaults.exclude, 'test/e2e/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Extension unit tests: WXT's fake browser and a DOM.
        plugins: [WxtVitest()],
        // As in a development build (wxt.config.ts).
        define: { __SAVVYSOLVE_LOOPBACK_MEET_ROOMS__: 'true' },
        test: {
          name: 'extension',
          include: ['extension/**/*.test.{ts,tsx}'],
          environment: 'happy-dom',
          setupFiles: ['./extension/test-setup.ts'],
          testTimeout: 10_000,
        },
      },
      {
        // Real Chromium with the built extension (`npm run build` first); one browser per file, files in sequence.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
