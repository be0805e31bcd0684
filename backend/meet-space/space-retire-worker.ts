import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { meetSpaces } from '../db/schema.ts';
import type { JobHandler } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';
import type { MeetSpaces } from './google-meet-spaces.ts';
import { diagnoseMeetError } from './meet-space-failure.ts';
import { loadSpaceTarget } from './space-target.ts';

/**
 * At a session's end its space becomes RESTRICTED: the texted link no longer lets anyone outside the organisation
 * in. Outages are retried by the queue with backoff (the reason shown meanwhile); a permanent failure, or the last
 * attempt, is recorded as `failed` in the admin session view and the audit trail.
 */
export function createSpaceRetireWorker(deps: {
  db: Database;
  spaces: MeetSpaces;
  realtime: RealtimeOutbox;
  log: Logger;
}): JobHandler<'meet.space-retire'> {
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
      await recordSessionChange(tx, deps.realtime, {
        action: change.retireState === 'done' ? 'meet_space.retired' : 'meet_space.retire_failed',
        actor: 'system',
        sessionId,
        solverId,
        details: { spaceName: updated.spaceName, problem: change.retireProblem },
      });
    });

  return async ({ sessionId }, { attempt, isLastAttempt }) => {
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
