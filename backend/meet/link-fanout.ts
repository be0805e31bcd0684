import { and, eq, lt, sql } from 'drizzle-orm';
import { meetSmsBody, messageOf } from '../../shared/index.ts';
import { solverActor } from '../audit/audit-log.ts';
import type { Database, Transaction } from '../db/client.ts';
import { meetSpaces, sessions, solvers } from '../db/schema.ts';
import type { HostEventOutbox } from '../host/host-event-outbox.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import { meetingCodeOf } from '../meet-space/meeting-code.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';
import type { SmsOutbox } from '../sms/sms-outbox.ts';
import { DB_SPAN, inSpan } from '../tracing/tracing.ts';

export type LinkFanout = ReturnType<typeof createLinkFanout>;

/** How often the sweep looks for links whose fan-out did not run (e.g. the instance died)… */
const SWEEP_INTERVAL_MS = 5_000;
/** …leaving a pending link younger than this to the request that stored it. */
const SWEEP_GRACE_MS = 2_000;
/** The customer's SMS waits for the Meet access step at most this long (then it goes, knock screen or not). */
export const NOTIFY_DEADLINE_MS = 10_000;

type SessionRow = typeof sessions.$inferSelect;

/**
 * The session row is the outbox of a new Meet link (docs/meet-link.md, docs/architecture.md). The click stores the
 * link with `fanout_pending` in one statement and answers; then, each stage claiming its flag in its own
 * transaction (exactly once across instances; a crash delays a stage, never loses it):
 * 1. `fanOut`: the audit entry, the solver's update, the host's `meet_link.created`, and — with Meet space control —
 *    the access step (`meet.space-setup`), leaving `notify_pending` for it;
 * 2. `notify`: the customer's SMS and the session's system message, once the access step is done (it calls this)
 *    or after NOTIFY_DEADLINE_MS (the sweep). Without space control, both stages run in one transaction.
 */
export function createLinkFanout(deps: {
  db: Database;
  sms: SmsOutbox;
  realtime: RealtimeOutbox;
  hostEvents: HostEventOutbox;
  queue: JobQueue;
  log: Logger;
  /** Meet space control (backend/meet-space/): open the room to the customer before texting them. */
  spaceControl?: boolean;
}) {
  let timer: NodeJS.Timeout | undefined;

  /** Stage 2 inside the caller's transaction: the SMS and the system message of a claimed session. */
  async function queueNotifications(tx: Transaction, session: SessionRow) {
    const meetLink = session.meetLink!;
    const [solver] = await tx.select({ name: solvers.name }).from(solvers).where(eq(solvers.id, session.solverId));
    const solverName = solver?.name ?? 'Your solver';
    const sms = await deps.sms.queue(tx, { sessionId: session.id, to: session.customerPhone, body: meetSmsBody(solverName, meetLink) });
    await deps.realtime.meetLinkMessage(tx, { sessionId: session.id, solverName, meetLink });
    return sms.skipped ? 'skipped' : 'queued';
  }

  /**
   * Who owns the room behind a just-stored link: the calendar the event was made on, else (a captured room) the
   * solver who captured it — the session's solver in the transaction that claims the fresh link.
   */
  async function spaceOwner(tx: Transaction, session: SessionRow): Promise<string | null> {
    if (session.calendarId) return session.calendarId;
    const [solver] = await tx.select({ googleEmail: solvers.googleEmail }).from(solvers).where(eq(solvers.id, session.solverId));
    return solver?.googleEmail ?? null;
  }

  /** Stage 1 for one session if it is still pending; false when there was nothing (left) to do. */
  async function fanOut(sessionId: string): Promise<boolean> {
    const done = await inSpan('COMMIT link fan-out', { ...DB_SPAN, 'db.operation.name': 'COMMIT' }, () =>
      deps.db.transaction(async (tx) => {
        const [claimed] = await tx
          .update(sessions)
          .set({ fanoutPending: false })
          .where(and(eq(sessions.id, sessionId), eq(sessions.fanoutPending, true)))
          .returning();
        if (!claimed?.meetLink || !claimed.meetLinkSource) return false;
        const { meetLink, meetLinkSource: source } = claimed;
        const meetingCode = deps.spaceControl ? meetingCodeOf(meetLink) : undefined;
        let sms: string;
        if (meetingCode) {
          await tx
            .insert(meetSpaces)
            .values({ sessionId, meetingCode, ownerEmail: await spaceOwner(tx, claimed) })
            .onConflictDoNothing();
          await tx.update(sessions).set({ notifyPending: true }).where(eq(sessions.id, sessionId));
          await deps.queue.enqueue(tx, 'meet.space-setup', { sessionId });
          sms = 'after the Meet access step';
        } else sms = await queueNotifications(tx, claimed);
        // A Calendar insert that timed out here may still complete at Google: remove that event once it had time to.
        if (source === 'captured') await deps.queue.enqueue(tx, 'calendar.discard-event', { sessionId }, { startAfterSeconds: 30 });
        await deps.hostEvents.add(tx, 'meet_link.created', {
          sessionId,
          meetLink,
          source: source === 'captured' ? 'captured' : 'calendar',
          createdAt: (claimed.meetLinkCreatedAt ?? new Date()).toISOString(),
        });
        await recordSessionChange(tx, deps.realtime, {
          action: source === 'captured' ? 'meet_link.captured' : 'meet_link.created',
          actor: solverActor(claimed.solverId),
          solverId: claimed.solverId,
          sessionId,
          details: { source, delegationSubject: claimed.calendarId, calendarEventId: claimed.calendarEventId, sms },
        });
        return true;
      }),
    );
    if (done) deps.queue.wake(['sms.send', 'realtime.publish', 'host.deliver', 'meet.space-setup']);
    return done;
  }

  /** Stage 2 for one session if its notifications still wait; false when there was nothing (left) to do. */
  async function notify(sessionId: string): Promise<boolean> {
    const done = await deps.db.transaction(async (tx) => {
      const [claimed] = await tx
        .update(sessions)
        .set({ notifyPending: false })
        .where(and(eq(sessions.id, sessionId), eq(sessions.notifyPending, true)))
        .returning();
      if (!claimed?.meetLink) return false;
      const sms = await queueNotifications(tx, claimed);
      await recordSessionChange(tx, deps.realtime, {
        action: 'sms.queued',
        actor: 'system',
        solverId: claimed.solverId,
        sessionId,
        details: { sms },
      });
      return true;
    });
    if (done) deps.queue.wake(['sms.send', 'realtime.publish']);
    return done;
  }

  const running = new Set<Promise<unknown>>();

  /** Runs the fan-out after the caller's answer is written; a failure is left to the sweep. */
  function fanOutSoon(sessionId: string): void {
    const task = new Promise((resolve) => setImmediate(resolve))
      .then(() => fanOut(sessionId))
      .catch((error: unknown) =>
        deps.log.warn('Meet link fan-out failed; the sweep retries it', {
          sessionId,
          error: messageOf(error),
        }),
      )
      .finally(() => running.delete(task));
    running.add(task);
  }

  const olderThan = (ms: number) => lt(sessions.meetLinkCreatedAt, sql`now() - make_interval(secs => ${ms / 1000})`);

  /** Runs both stages for every link pending longer than its grace (stage 2: the deadline); returns how many. */
  async function sweep(graceMs = SWEEP_GRACE_MS, deadlineMs = NOTIFY_DEADLINE_MS): Promise<number> {
    const pick = (flag: typeof sessions.fanoutPending | typeof sessions.notifyPending, ms: number) =>
      deps.db
        .select({ id: sessions.id })
        .from(sessions)
        .where(and(eq(flag, true), olderThan(ms)))
        .limit(500);
    let count = 0;
    for (const { id } of await pick(sessions.fanoutPending, graceMs)) if (await fanOut(id)) count += 1;
    for (const { id } of await pick(sessions.notifyPending, deadlineMs)) if (await notify(id)) count += 1;
    if (count > 0) deps.log.info('Meet link fan-out recovered pending links', { count });
    return count;
  }

  let sweeping: Promise<unknown> | undefined;
  const sweepLogged = (graceMs?: number) =>
    (sweeping ??= sweep(graceMs)
      .catch((error: unknown) => deps.log.warn('Meet link fan-out sweep failed', { error: messageOf(error) }))
      .finally(() => (sweeping = undefined)));

  return {
    fanOut,
    notify,
    fanOutSoon,
    sweep,
    /** Sweeps at once (links left by an instance that died) and then every few seconds. */
    async start() {
      await sweepLogged(0);
      timer = setInterval(() => void sweepLogged(), SWEEP_INTERVAL_MS);
      timer.unref();
    },
    /** Stops the sweep and waits for the fan-outs under way, so none runs on a closed database. */
    async stop() {
      clearInterval(timer);
      await Promise.all([sweeping, ...running]);
    },
  };
}
