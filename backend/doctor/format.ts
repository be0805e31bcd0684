import type { CheckResult } from './checks.ts';

const MARK = { ok: '✔', fail: '✘', skip: '–' } as const;

export const formatCheck = (result: CheckResult) =>
  `${MARK[result.status]} ${result.name}: ${result.detail}${result.fix ? `\n    fix: ${result.fix}` : ''}`;

export const formatSummary = (results: CheckResult[]) => {
  const failed = results.filter((result) => result.status === 'fail').length;
  return failed ? `\n${failed} problem(s) found.` : '\nAll checks passed.';
};
