import type { SolverRow } from './solver-store.ts';

type SolverFields = Partial<Pick<SolverRow, 'email' | 'employment' | 'googleEmail' | 'disabled'>>;

/**
 * True when `next` takes a permission away from `current`: disabled, no longer employed, a changed or removed
 * Google email, a changed login email. Such a change bumps the solver's token version, so session tokens issued
 * before are refused (at once on the instance that made it, within the solver cache's second elsewhere).
 */
export function takesPermissionAway(current: SolverRow, next: SolverFields): boolean {
  const changed = <K extends keyof SolverFields>(field: K) => next[field] !== undefined && next[field] !== current[field];
  return (
    (next.disabled === true && !current.disabled) ||
    (changed('employment') && current.employment === 'employed') ||
    (changed('googleEmail') && current.googleEmail !== null) ||
    changed('email')
  );
}
