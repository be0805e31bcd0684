import { eq } from 'drizzle-orm';
import type { CreateSolverRequest } from '../../shared/index.ts';
import { recordAudit } from '../audit/audit-log.ts';
import type { Transaction } from '../db/client.ts';
import { solvers } from '../db/schema.ts';

export type SolverUpsertOutcome = 'created' | 'updated' | 'unchanged' | 'stale';

/**
 * Creates or updates the solver with this login email (the host's key for solvers) in the caller's transaction.
 * With `occurredAt`, an event older than the last one applied is ignored (`stale`). Evict the solver from caches
 * after the commit when the outcome is `updated`.
 */
export async function upsertSolver(
  tx: Transaction,
  input: CreateSolverRequest,
  actor: string,
  occurredAt?: Date,
): Promise<{ id: string; outcome: SolverUpsertOutcome }> {
  const googleEmail = input.googleEmail ?? null;
  const [created] = await tx
    .insert(solvers)
    .values({ ...input, googleEmail, hostUpdatedAt: occurredAt ?? null })
    .onConflictDoNothing({ target: solvers.email })
    .returning();
  if (created) {
    await recordAudit(tx, { action: 'solver.created', actor, solverId: created.id, details: { employment: created.employment } });
    return { id: created.id, outcome: 'created' };
  }
  const [current] = await tx.select().from(solvers).where(eq(solvers.email, input.email)).for('update');
  if (!current) throw new Error('solver vanished during its upsert');
  if (occurredAt && current.hostUpdatedAt && occurredAt <= current.hostUpdatedAt) return { id: current.id, outcome: 'stale' };
  const changed = (['name', 'employment', 'googleEmail'] as const).filter(
    (field) => (field === 'googleEmail' ? googleEmail : input[field]) !== current[field],
  );
  if (changed.length === 0 && !occurredAt) return { id: current.id, outcome: 'unchanged' };
  await tx
    .update(solvers)
    .set({
      name: input.name,
      employment: input.employment,
      googleEmail,
      hostUpdatedAt: occurredAt ?? current.hostUpdatedAt,
      updatedAt: new Date(),
    })
    .where(eq(solvers.id, current.id));
  if (changed.length === 0) return { id: current.id, outcome: 'unchanged' };
  await recordAudit(tx, { action: 'solver.updated', actor, solverId: current.id, details: { fields: changed } });
  return { id: current.id, outcome: 'updated' };
}
