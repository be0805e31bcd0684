import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COUNTS_DIR_ENV, readCounts, summaryLine, type TestCounts } from './test-counts.ts';

/**
 * `npm test` after the type-check and the build: Vitest (unit and integration), then Playwright Test (e2e in
 * Chromium) — the second runs even if the first failed — and one last line summing both. Exits non-zero if either
 * runner failed, or ended without reporting its counts.
 */
const dir = mkdtempSync(join(tmpdir(), 'ssm-test-counts-'));
const env = { ...process.env, [COUNTS_DIR_ENV]: dir };
const runners = [
  { name: 'vitest', command: 'vitest', args: ['run'] },
  { name: 'playwright', command: 'playwright', args: ['test'] },
];

const total: TestCounts = { passed: 0, failed: 0, skipped: 0 };
let ok = true;
for (const runner of runners) {
  const { status, error } = spawnSync(runner.command, runner.args, { stdio: 'inherit', env });
  const counts = readCounts(dir, runner.name);
  if (error) console.error(`${runner.name} did not start: ${error.message}`);
  if (!counts) console.error(`${runner.name} ended without its counts (exit ${status}): counted as one failure`);
  total.passed += counts?.passed ?? 0;
  total.skipped += counts?.skipped ?? 0;
  total.failed += counts?.failed ?? 1;
  if (status !== 0 || !counts) ok = false;
}
rmSync(dir, { recursive: true, force: true });
if (total.failed > 0) ok = false;
process.stdout.write(`\n${summaryLine(total)}\n`);
process.exit(ok ? 0 : 1);
