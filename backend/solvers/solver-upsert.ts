import { eq } from 'drizzle-orm';
import type { CreateSolverRequest } from '../../shared/index.ts';
import { recordAudit } from '../audit/audit-log.ts';
import type { Transaction } from '../db/client.ts';
import { solvers } from '../db/schema.ts';
import { takesPermissionAway } from './revocation.ts';
import { solverConflict } from './solver-conflict.ts';

export type SolverUpsertOutcome = 'created' | 'updated' | 'unchanged' | 'stale';

/**
 * Creates or updates the solver with this login email (the host's key for solvers) in the caller's transaction.
 * With `occurredAt`, an event older than the last one applied is ignored (`stale`). Evict the solver from caches
 * after the commit when the outcome is `updated`. A change that takes a permission away revokes the solver's tokens.
 * @throws ApiError 409 when the Google email is another solver's (backend/solvers/solver-conflict.ts).
 */
export async function upsertSolver(
  tx: Transaction,
  input: CreateSolverRequest & { disabled?: boolean },
  actor: string,
  occurredAt?: Date,
  prefix = '',
): Promise<{ id: string; outcome: SolverUpsertOutcome }> {
  try {
    return await upsert(tx, input, actor, occurredAt);
  } catch (error) {
    throw solverConflict(error, input, prefix);
  }
}

async function upsert(
  tx: Transaction,
  input: CreateSolverRequest & { disabled?: boolean },
  actor: string,
  occurredAt: Date | undefined,
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
  const next = { ...input, googleEmail, disabled: input.disabled ?? current.disabled };
  const changed = (['name', 'employment', 'googleEmail', 'disabled'] as const).filter((field) => next[field] !== current[field]);
  if (changed.length === 0 && !occurredAt) return { id: current.id, outcome: 'unchanged' };
  const revoked = takesPermissionAway(current, next);
  await tx
    .update(solvers)
    .set({
      name: next.name,
      employment: next.employment,
      googleEmail,
      disabled: next.disabled,
      hostUpdatedAt: occurredAt ?? current.hostUpdatedAt,
      updatedAt: new Date(),
      ...(revoked ? { tokenVersion: current.tokenVersion + 1 } : {}),
    })
    .where(eq(solvers.id, current.id));
  if (changed.length === 0) return { id: current.id, outcome: 'unchanged' };
  await recordAudit(tx, { action: 'solver.updated', actor, solverId: current.id, details: { fields: changed, tokensRevoked: revoked } });
  return { id: current.id, outcome: 'updated' };
}
