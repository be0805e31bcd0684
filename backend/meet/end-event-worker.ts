import { messageOf } from '../../shared/index.ts';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { sessions } from '../db/schema.ts';
import type { JobHandler } from '../jobs/job-queue.ts';
import type { Logger } from '../logger.ts';
import type { MeetCalendar } from './google-calendar.ts';

/** Ends a finished session's Calendar event (its end moved to the session's end). */
export function createEndEventWorker(db: Database, calendar: MeetCalendar | undefined, log: Logger): JobHandler<'calendar.end-event'> {
  return async ({ sessionId }, { attempt, isLastAttempt }) => {
    const [session] = await db.select().from(sessions).where(eq(sessions.id, sessionId));
    if (!session?.calendarEventId || !session.calendarId) return;
    if (!calendar) {
      log.warn('cannot end Calendar event: Google Meet integration not configured', { sessionId });
      return;
    }
    try {
      await calendar.endEvent({ subject: session.calendarId, eventId: session.calendarEventId, at: session.endedAt ?? new Date() });
      log.info('calendar event ended', { sessionId, eventId: session.calendarEventId });
    } catch (error) {
      const reason = messageOf(error);
      (isLastAttempt ? log.error : log.warn)('ending calendar event failed', { sessionId, attempt, gaveUp: isLastAttempt, reason });
      throw error;
    }
  };
}
