import { configDefaults, defineConfig } from 'vitest/config';
import { WxtVitest } from 'wxt/testing/vitest-plugin';

/**
 * Files that kill, restart or time whole backends (chaos, production cadence, a clean install): they run last, one
 * at a time, with the machine to themselves; everything else runs two files at a time (2 cores).
 */
const ALONE = [
  'test/integration/soak.postgres.test.ts',
  'test/integration/multi-instance.postgres.test.ts',
  'test/integration/host-retry-cadence.pglite.test.ts',
  'test/integration/graceful-shutdown.test.ts',
  'test/integration/server-start.test.ts',
  'test/build/production-install.test.ts',
  'test/demo/stop-on-signal.test.ts',
];
const node = {
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // Makes the migrated PGlite template test databases start from, when the cache lacks it.
  globalSetup: ['./test/support/pglite-template.ts'],
};

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          ...node,
          name: 'node',
          include: ['backend/**/*.test.ts', 'shared/**/*.test.ts', 'release/**/*.test.ts', 'test/**/*.test.ts'],
          // The e2e suite runs in Playwright Test (playwright.config.ts).
          exclude: [...configDefaults.exclude, 'test/e2e/**', ...ALONE],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: { ...node, name: 'node-alone', include: ALONE, maxWorkers: 1, sequence: { groupOrder: 1 } },
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
          // One worker runs many files (6 s instead of 23 s: happy-dom and React load once): the code keeps no
          // module-level state, and test-setup.ts empties the fake browser and the DOM before each test.
          isolate: false,
          testTimeout: 10_000,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
    ],
  },
});
