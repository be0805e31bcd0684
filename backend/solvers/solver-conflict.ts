import { ERROR_CODES } from '../../shared/index.ts';
import { ApiError } from '../http/errors.ts';

/** The unique constraint a database error violated (postgres.js `constraint_name`, PGlite `constraint`), if any. */
function violatedConstraint(error: unknown): string | undefined {
  for (let cause = error as { cause?: unknown; constraint_name?: unknown; constraint?: unknown } | undefined; cause;) {
    const name = cause.constraint_name ?? cause.constraint;
    if (typeof name === 'string') return name;
    cause = cause.cause as typeof cause;
  }
  return undefined;
}

/**
 * A 409 naming the taken value when `error` is a solver email or Google email uniqueness violation (both are
 * compared lower-case); otherwise `error` itself, to rethrow. `prefix` names the field's place (`data.` in events).
 */
export function solverConflict(error: unknown, input: { email?: string; googleEmail?: string | null }, prefix = ''): unknown {
  const constraint = violatedConstraint(error);
  if (constraint === 'solvers_email_unique')
    return new ApiError(409, ERROR_CODES.conflict, `${prefix}email: a solver with email ${input.email} already exists.`);
  if (constraint === 'solvers_google_email_unique')
    return new ApiError(
      409,
      ERROR_CODES.conflict,
      `${prefix}googleEmail: ${input.googleEmail} is already the Google email of another solver; one Google account is one solver.`,
    );
  return error;
}
