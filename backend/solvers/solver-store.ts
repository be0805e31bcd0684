import { asc, eq, or } from 'drizzle-orm';
import type { CreateSolverRequest, Solver, UpdateSolverRequest } from '../../shared/index.ts';
import type { Queryable } from '../db/client.ts';
import { solvers } from '../db/schema.ts';

export type SolverRow = typeof solvers.$inferSelect;

export const toSolver = (row: SolverRow): Solver => ({
  id: row.id,
  name: row.name,
  email: row.email,
  employment: row.employment,
  googleEmail: row.googleEmail,
});

export async function findSolverById(db: Queryable, id: string): Promise<SolverRow | undefined> {
  const [row] = await db.select().from(solvers).where(eq(solvers.id, id)).limit(1);
  return row;
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

export async function updateSolverRow(db: Queryable, id: string, input: UpdateSolverRequest): Promise<SolverRow | undefined> {
  const [row] = await db
    .update(solvers)
    .set({ ...input, updatedAt: new Date() })
    .where(eq(solvers.id, id))
    .returning();
  return row;
}

export async function listSolverRows(db: Queryable): Promise<SolverRow[]> {
  return db.select().from(solvers).orderBy(asc(solvers.name));
}
