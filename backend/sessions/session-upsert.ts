import { eq } from 'drizzle-orm';
import { recordAudit } from '../audit/audit-log.ts';
import type { Transaction } from '../db/client.ts';
import { sessions } from '../db/schema.ts';
import type { SessionEffects } from './session-effects.ts';
import { endSession } from './session-end.ts';
import { recordSessionChange } from './session-change.ts';

/** A session as the host (or an admin) describes it; the solver already resolved, the phone already E.164. */
export type SessionUpsert = {
  /** SavvySolve's session id; generated when omitted (sessions made by the admin API alone). */
  id?: string;
  solverId: string;
  customerName: string;
  customerPhone: string;
  status: 'active' | 'ended';
  /** When the host made this state; undefined (admin, import) applies regardless of order. */
  occurredAt?: Date;
};

/**
 * `created` / `updated` / `unchanged`; `stale`: an event older than the state already applied, ignored;
 * `ended`: the session has ended and is never reopened or changed.
 */
export type UpsertOutcome = 'created' | 'updated' | 'unchanged' | 'stale' | 'ended';

/**
 * Creates or updates a session in the caller's transaction (rules: docs/connecting-savvysolve.md). Older events
 * never overwrite newer state; a changed solver moves the session (both solvers' panels refresh, the Meet link
 * stays); status `ended` runs the end flow. Wake SESSION_CHANGE_JOBS after the commit.
 */
export async function upsertSession(
  tx: Transaction,
  effects: SessionEffects,
  input: SessionUpsert,
  actor: string,
): Promise<{ id: string; outcome: UpsertOutcome }> {
  const ended = input.status === 'ended';
  const at = input.occurredAt ?? new Date();
  const [created] = await tx
    .insert(sessions)
    .values({
      ...(input.id ? { id: input.id } : {}),
      solverId: input.solverId,
      customerName: input.customerName,
      customerPhone: input.customerPhone,
      status: input.status,
      endedAt: ended ? at : null,
      hostUpdatedAt: input.occurredAt ?? null,
    })
    .onConflictDoNothing({ target: sessions.id })
    .returning();
  if (created) {
    await recordSessionChange(tx, effects.realtime, {
      action: 'session.created',
      actor,
      sessionId: created.id,
      solverId: created.solverId,
      details: { status: created.status },
    });
    return { id: created.id, outcome: 'created' };
  }

  const id = input.id!;
  const [current] = await tx.select().from(sessions).where(eq(sessions.id, id)).for('update');
  if (!current) throw new Error(`session ${id} vanished during its upsert`);
  if (input.occurredAt && current.hostUpdatedAt && input.occurredAt <= current.hostUpdatedAt) return { id, outcome: 'stale' };
  if (current.status === 'ended') return { id, outcome: 'ended' };

  const changed = (['solverId', 'customerName', 'customerPhone'] as const).filter((field) => input[field] !== current[field]);
  if (changed.length > 0 || input.occurredAt) {
    await tx
      .update(sessions)
      .set({
        solverId: input.solverId,
        customerName: input.customerName,
        customerPhone: input.customerPhone,
        hostUpdatedAt: input.occurredAt ?? current.hostUpdatedAt,
      })
      .where(eq(sessions.id, id));
  }
  // Every field the change made is audited: a reassignment that also changes the phone records both.
  const otherFields = changed.filter((field) => field !== 'solverId');
  if (changed.includes('solverId')) {
    await recordAudit(tx, {
      action: 'session.reassigned',
      actor,
      sessionId: id,
      solverId: input.solverId,
      details: { fromSolverId: current.solverId, toSolverId: input.solverId },
    });
    if (otherFields.length > 0)
      await recordAudit(tx, {
        action: 'session.updated',
        actor,
        sessionId: id,
        solverId: input.solverId,
        details: { fields: otherFields },
      });
    // The old solver's panel drops the session, the new one's shows it.
    await effects.realtime.sessionUpdated(tx, { solverId: current.solverId, sessionId: id });
    await effects.realtime.sessionUpdated(tx, { solverId: input.solverId, sessionId: id });
  } else if (changed.length > 0) {
    await recordSessionChange(tx, effects.realtime, {
      action: 'session.updated',
      actor,
      sessionId: id,
      solverId: input.solverId,
      details: { fields: changed },
    });
  }
  if (ended) {
    await endSession(tx, effects, { sessionId: id, at, actor });
    return { id, outcome: 'updated' };
  }
  return { id, outcome: changed.length > 0 ? 'updated' : 'unchanged' };
}
