import { and, eq } from 'drizzle-orm';
import type { Transaction } from '../db/client.ts';
import { meetSpaces, sessions } from '../db/schema.ts';
import type { SessionEffects } from './session-effects.ts';
import { recordSessionChange } from './session-change.ts';

export type EndOutcome = 'ended' | 'already_ended' | 'not_found';

/**
 * Ends an active session: its Calendar event is ended and its Meet space made RESTRICTED by durable jobs, the
 * link stays for audit, the host hears `session.meet_ended` when there was a call. Ending twice is harmless. Wake SESSION_CHANGE_JOBS
 * after the commit.
 */
export async function endSession(
  tx: Transaction,
  effects: SessionEffects,
  input: { sessionId: string; at: Date; actor: string; hostUpdatedAt?: Date },
): Promise<EndOutcome> {
  const [ended] = await tx
    .update(sessions)
    .set({ status: 'ended', endedAt: input.at, ...(input.hostUpdatedAt ? { hostUpdatedAt: input.hostUpdatedAt } : {}) })
    .where(and(eq(sessions.id, input.sessionId), eq(sessions.status, 'active')))
    .returning();
  if (!ended) {
    const [exists] = await tx.select({ id: sessions.id }).from(sessions).where(eq(sessions.id, input.sessionId));
    return exists ? 'already_ended' : 'not_found';
  }
  if (ended.calendarEventId) await effects.queue.enqueue(tx, 'calendar.end-event', { sessionId: ended.id });
  if (ended.meetLink) await effects.hostEvents.add(tx, 'session.meet_ended', { sessionId: ended.id, endedAt: input.at.toISOString() });
  // Its Meet space (when space control opened it) is made RESTRICTED by a durable job; a poll out of turn reads the
  // final attendance once, and the chain stops there.
  const [space] = await tx
    .update(meetSpaces)
    .set({ retireState: 'pending' })
    .where(eq(meetSpaces.sessionId, ended.id))
    .returning({ pollSeq: meetSpaces.pollSeq, pollingStoppedAt: meetSpaces.pollingStoppedAt });
  if (space) await effects.queue.enqueue(tx, 'meet.space-retire', { sessionId: ended.id });
  if (space && !space.pollingStoppedAt)
    await effects.queue.enqueue(tx, 'meet.attendance-poll', { sessionId: ended.id, seq: space.pollSeq });
  await recordSessionChange(tx, effects.realtime, {
    action: 'session.ended',
    actor: input.actor,
    sessionId: ended.id,
    solverId: ended.solverId,
    details: { calendarEvent: ended.calendarEventId ? 'ending' : 'none' },
  });
  return 'ended';
}
