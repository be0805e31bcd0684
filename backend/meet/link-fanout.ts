import { and, eq, lt, sql } from 'drizzle-orm';
import { meetSmsBody } from '../../shared/index.ts';
import { solverActor } from '../audit/audit-log.ts';
import type { Database } from '../db/client.ts';
import { sessions, solvers } from '../db/schema.ts';
import type { HostEventOutbox } from '../host/host-event-outbox.ts';
import type { JobQueue } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { RealtimeOutbox } from '../realtime/outbox.ts';
import { recordSessionChange } from '../sessions/session-change.ts';
import type { SmsOutbox } from '../sms/sms-outbox.ts';

export type LinkFanout = ReturnType<typeof createLinkFanout>;

/** How often the sweep looks for links whose fan-out did not run (e.g. the instance died)… */
const SWEEP_INTERVAL_MS = 5_000;
/** …leaving a pending link younger than this to the request that stored it. */
const SWEEP_GRACE_MS = 2_000;

/**
 * The session row is the outbox of a new Meet link: the click stores the link with `fanout_pending` in one
 * statement and answers; this turns the flag into the SMS, the system message, the audit entry and the
 * session.updated message and the host's `meet_link.created`. Claiming the flag in the same transaction makes it exactly once across instances;
 * the flag committed with the link makes a crash in between delay the fan-out, never lose it.
 */
export function createLinkFanout(deps: {
  db: Database;
  sms: SmsOutbox;
  realtime: RealtimeOutbox;
  hostEvents: HostEventOutbox;
  queue: JobQueue;
  log: Logger;
}) {
  let timer: NodeJS.Timeout | undefined;

  /** Fans out one session's link if it is still pending; false when there was nothing (left) to do. */
  async function fanOut(sessionId: string): Promise<boolean> {
    const done = await deps.db.transaction(async (tx) => {
      const [claimed] = await tx
        .update(sessions)
        .set({ fanoutPending: false })
        .where(and(eq(sessions.id, sessionId), eq(sessions.fanoutPending, true)))
        .returning();
      if (!claimed?.meetLink || !claimed.meetLinkSource) return false;
      const { meetLink, meetLinkSource: source } = claimed;
      const [solver] = await tx.select({ name: solvers.name }).from(solvers).where(eq(solvers.id, claimed.solverId));
      const solverName = solver?.name ?? 'Your solver';
      const sms = await deps.sms.queue(tx, { sessionId, to: claimed.customerPhone, body: meetSmsBody(solverName, meetLink) });
      await deps.realtime.meetLinkMessage(tx, { sessionId, solverName, meetLink });
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
        details: {
          source,
          delegationSubject: claimed.calendarId,
          calendarEventId: claimed.calendarEventId,
          sms: sms.skipped ? 'skipped' : 'queued',
        },
      });
      return true;
    });
    if (done) deps.queue.wake(['sms.send', 'realtime.publish', 'host.deliver']);
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
          error: error instanceof Error ? error.message : String(error),
        }),
      )
      .finally(() => running.delete(task));
    running.add(task);
  }

  /** Fans out every pending link older than `graceMs`; returns how many it fanned out. */
  async function sweep(graceMs = SWEEP_GRACE_MS): Promise<number> {
    const pending = await deps.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.fanoutPending, true), lt(sessions.meetLinkCreatedAt, sql`now() - make_interval(secs => ${graceMs / 1000})`)))
      .limit(500);
    let count = 0;
    for (const { id } of pending) if (await fanOut(id)) count += 1;
    if (count > 0) deps.log.info('Meet link fan-out recovered pending links', { count });
    return count;
  }

  let sweeping: Promise<unknown> | undefined;
  const sweepLogged = (graceMs?: number) =>
    (sweeping ??= sweep(graceMs)
      .catch((error: unknown) =>
        deps.log.warn('Meet link fan-out sweep failed', { error: error instanceof Error ? error.message : String(error) }),
      )
      .finally(() => (sweeping = undefined)));

  return {
    fanOut,
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
