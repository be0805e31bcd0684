import { and, desc, eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { meetSpaces, solvers, webhookReceipts } from '../db/schema.ts';
import type { HostEventOutbox } from '../host/host-event-outbox.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import { POLL_CADENCE } from '../meet-space/attendance-poller.ts';
import { observeCustomerJoin, publishAttendanceChange, storedAttendance } from '../meet-space/attendance-change.ts';
import { readAttendance, type AttendanceFacts } from '../meet-space/attendance.ts';
import type { MeetSpaces } from '../meet-space/google-meet-spaces.ts';
import { MeetSpaceFailure, diagnoseMeetError } from '../meet-space/meet-space-failure.ts';
import { storeConferences, storedConference, storedConferences } from '../meet-space/conference-records.ts';
import type { MeetConference } from '../meet-space/google-meet-spaces.ts';
import { loadSpaceTarget, type SpaceTarget } from '../meet-space/space-target.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import type { MeetEvent } from './push-envelope.ts';

/**
 * What became of a pushed Meet event: `applied` (attendance changed and went out), `unchanged` (nothing new: a
 * reordered or repeated fact), `duplicate` (this `ce-id` was handled before), `unknown_space` (not a space of ours,
 * or one Google no longer shows us), `stale` (the session has ended).
 */
export type MeetEventOutcome = 'applied' | 'unchanged' | 'duplicate' | 'unknown_space' | 'stale';

export type MeetEventServiceDeps = {
  db: Database;
  spaces: MeetSpaces;
  realtime: RealtimeOutbox;
  hostEvents: HostEventOutbox;
  log: Logger;
  /** Observes link → customer joined in savvysolve_meet_customer_join_seconds. */
  metrics?: Metrics;
  /** Queues the reconciler's extra poll after a `conference.ended`. */
  queue: JobQueue;
  /** How long after a `conference.ended` the extra poll reads the final attendance (POLL_CADENCE.afterCallEndSeconds). */
  afterCallEndSeconds?: number;
};

/** What a pushed event was read as: its session, the space's calls as Google shows them now, and the records read now. */
type EventReading = { target: SpaceTarget; conferences: MeetConference[]; fresh: MeetConference[] };

const SPACE_SUBJECT = /^\/\/meet\.googleapis\.com\/(spaces\/[^/]+)$/;
const USER_SUBJECT = /^\/\/cloudidentity\.googleapis\.com\/users\/([^/]+)$/;
/** Receipts share `webhook_receipts` (and its 30-day clean-up) with the host's webhooks, under their own prefix. */
const receiptIdOf = (event: MeetEvent) => `meet-event:${event.id}`.slice(0, 255);

/**
 * Applies pushed Meet events to session attendance. An event is a signal, not the state: the event's conference
 * record is read again from Google (acting as the solver the subscription belongs to) and the space's attendance is
 * worked out as the poller does, then stored through the same change publishing. Only what the event can have
 * changed is read: a record seen before keeps its space and is re-read alone (a participant event: one read); a
 * record never seen is placed with `conferenceRecords.get` and the whole space is read. So a `left` that overtakes
 * its `joined`, a repeat, or an event that races the poller cannot leave a wrong state: whatever arrives last stores
 * what Google shows now. Each `ce-id` is applied once (`webhook_receipts`). A `conference.ended` also queues the
 * reconciler's poll out of turn (`afterCallEndSeconds` later), which reads the call's final attendance.
 */
export function createMeetEventService(deps: MeetEventServiceDeps) {
  const { db } = deps;

  const receipt = async (event: MeetEvent, outcome: MeetEventOutcome) => {
    await db
      .insert(webhookReceipts)
      .values({ webhookId: receiptIdOf(event), type: event.type, outcome })
      .onConflictDoNothing();
    return outcome;
  };

  /** Who to ask Google as, from the subscription's target (`ce-subject`). */
  async function subjectOf(event: MeetEvent): Promise<string | undefined> {
    const space = SPACE_SUBJECT.exec(event.subject ?? '')?.[1];
    if (space) {
      const sessionId = await sessionOfSpace(space);
      return sessionId ? ((await loadSpaceTarget(db, sessionId))?.subject ?? undefined) : undefined;
    }
    const accountId = USER_SUBJECT.exec(event.subject ?? '')?.[1];
    if (!accountId) return undefined;
    const [solver] = await db.select({ email: solvers.googleEmail }).from(solvers).where(eq(solvers.googleAccountId, accountId));
    return solver?.email ?? undefined;
  }

  /** The newest session held in `spaces/{id}`. */
  async function sessionOfSpace(spaceName: string): Promise<string | undefined> {
    const [row] = await db
      .select({ sessionId: meetSpaces.sessionId })
      .from(meetSpaces)
      .where(eq(meetSpaces.spaceName, spaceName))
      .orderBy(desc(meetSpaces.createdAt))
      .limit(1);
    return row?.sessionId;
  }

  /**
   * The session the event is about and what Google shows now, reading only what the event can have changed. A record
   * already stored (backend/meet-space/conference-records.ts) is re-read alone: its participants (one
   * `participants.list`), and for a conference event its times too (`conferenceRecords.get`); the space's other
   * records come from their stored reading. A record never seen is placed with `conferenceRecords.get`, then the
   * whole space is read as the poller reads it. `fresh`: the records read now, to store with the attendance.
   */
  async function readEvent(event: MeetEvent): Promise<EventReading | 'unknown_space' | 'stale'> {
    const subject = await subjectOf(event);
    if (!subject) return 'unknown_space';
    const name = event.conferenceRecord;
    const stored = await storedConference(db, name);
    const spaceName = stored?.spaceName ?? (await deps.spaces.conferenceRecord(subject, name)).space;
    const sessionId = spaceName ? await sessionOfSpace(spaceName) : undefined;
    const target = sessionId ? await loadSpaceTarget(db, sessionId) : undefined;
    if (!target?.subject || !target.space.spaceName) return 'unknown_space';
    if (target.session.status === 'ended' || target.space.pollingStoppedAt) return 'stale';
    if (!stored) {
      const conferences = await deps.spaces.conferences(target.subject, spaceName);
      return { target, conferences, fresh: conferences };
    }
    const times = event.type.includes('.conference.') ? await deps.spaces.conferenceRecord(target.subject, name) : stored.conference;
    const record = {
      name,
      startTime: times.startTime,
      endTime: times.endTime,
      participants: await deps.spaces.participants(target.subject, name),
    };
    const others = (await storedConferences(db, spaceName)).filter((conference) => conference.name !== name);
    return { target, conferences: [record, ...others], fresh: [record] };
  }

  return {
    /**
     * Applies one event. @throws MeetSpaceFailure when Google cannot be read now (retryable: the route answers 503
     * and Pub/Sub redelivers; the poller reconciles meanwhile)
     */
    async apply(event: MeetEvent): Promise<MeetEventOutcome> {
      const [seen] = await db
        .select()
        .from(webhookReceipts)
        .where(eq(webhookReceipts.webhookId, receiptIdOf(event)));
      if (seen) return 'duplicate';
      let reading: Awaited<ReturnType<typeof readEvent>>;
      try {
        reading = await readEvent(event);
      } catch (error) {
        const failure = error instanceof MeetSpaceFailure ? error : diagnoseMeetError(error);
        // Not ours to read (a record Google no longer shows us, a scope not granted): nothing to retry.
        if (!failure.retryable) return receipt(event, 'unknown_space');
        throw failure;
      }
      if (typeof reading === 'string') return receipt(event, reading);
      const { target, conferences, fresh } = reading;
      const facts = readAttendance(conferences, target.solverAccountId);
      const { sessionId } = target.space;
      let before: AttendanceFacts | undefined;
      const outcome = await db.transaction(async (tx) => {
        const [claimed] = await tx
          .insert(webhookReceipts)
          .values({ webhookId: receiptIdOf(event), type: event.type, outcome: 'applied' })
          .onConflictDoNothing()
          .returning({ id: webhookReceipts.webhookId });
        if (!claimed) return 'duplicate' as const;
        const [space] = await tx.select().from(meetSpaces).where(eq(meetSpaces.sessionId, sessionId)).for('update');
        before = storedAttendance(space!);
        await storeConferences(tx, target.space.spaceName!, fresh);
        if (event.type === 'google.workspace.meet.conference.v2.ended')
          await deps.queue.enqueue(
            tx,
            'meet.attendance-poll',
            { sessionId, seq: space!.pollSeq },
            { startAfterSeconds: deps.afterCallEndSeconds ?? POLL_CADENCE.afterCallEndSeconds },
          );
        const changed = await publishAttendanceChange(tx, deps, { sessionId, solverId: target.session.solverId, before, after: facts });
        if (changed.length === 0) {
          await tx
            .update(webhookReceipts)
            .set({ outcome: 'unchanged' })
            .where(eq(webhookReceipts.webhookId, receiptIdOf(event)));
          return 'unchanged' as const;
        }
        await tx
          .update(meetSpaces)
          .set(facts)
          .where(and(eq(meetSpaces.sessionId, sessionId)));
        return 'applied' as const;
      });
      if (outcome === 'applied')
        observeCustomerJoin(deps.metrics, target.session.meetLinkCreatedAt ?? target.space.createdAt, before!, facts);
      return outcome;
    },
  };
}

export type MeetEventService = ReturnType<typeof createMeetEventService>;
