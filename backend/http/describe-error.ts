import { DrizzleQueryError } from 'drizzle-orm/errors';

/** Log fields for an error: `error` (its name) plus what is safe to say about it. */
export type ErrorDescription = Record<string, unknown> & { error: string };

const MAX_MESSAGE = 500;
const MAX_DEPTH = 3;

/**
 * What may be logged about an unexpected error: its kind, never the data it carried.
 *
 * - A database error (a SQLSTATE `code`, from postgres.js `PostgresError` or PGlite): `{ error, code, constraint,
 *   table }`. No message or detail: Postgres quotes values in them (`invalid input syntax for type uuid: "…"`,
 *   `Key (phone)=(…)`).
 * - A query wrapper (drizzle's `DrizzleQueryError`, or anything with `query` and `params`): its name and its cause
 *   described by the same rules, with only a `code` for a non-database cause. Never its message, `query` or
 *   `params`: they hold the statement's parameters (customer names, phone numbers).
 * - Any other Error: `{ error, message, stack }` (message cut at 500 characters, the stack's frames), and its
 *   `cause` described likewise.
 * - A thrown non-Error: `{ error: 'NonError', type }`.
 */
export function describeError(error: unknown, depth = 0): ErrorDescription {
  if (!(error instanceof Error)) {
    return isDatabaseError(error) ? { error: 'DatabaseError', ...databaseFields(error) } : { error: 'NonError', type: typeof error };
  }
  const name = nameOf(error);
  if (isDatabaseError(error)) return { error: name, ...databaseFields(error) };
  if (isQueryWrapper(error)) {
    const cause = error.cause;
    const described: ErrorDescription = { error: error instanceof DrizzleQueryError ? 'DrizzleQueryError' : name };
    if (isDatabaseError(cause))
      return { ...described, cause: cause instanceof Error ? nameOf(cause) : 'DatabaseError', ...databaseFields(cause) };
    if (cause instanceof Error) {
      const code = (cause as { code?: unknown }).code;
      return { ...described, cause: nameOf(cause), ...(typeof code === 'string' ? { code } : {}) };
    }
    return described;
  }
  // The stack's frames only (its first line repeats the message): where an unexpected error came from.
  const stack = error.stack?.split('\n').slice(1, 12).join('\n');
  const described: ErrorDescription = { error: name, message: error.message.slice(0, MAX_MESSAGE), ...(stack ? { stack } : {}) };
  if (error.cause !== undefined && depth < MAX_DEPTH) described.cause = describeError(error.cause, depth + 1);
  return described;
}

type DatabaseErrorLike = { code: string; severity?: string; routine?: string };

/** postgres.js and PGlite errors both carry Postgres' SQLSTATE (five digits or capitals) and its severity or routine. */
function isDatabaseError(value: unknown): value is DatabaseErrorLike {
  if (typeof value !== 'object' || value === null) return false;
  const { code } = value as { code?: unknown };
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && ('severity' in value || 'routine' in value);
}

/** postgres.js names them `constraint_name` / `table_name`, PGlite `constraint` / `table`. */
function databaseFields(error: DatabaseErrorLike): Record<string, unknown> {
  const fields = error as DatabaseErrorLike & Record<string, unknown>;
  const text = (...values: unknown[]) => values.find((value): value is string => typeof value === 'string');
  return {
    code: error.code,
    constraint: text(fields.constraint_name, fields.constraint),
    table: text(fields.table_name, fields.table),
  };
}

function isQueryWrapper(error: Error): boolean {
  return error instanceof DrizzleQueryError || ('query' in error && 'params' in error);
}

// DrizzleQueryError and others leave `name` as "Error"; the class says more.
const nameOf = (error: Error) => (error.name && error.name !== 'Error' ? error.name : error.constructor?.name || 'Error');
