import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { meetSpaces } from '../db/schema.ts';
import type { JobHandler, JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';
import type { MeetSpaces } from './google-meet-spaces.ts';
import { diagnoseMeetError } from './meet-space-failure.ts';
import { loadSpaceTarget } from './space-target.ts';

/** How long after a retirement the room is checked again. */
export const CONFIRM_AFTER_SECONDS = 30;

/**
 * At a session's end its space becomes RESTRICTED: the texted link no longer lets anyone outside the organisation
 * in (and, with Meet events on, its subscription is deleted by a job queued with the outcome). Outages are retried by the queue with backoff (the reason shown meanwhile); a permanent failure, or the last
 * attempt, is recorded as `failed` in the admin session view and the audit trail. CONFIRM_AFTER_SECONDS later the room
 * is read again and restricted again if it is not: a request that timed out here (the access step's OPEN) may
 * still be applied at Google after the retirement.
 */
export function createSpaceRetireWorker(deps: {
  db: Database;
  spaces: MeetSpaces;
  realtime: RealtimeOutbox;
  queue: JobQueue;
  log: Logger;
  confirmAfterSeconds?: number;
  /** MEET_ATTENDANCE_SOURCE=events: queue `meet.events-unsubscribe` for the space, whatever became of its retirement. */
  unsubscribe?: boolean;
}): JobHandler<'meet.space-retire'> {
  const confirmAfter = deps.confirmAfterSeconds ?? CONFIRM_AFTER_SECONDS;
  const finish = async (
    sessionId: string,
    solverId: string,
    change: { retireState: 'done' | 'failed'; retireProblem: string | null; spaceName?: string },
  ) =>
    deps.db.transaction(async (tx) => {
      const [updated] = await tx
        .update(meetSpaces)
        .set(change)
        .where(and(eq(meetSpaces.sessionId, sessionId), eq(meetSpaces.retireState, 'pending')))
        .returning();
      if (!updated) return;
      if (deps.unsubscribe && updated.spaceName) await deps.queue.enqueue(tx, 'meet.events-unsubscribe', { spaceName: updated.spaceName });
      if (change.retireState === 'done')
        await deps.queue.enqueue(tx, 'meet.space-retire', { sessionId, confirm: true }, { startAfterSeconds: confirmAfter });
      await recordSessionChange(tx, deps.realtime, {
        action: change.retireState === 'done' ? 'meet_space.retired' : 'meet_space.retire_failed',
        actor: 'system',
        sessionId,
        solverId,
        details: { spaceName: updated.spaceName, problem: change.retireProblem },
      });
    });

  /** Restricts the room again if something reopened it after its retirement. */
  async function confirm(sessionId: string): Promise<void> {
    const target = await loadSpaceTarget(deps.db, sessionId);
    const spaceName = target?.space.spaceName;
    if (!target || target.space.retireState !== 'done' || !spaceName || !target.subject) return;
    const space = await deps.spaces.resolve(target.subject, spaceName.replace(/^spaces\//, ''));
    if (space.accessType === 'RESTRICTED') return;
    await deps.spaces.setAccessType(target.subject, spaceName, 'RESTRICTED');
    deps.log.warn('a retired Meet space had been reopened; restricted it again', { sessionId, accessType: space.accessType });
    await deps.db.transaction((tx) =>
      recordSessionChange(tx, deps.realtime, {
        action: 'meet_space.retired',
        actor: 'system',
        sessionId,
        solverId: target.session.solverId,
        details: { spaceName, again: true, found: space.accessType },
      }),
    );
  }

  return async ({ sessionId, confirm: confirming }, { attempt, isLastAttempt }) => {
    if (confirming) return confirm(sessionId);
    const target = await loadSpaceTarget(deps.db, sessionId);
    if (!target || target.space.retireState !== 'pending') return;
    const solverId = target.session.solverId;
    try {
      if (!target.subject) throw new Error('no Google account to act as');
      const spaceName = target.space.spaceName ?? (await deps.spaces.resolve(target.subject, target.space.meetingCode)).name;
      await deps.spaces.setAccessType(target.subject, spaceName, 'RESTRICTED');
      await finish(sessionId, solverId, { retireState: 'done', retireProblem: null, spaceName });
    } catch (error) {
      const failure = diagnoseMeetError(error);
      if (!failure.retryable || isLastAttempt) {
        await finish(sessionId, solverId, { retireState: 'failed', retireProblem: failure.message });
        deps.log.error('could not retire a Meet space', { sessionId, kind: failure.kind, attempt });
        return;
      }
      await deps.db
        .update(meetSpaces)
        .set({ retireProblem: `${failure.message}; retrying` })
        .where(eq(meetSpaces.sessionId, sessionId));
      throw failure;
    }
  };
}
