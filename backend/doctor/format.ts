import type { CheckResult } from './checks.ts';

const MARK = { ok: '✔', warn: '!', fail: '✘', skip: '–' } as const;

export const formatCheck = (result: CheckResult) =>
  `${MARK[result.status]} ${result.name}: ${result.detail}${result.fix ? `\n    fix: ${result.fix}` : ''}`;

export const formatSummary = (results: CheckResult[]) => {
  const count = (status: CheckResult['status']) => results.filter((result) => result.status === status).length;
  const [failed, warned] = [count('fail'), count('warn')];
  if (failed) return `\n${failed} problem(s) found${warned ? `, and ${warned} warning(s)` : ''}.`;
  return warned
    ? `\nNo problem found; ${warned} warning(s) above (each says what does not work until it is fixed).`
    : '\nAll checks passed.';
};
