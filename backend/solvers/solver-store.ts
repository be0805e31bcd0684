import { asc, eq, or } from 'drizzle-orm';
import type { CreateSolverRequest, Solver, UpdateSolverRequest } from '../../shared/index.ts';
import type { Queryable } from '../db/client.ts';
import { solvers } from '../db/schema.ts';
import { ADMIN_ACTOR, disabledStamp } from './disable-rule.ts';
import { takesPermissionAway } from './revocation.ts';

export type SolverRow = typeof solvers.$inferSelect;

export const toSolver = (row: SolverRow): Solver => ({
  id: row.id,
  name: row.name,
  email: row.email,
  employment: row.employment,
  googleEmail: row.googleEmail,
  disabled: row.disabled,
});

/** A solver as the admin sees it: also who disabled them (`admin` or `savvysolve`) and when. */
export const toAdminSolver = (row: SolverRow): Solver => ({
  ...toSolver(row),
  disabledBy: row.disabledBy,
  disabledAt: row.disabledAt?.toISOString() ?? null,
});

export async function findSolverById(db: Queryable, id: string): Promise<SolverRow | undefined> {
  const [row] = await db.select().from(solvers).where(eq(solvers.id, id)).limit(1);
  return row;
}

/** Remembers the solver's Google account id (tokeninfo `sub`), learnt at sign-in. */
export async function setGoogleAccountId(db: Queryable, id: string, accountId: string): Promise<void> {
  await db.update(solvers).set({ googleAccountId: accountId }).where(eq(solvers.id, id));
}

/** The solver with this login email (the host's key for solvers). */
export async function findSolverByEmail(db: Queryable, email: string): Promise<SolverRow | undefined> {
  const [row] = await db.select().from(solvers).where(eq(solvers.email, email.toLowerCase())).limit(1);
  return row;
}

/** Matches the login email or the Google email; both are stored lower-case. */
export async function findSolverByAnyEmail(db: Queryable, email: string): Promise<SolverRow | undefined> {
  const normalized = email.toLowerCase();
  const rows = await db
    .select()
    .from(solvers)
    .where(or(eq(solvers.email, normalized), eq(solvers.googleEmail, normalized)))
    .limit(2);
  // A login-email match wins over someone else's Google email.
  return rows.find((row) => row.email === normalized) ?? rows[0];
}

/** Undefined when the email is already taken. */
export async function insertSolver(db: Queryable, input: CreateSolverRequest): Promise<SolverRow | undefined> {
  const [row] = await db
    .insert(solvers)
    .values({ ...input, googleEmail: input.googleEmail ?? null })
    .onConflictDoNothing({ target: solvers.email })
    .returning();
  return row;
}

/**
 * Applies an admin's change (a disable is stamped `disabled_by: admin`); one that takes a permission away also revokes the solver's session tokens
 * (`revoked`). Undefined when no solver has this id.
 */
export async function updateSolverRow(
  db: Queryable,
  id: string,
  input: UpdateSolverRequest,
): Promise<{ row: SolverRow; revoked: boolean } | undefined> {
  const [current] = await db.select().from(solvers).where(eq(solvers.id, id)).for('update');
  if (!current) return undefined;
  const revoked = takesPermissionAway(current, input);
  const stamp = disabledStamp(current, input.disabled ?? current.disabled, ADMIN_ACTOR, input.disabled === true);
  const [row] = await db
    .update(solvers)
    .set({ ...input, ...stamp, updatedAt: new Date(), ...(revoked ? { tokenVersion: current.tokenVersion + 1 } : {}) })
    .where(eq(solvers.id, id))
    .returning();
  return { row: row!, revoked };
}

export async function listSolverRows(db: Queryable): Promise<SolverRow[]> {
  return db.select().from(solvers).orderBy(asc(solvers.name));
}
