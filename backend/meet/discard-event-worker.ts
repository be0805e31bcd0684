import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { sessions, solvers } from '../db/schema.ts';
import type { JobHandler } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import { calendarEventIdFor } from './event-id.ts';
import type { MeetCalendar } from './google-calendar.ts';

/**
 * After a fallback the solver's own room became the session's link (captured). A Calendar insert that timed out on
 * our side may still have completed at Google, leaving an event with another Meet room for the session; its id is
 * the session's (event-id.ts), so it is deleted by that id — gone already (404/410) counts as done.
 */
export function createDiscardEventWorker(
  db: Database,
  calendar: MeetCalendar | undefined,
  log: Logger,
): JobHandler<'calendar.discard-event'> {
  return async ({ sessionId }) => {
    const [row] = await db
      .select({ source: sessions.meetLinkSource, subject: solvers.googleEmail })
      .from(sessions)
      .innerJoin(solvers, eq(solvers.id, sessions.solverId))
      .where(eq(sessions.id, sessionId));
    if (!calendar || row?.source !== 'captured' || !row.subject) return;
    await calendar.deleteEvent({ subject: row.subject, eventId: calendarEventIdFor(sessionId) });
    log.info('removed any late Calendar event of a captured session', { sessionId });
  };
}
