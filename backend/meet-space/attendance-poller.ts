import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { meetSpaces } from '../db/schema.ts';
import type { HostEventOutbox } from '../host/host-event-outbox.ts';
import type { JobHandler, JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { readAttendance, type AttendanceFacts } from './attendance.ts';
import { observeCustomerJoin, publishAttendanceChange, storedAttendance } from './attendance-change.ts';
import { storeConferences } from './conference-records.ts';
import type { MeetConference, MeetSpaces } from './google-meet-spaces.ts';
import { diagnoseMeetError, type MeetSpaceFailure } from './meet-space-failure.ts';
import { loadSpaceTarget } from './space-target.ts';

/** How often attendance is read (seconds): often while the customer is likely to arrive, then slowly, then not. */
export const POLL_CADENCE = {
  fastSeconds: 10,
  fastForMinutes: 15,
  slowSeconds: 60,
  stopAfterHours: 4,
  /** After Google answers 429. */
  rateLimitedSeconds: 120,
  /**
   * MEET_ATTENDANCE_SOURCE=events, while the space's subscription is active: polling only reconciles (4 polls an hour;
   * the repair pass still gets four tries in a subscription's last hour, and any other state polls fast again).
   */
  reconcileSeconds: 900,
  /** After a pushed `conference.ended`: one poll reads the call's final attendance. */
  afterCallEndSeconds: 10,
};

export type AttendancePollerDeps = {
  db: Database;
  spaces: MeetSpaces;
  realtime: RealtimeOutbox;
  hostEvents: HostEventOutbox;
  queue: JobQueue;
  log: Logger;
  /** Observes link → customer joined in savvysolve_meet_customer_join_seconds. */
  metrics?: Metrics;
  /**
   * MEET_ATTENDANCE_SOURCE=events: whether the space's Meet events subscription is active (then attendance is pushed
   * and polled only every `reconcileSeconds`; missing, pending or failed, it is polled at today's cadence, and the
   * subscription is made again). `solverDisabled`: the subscription is deleted instead, and the answer is false.
   */
  eventsActive?: (spaceName: string, subject: string, solverDisabled: boolean) => Promise<boolean>;
  /** Overrides POLL_CADENCE (tests poll every second). */
  cadence?: Partial<typeof POLL_CADENCE>;
  now?: () => Date;
};

/**
 * One poll of a live session's attendance (conference records and participants), then the next poll queued in the
 * same transaction that stores the result. The chain's number (`poll_seq`) is claimed there too, so a retried or
 * duplicated job polls nothing twice, and the change is measured against the row locked there, so a push that stored
 * the same change while Google was being read is not published twice. A poll queued out of turn with the current
 * number (at the session's end, or after a pushed `conference.ended`) runs then, and the chain's own one is stale.
 * Stops at the session's end (after reading the final attendance once), after 4 hours, or when the Meet scopes are
 * not granted or the room is not the owner's. With Meet events pushed (an active subscription), it only reconciles:
 * every 15 minutes; with events on, what it read is stored for the pushes (`conference-records.ts`). Each change goes
 * to the solver's channel and, as `meet.customer_joined` / `meet.call_ended`, to the host.
 */
export function createAttendancePoller(deps: AttendancePollerDeps): JobHandler<'meet.attendance-poll'> {
  const now = deps.now ?? (() => new Date());
  const cadence = { ...POLL_CADENCE, ...deps.cadence };
  return async ({ sessionId, seq }) => {
    const target = await loadSpaceTarget(deps.db, sessionId);
    if (!target || target.space.pollSeq !== seq || !target.space.spaceName || target.space.pollingStoppedAt || !target.subject) return;
    const { space, session } = target;
    const ageMs = now().getTime() - (session.meetLinkCreatedAt ?? space.createdAt).getTime();
    const tooOld = ageMs > cadence.stopAfterHours * 3_600_000;
    // An ended session is read one last time (its end queues a poll at once), then its chain stops.
    let stop = session.status === 'ended' || tooOld;
    let conferences: MeetConference[] | undefined;
    let facts: AttendanceFacts | undefined;
    let failure: MeetSpaceFailure | undefined;
    if (!tooOld) {
      try {
        conferences = await deps.spaces.conferences(target.subject, space.spaceName!);
        facts = readAttendance(conferences, target.solverAccountId);
      } catch (error) {
        failure = diagnoseMeetError(error);
        deps.log.warn('attendance poll failed', { sessionId, kind: failure.kind });
        stop = failure.kind === 'scope_not_granted' || failure.kind === 'not_owner' || failure.kind === 'not_found';
      }
    }
    const reconciling =
      !stop && !failure && deps.eventsActive ? await deps.eventsActive(space.spaceName!, target.subject, target.solverDisabled) : false;
    let before = storedAttendance(space);
    const stored = await deps.db.transaction(async (tx) => {
      // Compared with the row as it is now, locked: a push may have stored the same change while Google was read.
      const [current] = await tx
        .select()
        .from(meetSpaces)
        .where(and(eq(meetSpaces.sessionId, sessionId), eq(meetSpaces.pollSeq, seq)))
        .for('update');
      if (!current) return false;
      before = storedAttendance(current);
      await tx
        .update(meetSpaces)
        .set({ pollSeq: seq + 1, ...(facts ?? {}), ...(stop ? { pollingStoppedAt: now() } : {}) })
        .where(eq(meetSpaces.sessionId, sessionId));
      // With events on, what was read is kept for the pushes, which then re-read only their own record.
      if (conferences && deps.eventsActive) await storeConferences(tx, space.spaceName!, conferences);
      if (facts) await publishAttendanceChange(tx, deps, { sessionId, solverId: session.solverId, before, after: facts });
      if (stop) return true;
      const delay =
        failure?.kind === 'rate_limited'
          ? cadence.rateLimitedSeconds
          : reconciling
            ? cadence.reconcileSeconds
            : ageMs < cadence.fastForMinutes * 60_000
              ? cadence.fastSeconds
              : cadence.slowSeconds;
      await deps.queue.enqueue(tx, 'meet.attendance-poll', { sessionId, seq: seq + 1 }, { startAfterSeconds: delay });
      return true;
    });
    // Counted once the poll that saw the customer arrive has committed (the chain claim makes it once per session).
    if (stored && facts) observeCustomerJoin(deps.metrics, session.meetLinkCreatedAt ?? space.createdAt, before, facts);
  };
}
