import { eq, sql } from 'drizzle-orm';
import type { Transaction } from '../db/client.ts';
import { endedSessionIds } from '../db/schema.ts';

/** How long an end of an unknown session is remembered: longer than any host retries an older event (days). */
export const TOMBSTONE_RETENTION_DAYS = 30;

/**
 * Serialises host events about one session id until the transaction ends (a Postgres advisory lock), so an end
 * and a create of the same unknown id cannot both miss each other.
 */
export async function lockSessionId(tx: Transaction, sessionId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${sessionId}, 0))`);
}

/** Remembers that the host ended a session id this backend never stored (the latest end wins). */
export async function rememberEnded(tx: Transaction, sessionId: string, endedAt: Date): Promise<void> {
  await tx
    .insert(endedSessionIds)
    .values({ sessionId, endedAt })
    .onConflictDoUpdate({
      target: endedSessionIds.sessionId,
      set: { endedAt: sql`greatest(${endedSessionIds.endedAt}, excluded.ended_at)` },
    });
}

/** When the host ended this never-stored session id, if it did. */
export async function endedUnknownAt(tx: Transaction, sessionId: string): Promise<Date | undefined> {
  const [row] = await tx.select({ endedAt: endedSessionIds.endedAt }).from(endedSessionIds).where(eq(endedSessionIds.sessionId, sessionId));
  return row?.endedAt;
}
