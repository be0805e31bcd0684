import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COUNTS_DIR_ENV, readCounts, reportCounts, summaryLine } from './test-counts.ts';

describe('the counts behind the run’s last line', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('under run-all, hands each runner’s counts over in a file and prints nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssm-counts-test-'));
    dirs.push(dir);
    vi.stubEnv(COUNTS_DIR_ENV, dir);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    reportCounts('playwright', { passed: 3, failed: 1, skipped: 0 });
    expect(write).not.toHaveBeenCalled();
    expect(readCounts(dir, 'playwright')).toEqual({ passed: 3, failed: 1, skipped: 0 });
    // A runner that crashed before its end wrote nothing: run-all counts that as a failure.
    expect(readCounts(dir, 'vitest')).toBeUndefined();
  });

  it('run alone, prints its own line', () => {
    vi.stubEnv(COUNTS_DIR_ENV, '');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    reportCounts('vitest', { passed: 5, failed: 0, skipped: 2 });
    expect(write).toHaveBeenCalledWith('\nTests: 5 passed, 0 failed, 2 skipped\n');
    expect(summaryLine({ passed: 0, failed: 3, skipped: 1 })).toBe('Tests: 0 passed, 3 failed, 1 skipped');
  });
});
