import type { SolverRow } from './solver-store.ts';

// Who disabled a solver decides who may enable them again (docs/admin-guide.md, docs/connecting-savvysolve.md).

/** The audit actor of admin changes (API, CLI, roster import). */
export const ADMIN_ACTOR = 'admin';

/**
 * Whether `actor` may enable this disabled solver: an admin always; anyone else (the SavvySolve app) only when it
 * disabled them itself. A solver disabled before `disabled_by` existed counts as an admin's.
 */
export const mayEnable = (current: Pick<SolverRow, 'disabledBy'>, actor: string): boolean =>
  actor === ADMIN_ACTOR || (current.disabledBy !== null && current.disabledBy === actor);

/**
 * `disabled_by` / `disabled_at` after a change: set when the solver becomes disabled (or an admin disables one the
 * app had disabled, so the app cannot enable them again), cleared when enabled, kept otherwise.
 */
export function disabledStamp(
  current: Pick<SolverRow, 'disabled' | 'disabledBy'>,
  disabled: boolean,
  actor: string,
  askedToDisable: boolean,
): Partial<Pick<SolverRow, 'disabledBy' | 'disabledAt'>> {
  if (!disabled) return current.disabled ? { disabledBy: null, disabledAt: null } : {};
  if (!current.disabled || (askedToDisable && actor === ADMIN_ACTOR && current.disabledBy !== ADMIN_ACTOR))
    return { disabledBy: actor, disabledAt: new Date() };
  return {};
}
