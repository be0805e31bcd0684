import { eq } from 'drizzle-orm';
import type { CreateSolverRequest } from '../../shared/index.ts';
import { recordAudit } from '../audit/audit-log.ts';
import type { Transaction } from '../db/client.ts';
import { solvers } from '../db/schema.ts';
import { takesPermissionAway } from './revocation.ts';
import { ADMIN_ACTOR, disabledStamp, mayEnable } from './disable-rule.ts';
import type { SolverRow } from './solver-store.ts';
import { solverConflict } from './solver-conflict.ts';

export type SolverUpsertOutcome = 'created' | 'updated' | 'unchanged' | 'stale';
/** `revoked`: a permission was taken away (tokens revoked); revoke the realtime tokens too, in the same transaction. */
export type SolverUpsertResult = { id: string; outcome: SolverUpsertOutcome; revoked?: boolean };

/**
 * Creates or updates the solver with this login email (the host's key for solvers) in the caller's transaction.
 * With `occurredAt`, an event older than the last one applied is `stale`, except for what it takes away (disabled,
 * contract, Google email removed), which always applies. A solver an admin disabled stays disabled whatever
 * another actor asks (`mayEnable`). Evict the solver from caches
 * after the commit when the outcome is `updated`. A change that takes a permission away revokes the solver's tokens.
 * @throws ApiError 409 when the Google email is another solver's (backend/solvers/solver-conflict.ts).
 */
export async function upsertSolver(
  tx: Transaction,
  input: CreateSolverRequest & { disabled?: boolean },
  actor: string,
  occurredAt?: Date,
  prefix = '',
): Promise<SolverUpsertResult> {
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
): Promise<SolverUpsertResult> {
  const googleEmail = input.googleEmail ?? null;
  const disabledNow = input.disabled === true;
  const [created] = await tx
    .insert(solvers)
    .values({
      ...input,
      googleEmail,
      hostUpdatedAt: occurredAt ?? null,
      ...(disabledNow ? { disabledBy: actor, disabledAt: new Date() } : {}),
    })
    .onConflictDoNothing({ target: solvers.email })
    .returning();
  if (created) {
    await recordAudit(tx, { action: 'solver.created', actor, solverId: created.id, details: { employment: created.employment } });
    return { id: created.id, outcome: 'created' };
  }
  const [current] = await tx.select().from(solvers).where(eq(solvers.email, input.email)).for('update');
  if (!current) throw new Error('solver vanished during its upsert');
  const older = Boolean(occurredAt && current.hostUpdatedAt && occurredAt <= current.hostUpdatedAt);
  const asked: SolverFields = { name: input.name, employment: input.employment, googleEmail, disabled: input.disabled ?? current.disabled };
  // An older event still takes access away: the order of events must never undo a revocation.
  const next = older ? { ...current, ...restrictionsIn(current, asked) } : asked;
  const keptDisabled = current.disabled && !next.disabled && !mayEnable(current, actor);
  if (keptDisabled) next.disabled = true;
  const changed = SOLVER_FIELDS.filter((field) => next[field] !== current[field]);
  if (older && changed.length === 0) return { id: current.id, outcome: 'stale' };
  if (changed.length === 0 && !occurredAt) return { id: current.id, outcome: 'unchanged' };
  const revoked = takesPermissionAway(current, next);
  await tx
    .update(solvers)
    .set({
      name: next.name,
      employment: next.employment,
      googleEmail: next.googleEmail,
      disabled: next.disabled,
      ...disabledStamp(current, next.disabled === true, actor, disabledNow),
      hostUpdatedAt: older ? current.hostUpdatedAt : (occurredAt ?? current.hostUpdatedAt),
      updatedAt: new Date(),
      ...(revoked ? { tokenVersion: current.tokenVersion + 1 } : {}),
    })
    .where(eq(solvers.id, current.id));
  if (keptDisabled)
    await recordAudit(tx, {
      action: 'solver.enable_refused',
      actor,
      solverId: current.id,
      details: { disabledBy: current.disabledBy ?? ADMIN_ACTOR, rule: 'only an admin enables a solver an admin disabled' },
    });
  if (changed.length === 0) return { id: current.id, outcome: 'unchanged', revoked };
  await recordAudit(tx, {
    action: 'solver.updated',
    actor,
    solverId: current.id,
    details: { fields: changed, tokensRevoked: revoked, ...(older ? { fromOlderEvent: true } : {}) },
  });
  return { id: current.id, outcome: 'updated', revoked };
}

const SOLVER_FIELDS = ['name', 'employment', 'googleEmail', 'disabled'] as const;
type SolverFields = Pick<SolverRow, (typeof SOLVER_FIELDS)[number]>;

/**
 * The parts of `asked` that only take access away from `current` — disabled, switched to contract, Google email
 * removed — applied even from an event older than the state stored (docs/connecting-savvysolve.md).
 */
function restrictionsIn(current: SolverFields, asked: SolverFields): Partial<SolverFields> {
  return {
    ...(asked.disabled && !current.disabled ? { disabled: true } : {}),
    ...(asked.employment === 'contract' && current.employment === 'employed' ? { employment: 'contract' as const } : {}),
    ...(asked.googleEmail === null && current.googleEmail !== null ? { googleEmail: null } : {}),
  };
}
