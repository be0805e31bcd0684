import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import { reportCounts } from './test-counts.ts';

/**
 * Playwright Test's counts for the run's last line (`test/support/test-counts.ts`). A test counts once, by its
 * final outcome; an error outside any test (a fixture's set-up, a file that does not load) counts as a failure.
 */
export default class PlaywrightSummary implements Reporter {
  private readonly outcomes = new Map<TestCase, TestResult['status']>();
  private errors = 0;

  onTestEnd(test: TestCase, result: TestResult) {
    this.outcomes.set(test, result.status);
  }

  onError() {
    this.errors++;
  }

  onEnd(result: FullResult) {
    let passed = 0;
    let failed = this.errors;
    let skipped = 0;
    for (const status of this.outcomes.values()) {
      if (status === 'passed') passed++;
      else if (status === 'skipped') skipped++;
      else failed++;
    }
    if (failed === 0 && result.status !== 'passed') failed = 1;
    reportCounts('playwright', { passed, failed, skipped });
  }

  printsToStdio() {
    return false;
  }
}
