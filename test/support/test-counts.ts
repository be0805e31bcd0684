import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What one test runner reports at the end of a run. */
export type TestCounts = { passed: number; failed: number; skipped: number };

/** Where `test/support/run-all.ts` collects each runner's counts; unset when a runner is started by hand. */
export const COUNTS_DIR_ENV = 'TEST_COUNTS_DIR';

/** The one plain line, `Tests: N passed, N failed, N skipped`, that any CI log reader understands. */
export const summaryLine = ({ passed, failed, skipped }: TestCounts) => `Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`;

/**
 * Ends a runner's report: under `run-all` (`TEST_COUNTS_DIR` set) the counts go to `<dir>/<runner>.json` for the
 * one summed line; run alone, the runner prints its own line.
 */
export function reportCounts(runner: string, counts: TestCounts): void {
  const dir = process.env[COUNTS_DIR_ENV];
  if (!dir) {
    process.stdout.write(`\n${summaryLine(counts)}\n`);
    return;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${runner}.json`), JSON.stringify(counts));
}

/** The counts a runner wrote, or `undefined` if it wrote none (it crashed before its end). */
export function readCounts(dir: string, runner: string): TestCounts | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, `${runner}.json`), 'utf8')) as TestCounts;
  } catch {
    return undefined;
  }
}
