import { and, eq } from 'drizzle-orm';
import type { MeetAccessType } from '../../shared/index.ts';
import type { Database } from '../db/client.ts';
import { meetSpaces, sessions } from '../db/schema.ts';
import type { JobHandler, JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';
import { POLL_CADENCE } from './attendance-poller.ts';
import type { MeetSpaces } from './google-meet-spaces.ts';
import { MeetSpaceFailure, diagnoseMeetError } from './meet-space-failure.ts';
import { loadSpaceTarget } from './space-target.ts';

export type SpaceSetupDeps = {
  db: Database;
  spaces: MeetSpaces;
  /** MEET_ACCESS_TYPE: applied to every new room, or `unchanged` to keep Google's default. */
  accessType: MeetAccessType | 'unchanged';
  /** Stage 2 of the link fan-out: texts the customer once the room is open (backend/meet/link-fanout.ts). */
  notify(sessionId: string): Promise<boolean>;
  realtime: RealtimeOutbox;
  queue: JobQueue;
  log: Logger;
  retryBaseDelayMs?: number;
  /** Seconds before the first attendance poll (POLL_CADENCE.fastSeconds). */
  firstPollSeconds?: number;
  /** MEET_ATTENDANCE_SOURCE=events: subscribes to the space's Meet events before the SMS (never throws). */
  subscribe?: (subject: string, spaceName: string) => Promise<void>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The session ended before its room was opened: leave the room as Google made it. */
class SessionEnded extends Error {}

/**
 * The access step after a link is stored: resolves the room's space (by meeting code, stored by `name`), applies
 * MEET_ACCESS_TYPE so the customer joins without knocking, subscribes to its Meet events (events on), starts the
 * attendance poll chain, then releases the
 * customer's SMS. A failure (scope not granted, 403/404, timeout, 429 after a short backoff) is recorded in plain
 * words and the SMS goes anyway. A session that ended meanwhile keeps (or gets back) its retired room.
 */
export function createSpaceSetupWorker(deps: SpaceSetupDeps): JobHandler<'meet.space-setup'> {
  const baseDelay = deps.retryBaseDelayMs ?? 500;
  const withRetries = async <T>(call: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const failure = diagnoseMeetError(error);
        if (!failure.retryable || attempt >= 3) throw failure;
        await sleep(baseDelay * 2 ** (attempt - 1));
      }
    }
  };

  return async ({ sessionId }) => {
    const target = await loadSpaceTarget(deps.db, sessionId);
    if (target?.space.accessState === 'pending') {
      const subject = target.subject ?? '';
      let spaceName: string | null = null;
      let outcome: Pick<typeof meetSpaces.$inferInsert, 'accessState' | 'accessType' | 'accessProblem'>;
      try {
        if (!subject) throw new MeetSpaceFailure('rejected', 'the solver has no Google Workspace email to act as');
        if (target.session.status === 'ended') throw new SessionEnded();
        const space = await withRetries(() => deps.spaces.resolve(subject, target.space.meetingCode));
        spaceName = space.name;
        if (deps.accessType !== 'unchanged') {
          const accessType = deps.accessType;
          await withRetries(() => deps.spaces.setAccessType(subject, space.name, accessType));
        }
        await deps.subscribe?.(subject, space.name);
        outcome =
          deps.accessType === 'unchanged'
            ? { accessState: 'unchanged', accessType: space.accessType, accessProblem: null }
            : { accessState: 'applied', accessType: deps.accessType, accessProblem: null };
      } catch (error) {
        if (error instanceof SessionEnded) outcome = { accessState: 'unchanged', accessType: null, accessProblem: null };
        else {
          const failure = error instanceof MeetSpaceFailure ? error : diagnoseMeetError(error);
          outcome = { accessState: 'failed', accessType: null, accessProblem: failure.message };
          deps.log.warn('Meet access step failed; the SMS goes anyway', { sessionId, kind: failure.kind });
        }
      }
      await deps.db.transaction(async (tx) => {
        // The session may have ended while the room was being opened, its retirement may even have run: the session
        // row's lock (taken first, as the end flow does) orders this with the end, and the room is retired again.
        const [session] = await tx.select({ status: sessions.status }).from(sessions).where(eq(sessions.id, sessionId)).for('update');
        const [updated] = await tx
          .update(meetSpaces)
          .set({ ...outcome, spaceName })
          .where(and(eq(meetSpaces.sessionId, sessionId), eq(meetSpaces.accessState, 'pending')))
          .returning();
        if (!updated) return;
        await recordSessionChange(tx, deps.realtime, {
          action: outcome.accessState === 'failed' ? 'meet_space.access_failed' : 'meet_space.opened',
          actor: 'system',
          sessionId,
          solverId: target.session.solverId,
          details: { spaceName, accessType: outcome.accessType ?? null, problem: outcome.accessProblem ?? null },
        });
        if (session?.status === 'ended') {
          // Subscribed to a room whose session ended meanwhile: its retirement may have run already, so delete here too.
          if (deps.subscribe && spaceName) await deps.queue.enqueue(tx, 'meet.events-unsubscribe', { spaceName });
          // Opened after the end: retire it again. Or the session ended before the fan-out made this row (the end
          // found no room to retire): retire it now, so every ended session's room is RESTRICTED.
          if (outcome.accessState === 'applied' || updated.retireState === null) {
            await tx.update(meetSpaces).set({ retireState: 'pending' }).where(eq(meetSpaces.sessionId, sessionId));
            await deps.queue.enqueue(tx, 'meet.space-retire', { sessionId });
          }
          return;
        }
        if (spaceName) {
          await deps.queue.enqueue(
            tx,
            'meet.attendance-poll',
            { sessionId, seq: 0 },
            { startAfterSeconds: deps.firstPollSeconds ?? POLL_CADENCE.fastSeconds },
          );
        }
      });
    }
    // Also when another run already did the step: the SMS must not wait for the sweep's deadline.
    await deps.notify(sessionId);
  };
}
