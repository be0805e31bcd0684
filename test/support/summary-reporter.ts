import type { Reporter, TestModule } from 'vitest/node';
import { reportCounts } from './test-counts.ts';

/** Vitest's counts for the run's last line (`test/support/test-counts.ts`). */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>) {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const module of testModules) {
      if (module.state() === 'failed' && module.children.size === 0) failed++;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
    }
    reportCounts('vitest', { passed, failed, skipped });
  }
}
